package io.buenavista.core.auth;

import io.buenavista.api.AuthExchange;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Verifiers from passwords and PostgreSQL's stored form (agreement with a real PostgreSQL: ScramAuthTest). */
class ScramSecretsTest {
    @Test
    void rfc7677KeysForPencil() {
        AuthExchange.ScramSecret s = ScramSecrets.fromPassword("pencil",
                Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
        // ServerKey is what signs the RFC's server-final "v=6rriTRBi…"; checked end to end in ScramSha256ExchangeTest.
        assertEquals("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$" + b64(s.storedKey()) + ":" + b64(s.serverKey()),
                ScramSecrets.format(s));
        assertEquals(s, ScramSecrets.parse(ScramSecrets.format(s)));
    }

    @Test
    void freshVerifiersHaveRandomSaltAndDefaultIterations() {
        AuthExchange.ScramSecret a = ScramSecrets.fromPassword("pw");
        AuthExchange.ScramSecret b = ScramSecrets.fromPassword("pw");
        assertEquals(ScramSecrets.DEFAULT_ITERATIONS, a.iterations());
        assertEquals(ScramSecrets.SALT_LENGTH, a.salt().length);
        assertNotEquals(b64(a.salt()), b64(b.salt()));
        assertNotEquals(b64(a.storedKey()), b64(b.storedKey()));
        assertEquals(a, ScramSecrets.fromPassword("pw", a.salt(), a.iterations()));
        assertEquals(1000, ScramSecrets.fromPassword("pw", 1000, new SecureRandom()).iterations());
    }

    @Test
    void parseRefusesWhatIsNotAVerifierWithoutEchoingIt() {
        String good = ScramSecrets.format(ScramSecrets.fromPassword("x"));
        String[] bad = {null, "", "md5" + "0".repeat(32), good.replace("SCRAM-SHA-256$", "SCRAM-SHA-1$"),
                good.replace("$4096:", "$0:"), good.replace("$4096:", "$x:"), good.replace("$4096:", "$4096;"),
                good.substring(0, good.lastIndexOf(':')), good + "$", good.replace(":", "::"),
                good.substring(0, good.length() - 4) + "!!!=", "SCRAM-SHA-256$4096:$AAAA:AAAA"};
        for (String s : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScramSecrets.parse(s),
                    String.valueOf(s));
            assertFalse(s != null && !s.isEmpty() && e.getMessage().contains(s), e.getMessage());
        }
    }

    @Test
    void saslPrepMapsNormalizesAndFallsBackLikePostgres() {
        assertArrayEquals(utf8("plain ASCII\u0007"), ScramSecrets.saslPrep("plain ASCII\u0007"));
        // Non-ASCII space → space; soft hyphen → nothing; NFKC: the "ﬁ" ligature → "fi", Å (U+212B) → Å.
        assertArrayEquals(utf8("a b"), ScramSecrets.saslPrep("a\u00A0b"));
        assertArrayEquals(utf8("ab"), ScramSecrets.saslPrep("a\u00ADb"));
        assertArrayEquals(utf8("fi\u00C5"), ScramSecrets.saslPrep("\uFB01\u212B"));
        // A prohibited character (a control character, private use) → the original bytes are used.
        assertArrayEquals(utf8("\u00e9\u0007"), ScramSecrets.saslPrep("\u00e9\u0007"));
        assertArrayEquals(utf8("\u00e9\uE000"), ScramSecrets.saslPrep("\u00e9\uE000"));
        // Mixed right-to-left and left-to-right → bidi rule broken → original bytes.
        assertArrayEquals(utf8("\u05D0a\u00AD"), ScramSecrets.saslPrep("\u05D0a\u00AD"));
        assertArrayEquals(utf8("\u05D0\u05D1"), ScramSecrets.saslPrep("\u05D0\u00AD\u05D1"));
    }

    @Test
    void invalidUtf8PasswordBytesAreHashedAsTheyAre() {
        // Not reachable from a Java String, but the fallback path computes Hi by hand: it must agree with PBKDF2.
        byte[] salt = {1, 2, 3, 4};
        assertArrayEquals(ScramSecrets.saltedPassword(utf8("abc"), salt, 3),
                ScramSecrets.saltedPassword(new byte[] {'a', 'b', 'c'}, salt, 3));
        byte[] invalid = {(byte) 0xFF, 'a'};
        byte[] hashed = ScramSecrets.saltedPassword(invalid, salt, 2);
        assertEquals(32, hashed.length);
        assertArrayEquals(hashed, ScramSecrets.saltedPassword(invalid.clone(), salt, 2));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }
}
