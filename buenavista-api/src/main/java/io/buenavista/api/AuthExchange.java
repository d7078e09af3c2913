package io.buenavista.api;

import java.util.Objects;

/**
 * The authentication exchanges the core can run, chosen per connection by an {@link Authenticator}.
 * For {@link Trust} and {@link CleartextPassword} the SPI decides; for {@link Md5Password} and
 * {@link ScramSha256} it supplies the stored secret and the core compares, so the password never leaves the core.
 */
public sealed interface AuthExchange
        permits AuthExchange.Trust, AuthExchange.CleartextPassword, AuthExchange.Md5Password, AuthExchange.ScramSha256,
        AuthExchange.OAuthBearer {

    /** No proof asked: the connection is the given principal. */
    record Trust(Principal principal) implements AuthExchange {
        public Trust {
            Objects.requireNonNull(principal, "principal");
        }
    }

    /**
     * Ask for the password in clear ({@code AuthenticationCleartextPassword}); the verifier decides. Use it only over
     * TLS or loopback: the password crosses the wire as sent. Also the carrier for bearer tokens.
     */
    record CleartextPassword(PasswordVerifier verifier) implements AuthExchange {
        public CleartextPassword {
            Objects.requireNonNull(verifier, "verifier");
        }
    }

    /**
     * {@code AuthenticationMD5Password}: the core sends a random salt and compares the client's answer with
     * {@code storedHash}, which is {@code "md5" + md5hex(password + user)} as in {@code pg_authid}.
     */
    record Md5Password(String storedHash, Principal principal) implements AuthExchange {
        public Md5Password {
            Objects.requireNonNull(storedHash, "storedHash");
            Objects.requireNonNull(principal, "principal");
        }
    }

    /** SCRAM-SHA-256 (RFC 5802/7677) against a stored verifier, as in {@code pg_authid}. */
    record ScramSha256(ScramSecret secret, Principal principal) implements AuthExchange {
        public ScramSha256 {
            Objects.requireNonNull(secret, "secret");
            Objects.requireNonNull(principal, "principal");
        }
    }

    /**
     * SASL {@code OAUTHBEARER} (RFC 7628) as PostgreSQL 18 runs it: the client sends a bearer token, the verifier
     * decides. On a refused or empty token the client first gets the JSON error challenge naming
     * {@code openidConfiguration} and {@code scope}, then the error.
     *
     * @param verifier            checks the token; throws {@code 28P01} when it is invalid
     * @param openidConfiguration the issuer's discovery URL ({@code .../.well-known/openid-configuration})
     * @param scope               the scope a client should ask its issuer for
     */
    record OAuthBearer(PasswordVerifier verifier, String openidConfiguration, String scope) implements AuthExchange {
        public OAuthBearer {
            Objects.requireNonNull(verifier, "verifier");
            Objects.requireNonNull(openidConfiguration, "openidConfiguration");
            Objects.requireNonNull(scope, "scope");
        }
    }

    /** Checks a password (or token) received in clear. */
    @FunctionalInterface
    interface PasswordVerifier {
        /**
         * @return the principal for this password
         * @throws PgException {@code 28P01} when it is wrong
         */
        Principal verify(String password) throws PgException;
    }

    /**
     * A SCRAM-SHA-256 verifier: salt, iteration count, StoredKey and ServerKey. Arrays are copied in and out.
     */
    record ScramSecret(byte[] salt, int iterations, byte[] storedKey, byte[] serverKey) {
        public ScramSecret {
            salt = salt.clone();
            storedKey = storedKey.clone();
            serverKey = serverKey.clone();
            if (iterations < 1) {
                throw new IllegalArgumentException("iterations must be positive");
            }
        }

        @Override
        public byte[] salt() {
            return salt.clone();
        }

        @Override
        public byte[] storedKey() {
            return storedKey.clone();
        }

        @Override
        public byte[] serverKey() {
            return serverKey.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ScramSecret s && iterations == s.iterations && java.util.Arrays.equals(salt, s.salt)
                    && java.util.Arrays.equals(storedKey, s.storedKey) && java.util.Arrays.equals(serverKey, s.serverKey);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(storedKey);
        }

        @Override
        public String toString() {
            return "ScramSecret[iterations=" + iterations + ", keys redacted]";
        }
    }
}
