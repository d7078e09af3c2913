package io.buenavista.cachedb;

import java.time.Instant;
import java.util.Objects;

/**
 * A token that passed verification.
 *
 * @param userId        the subject claim's value
 * @param expiresAt     its {@code exp}
 * @param token         the compact token, for the services' {@code Authorization} header and the per-token cache only;
 *                      never logged (see {@link #toString()})
 * @param authorization the {@code Authorization} header value to forward: what the client sent when it began with
 *                      {@code Bearer }, else {@code Bearer} and the token
 */
record VerifiedToken(String userId, Instant expiresAt, String token, String authorization) {
    VerifiedToken {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(authorization, "authorization");
    }

    @Override
    public String toString() {
        return "VerifiedToken[userId=" + userId + ", expiresAt=" + expiresAt + ", token redacted]";
    }
}
