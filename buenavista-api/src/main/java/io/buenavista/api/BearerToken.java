package io.buenavista.api;

import java.util.Objects;

/**
 * The bearer token a client authenticated with, handed by an {@link Authenticator} to the session's handler (see
 * {@link Admission#bearerToken()}) so that the handler can log in to its backend as the user. A secret: its
 * {@link #toString()} never shows it.
 *
 * @param value the compact token, without a {@code Bearer } prefix
 */
public record BearerToken(String value) {
    public BearerToken {
        Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
        return "BearerToken[redacted]";
    }
}
