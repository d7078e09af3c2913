package io.buenavista.core.auth;

import io.buenavista.api.AuthExchange;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.Base64;

/**
 * Builds SCRAM-SHA-256 verifiers ({@link AuthExchange.ScramSecret}) from passwords, and reads and writes them in
 * PostgreSQL's {@code pg_authid.rolpassword} form {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}
 * (salt and keys in base64), so a verifier can be copied from a PostgreSQL server as it is.
 */
public final class ScramSecrets {
    /** PostgreSQL's default {@code scram_iterations}. */
    public static final int DEFAULT_ITERATIONS = 4096;
    /** PostgreSQL's salt length in bytes. */
    public static final int SALT_LENGTH = 16;

    private static final String PREFIX = "SCRAM-SHA-256$";
    private static final int KEY_LENGTH = 32;

    private ScramSecrets() {}

    /** A verifier for {@code password} with a fresh random salt and {@link #DEFAULT_ITERATIONS}. */
    public static AuthExchange.ScramSecret fromPassword(String password) {
        return fromPassword(password, DEFAULT_ITERATIONS, new SecureRandom());
    }

    /** A verifier for {@code password} with a random salt from {@code random} and the given iteration count. */
    public static AuthExchange.ScramSecret fromPassword(String password, int iterations, SecureRandom random) {
        byte[] salt = new byte[SALT_LENGTH];
        random.nextBytes(salt);
        return fromPassword(password, salt, iterations);
    }

