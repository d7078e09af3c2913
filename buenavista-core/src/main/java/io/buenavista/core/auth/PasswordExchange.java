package io.buenavista.core.auth;

import io.buenavista.api.AuthExchange;
import io.buenavista.api.PgException;
import io.buenavista.api.Principal;
import io.buenavista.api.SqlState;
import io.buenavista.core.wire.FrameReader;
import io.buenavista.core.wire.MessageWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * Runs the authentication exchange an {@link io.buenavista.api.Authenticator} chose, on the wire, before the
 * session exists: trust, cleartext password, MD5, SCRAM-SHA-256 ({@link ScramSha256Exchange}; build its verifiers
 * with {@link ScramSecrets}) and OAUTHBEARER ({@link OAuthBearerExchange}). Any failure is FATAL: {@code 28P01} for
 * a wrong password, {@code 08P01} for an unexpected or malformed message.
 */
public final class PasswordExchange {
    private final FrameReader in;
    private final MessageWriter out;
    private final SecureRandom random;

    public PasswordExchange(FrameReader in, MessageWriter out, SecureRandom random) {
        this.in = in;
        this.out = out;
        this.random = random;
    }

    /** Runs the exchange for {@code user} and returns the principal it proves. */
    public Principal run(AuthExchange exchange, String user) throws IOException {
        // Java 17 has no pattern matching for switch; the sealed family keeps this chain complete.
        if (exchange instanceof AuthExchange.Trust t) {
            return t.principal();
        } else if (exchange instanceof AuthExchange.CleartextPassword c) {
            return cleartext(c, user);
        } else if (exchange instanceof AuthExchange.Md5Password m) {
            return md5(m, user);
        } else if (exchange instanceof AuthExchange.ScramSha256 s) {
            new ScramSha256Exchange(s.secret(), user, ScramSha256Exchange.newServerNonce(random)).run(in, out);
            return s.principal();
        } else if (exchange instanceof AuthExchange.OAuthBearer o) {
            return new OAuthBearerExchange(o, user).run(in, out);
        } else {
            throw new IllegalStateException("unknown exchange " + exchange.getClass());
        }
    }

    private Principal cleartext(AuthExchange.CleartextPassword c, String user) throws IOException {
        out.authenticationCleartextPassword();
        out.flush();
        String password = passwordText(readPassword());
        if (password.isEmpty()) {
            throw failed(user);
        }
        try {
            return c.verifier().verify(password);
        } catch (PgException e) {
            throw e.isFatal() ? e : e.withSeverity(PgException.Severity.FATAL);
        }
    }

    private Principal md5(AuthExchange.Md5Password m, String user) throws IOException {
        byte[] salt = new byte[4];
        random.nextBytes(salt);
        out.authenticationMd5Password(salt);
        out.flush();
        String answer = passwordText(readPassword());
        String stored = m.storedHash();
        if (!stored.startsWith("md5") || stored.length() != 35) {
            throw failed(user);
        }
        String expected = Md5Password.salted(stored, salt);
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                answer.getBytes(StandardCharsets.US_ASCII))) {
            throw failed(user);
        }
        return m.principal();
    }

    /** {@code "md5" + md5hex(password + user)}: the form PostgreSQL stores and {@link AuthExchange.Md5Password} takes. */
    public static String md5Hash(String password, String user) {
        return Md5Password.hash(password, user);
    }

    private byte[] readPassword() throws IOException {
        return in.readPasswordMessage().body();
    }

    private static String passwordText(byte[] body) {
        int end = 0;
        while (end < body.length && body[end] != 0) {
            end++;
        }
        if (end != body.length - 1) {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION, "invalid password packet size");
        }
        return new String(body, 0, end, StandardCharsets.UTF_8);
    }

    private static PgException failed(String user) {
        return PgException.fatal(SqlState.INVALID_PASSWORD, "password authentication failed for user \"" + user + "\"");
    }
}
