package io.buenavista.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What an {@link Authenticator} decided after a successful exchange: who the session runs as, the route it opens
 * on, and until when the admission holds. The route may be a resolved form of the one the
 * {@link ConnectionParamParser} gave (a dataset id looked up to its database, say); the session opens on the handler
 * the admitted route names.
 *
 * <p>An expiry (a bearer token's {@code exp}, say) ends a SQL session at its first statement boundary after that
 * instant: when a Query, Parse, Bind or FunctionCall would start a new statement after ReadyForQuery, the core sends
 * FATAL {@code 28P01} "token expired" instead and closes the connection. A result being read is never cut: an
 * Execute that continues a suspended portal still runs. Sessions of a {@link FrameSession} (a relay) are not ended:
 * the core does not see their statements.
 *
 * @param principal who the session runs as
 * @param route     where the session goes
 * @param expiresAt   when the admission ends; empty for never
 * @param bearerToken the client's token, for a handler that logs in to its backend as the user
 *                    ({@link SessionContext#bearerToken()}); empty to keep it from the handler
 */
public record Admission(Principal principal, Route route, Optional<Instant> expiresAt,
        Optional<BearerToken> bearerToken) {
    public Admission {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(route, "route");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(bearerToken, "bearerToken");
    }

    /** An admission that does not expire and hands no token to the handler. */
    public Admission(Principal principal, Route route) {
        this(principal, route, Optional.empty(), Optional.empty());
    }

    /** An admission that hands no token to the handler. */
    public Admission(Principal principal, Route route, Optional<Instant> expiresAt) {
        this(principal, route, expiresAt, Optional.empty());
    }
}