    /**
     * The verifier for {@code password} with this salt and iteration count; equal to what PostgreSQL stores for the
     * same inputs. The password is normalized with SASLprep as PostgreSQL does (see {@link #saslPrep}).
     */
    public static AuthExchange.ScramSecret fromPassword(String password, byte[] salt, int iterations) {
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be positive");
        }
        byte[] salted = saltedPassword(saslPrep(password), salt, iterations);
        byte[] storedKey = sha256(hmac(salted, "Client Key"));
        byte[] serverKey = hmac(salted, "Server Key");
        Arrays.fill(salted, (byte) 0);
        return new AuthExchange.ScramSecret(salt, iterations, storedKey, serverKey);
    }

    /**
     * Parses PostgreSQL's stored form {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}.
     *
     * @throws IllegalArgumentException when {@code verifier} is not in that form (the message never repeats it)
     */
    public static AuthExchange.ScramSecret parse(String verifier) {
        if (verifier == null || !verifier.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a SCRAM-SHA-256 verifier: it must start with " + PREFIX);
        }
        String[] parts = verifier.substring(PREFIX.length()).split("\\$", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException("malformed SCRAM-SHA-256 verifier: expected two '$'-separated parts");
        }
        String[] iterationsAndSalt = parts[0].split(":", -1);
        String[] keys = parts[1].split(":", -1);
        if (iterationsAndSalt.length != 2 || keys.length != 2) {
            throw new IllegalArgumentException("malformed SCRAM-SHA-256 verifier: expected <iterations>:<salt>"
                    + "$<StoredKey>:<ServerKey>");
        }
        int iterations;
        try {
            iterations = Integer.parseInt(iterationsAndSalt[0]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed SCRAM-SHA-256 verifier: bad iteration count");
        }
        if (iterations < 1) {
            throw new IllegalArgumentException("malformed SCRAM-SHA-256 verifier: bad iteration count");
        }
        byte[] salt = base64(iterationsAndSalt[1], "salt");
        byte[] storedKey = base64(keys[0], "StoredKey");
        byte[] serverKey = base64(keys[1], "ServerKey");
        if (salt.length == 0 || storedKey.length != KEY_LENGTH || serverKey.length != KEY_LENGTH) {
            throw new IllegalArgumentException("malformed SCRAM-SHA-256 verifier: wrong salt or key length");
        }
        return new AuthExchange.ScramSecret(salt, iterations, storedKey, serverKey);
    }

    /** The verifier in PostgreSQL's stored form, as {@link #parse} reads it. */
    public static String format(AuthExchange.ScramSecret secret) {
        Base64.Encoder b64 = Base64.getEncoder();
        return PREFIX + secret.iterations() + ":" + b64.encodeToString(secret.salt()) + "$"
                + b64.encodeToString(secret.storedKey()) + ":" + b64.encodeToString(secret.serverKey());
    }

    private static byte[] base64(String text, String what) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed SCRAM-SHA-256 verifier: " + what + " is not base64");
        }
    }

    // ------------------------------------------------------------------------------------------- SCRAM primitives

    /** {@code Hi(password, salt, i)} of RFC 5802, which is PBKDF2 with HMAC-SHA-256 and one block. */
    static byte[] saltedPassword(byte[] password, byte[] salt, int iterations) {
        // PBEKeySpec takes chars and encodes them as UTF-8, so the password bytes must be valid UTF-8 to go that
        // way; SASLprep falls back to the raw bytes of a password that is not, as PostgreSQL does, and those are
        // computed by hand.
        String utf8 = strictUtf8(password);
        if (utf8 != null && !utf8.isEmpty()) {
            PBEKeySpec spec = new PBEKeySpec(utf8.toCharArray(), salt, iterations, KEY_LENGTH * 8);
            try {
                return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK always has PBKDF2WithHmacSHA256", e);
            } finally {
                spec.clearPassword();
            }
        }
        return hiByHand(password, salt, iterations);
    }

    private static byte[] hiByHand(byte[] password, byte[] salt, int iterations) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            // HMAC pads a short key with zeros, so an empty key is one zero byte; SecretKeySpec refuses empty arrays.
            mac.init(new SecretKeySpec(password.length == 0 ? new byte[1] : password, "HmacSHA256"));
            mac.update(salt);
            byte[] u = mac.doFinal(new byte[] {0, 0, 0, 1});
            byte[] result = u.clone();
            for (int i = 1; i < iterations; i++) {
                u = mac.doFinal(u);
                for (int j = 0; j < result.length; j++) {
                    result[j] ^= u[j];
                }
            }
            return result;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK always has HmacSHA256", e);
        }
    }

    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    static byte[] hmac(byte[] key, String data) {
        return hmac(key, data.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK always has HmacSHA256", e);
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }

    // ------------------------------------------------------------------------------------------------- SASLprep

    /**
     * The password bytes SCRAM hashes, as PostgreSQL's {@code pg_saslprep} prepares them (RFC 4013): ASCII passwords
     * as they are; otherwise non-ASCII spaces become spaces, characters "commonly mapped to nothing" are dropped, the
     * result is NFKC-normalized, and if it then holds a prohibited character or breaks the bidirectional rule the
     * original UTF-8 bytes are used instead — PostgreSQL's fallback, which libpq and pgjdbc share. Unassigned code
     * points are judged by the JDK's Unicode version, not Unicode 3.2 as RFC 3454 says; that only matters for
     * passwords using characters assigned after 2002 together with a prohibited one.
     */
    static byte[] saslPrep(String password) {
        byte[] raw = password.getBytes(StandardCharsets.UTF_8);
        if (password.chars().allMatch(c -> c < 0x80)) {
            return raw;
        }
        StringBuilder mapped = new StringBuilder(password.length());
        for (int i = 0; i < password.length(); ) {
            int cp = password.codePointAt(i);
            i += Character.charCount(cp);
            if (isNonAsciiSpace(cp)) {
                mapped.append(' ');
            } else if (!isMappedToNothing(cp)) {
                mapped.appendCodePoint(cp);
            }
        }
        String normalized = Normalizer.normalize(mapped, Normalizer.Form.NFKC);
        if (normalized.isEmpty() || hasProhibited(normalized) || !bidiOk(normalized)) {
            return raw;
        }
        return normalized.getBytes(StandardCharsets.UTF_8);
    }

    /** RFC 3454 table C.1.2. */
    private static boolean isNonAsciiSpace(int cp) {
        return cp == 0x00A0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    /** RFC 3454 table B.1. */
    private static boolean isMappedToNothing(int cp) {
        return cp == 0x00AD || cp == 0x034F || cp == 0x1806 || (cp >= 0x180B && cp <= 0x180D)
                || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF;
    }

    /** RFC 4013 section 2.3: tables C.1.2, C.2.1, C.2.2, C.3–C.9, and unassigned code points (A.1). */
    private static boolean hasProhibited(String s) {
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            int type = Character.getType(cp);
            if (isNonAsciiSpace(cp) || type == Character.CONTROL || type == Character.PRIVATE_USE
                    || type == Character.SURROGATE || type == Character.UNASSIGNED
                    || isProhibitedSpecial(cp)) {
                return true;
            }
        }
        return false;
    }

    /** The parts of C.2.2 and C.6–C.9 that are not control, private-use, surrogate or unassigned characters. */
    private static boolean isProhibitedSpecial(int cp) {
        return cp == 0x06DD || cp == 0x070F || cp == 0x180E || (cp >= 0x200C && cp <= 0x200F)
                || (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2063) || (cp >= 0x206A && cp <= 0x206F)
                || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFD) || (cp >= 0x1D173 && cp <= 0x1D17A)
                || (cp >= 0x2FF0 && cp <= 0x2FFB) || cp == 0x0340 || cp == 0x0341 || cp == 0xE0001
                || (cp >= 0xE0020 && cp <= 0xE007F) || (cp & 0xFFFE) == 0xFFFE || (cp >= 0xFDD0 && cp <= 0xFDEF);
    }

    /** RFC 3454 section 6: a string with right-to-left characters has no left-to-right ones and starts and ends RTL. */
    private static boolean bidiOk(String s) {
        boolean rtl = false;
        boolean ltr = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            byte d = Character.getDirectionality(cp);
            rtl |= d == Character.DIRECTIONALITY_RIGHT_TO_LEFT || d == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC;
            ltr |= d == Character.DIRECTIONALITY_LEFT_TO_RIGHT;
        }
        if (!rtl) {
            return true;
        }
        if (ltr) {
            return false;
        }
        return isRtl(s.codePointAt(0)) && isRtl(s.codePointBefore(s.length()));
    }

    private static boolean isRtl(int cp) {
        byte d = Character.getDirectionality(cp);
        return d == Character.DIRECTIONALITY_RIGHT_TO_LEFT || d == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC;
    }
}
