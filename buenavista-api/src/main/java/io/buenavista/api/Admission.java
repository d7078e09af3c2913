package io.buenavista.api;

import java.util.Objects;

/**
 * What an {@link Authenticator} decided after a successful exchange: who the session runs as and the route it opens
 * on. The route may be a resolved form of the one the {@link ConnectionParamParser} gave (a dataset id looked up to
 * its database, say); the session opens on the handler the admitted route names.
 *
 * @param principal who the session runs as
 * @param route     where the session goes
 */
public record Admission(Principal principal, Route route) {
    public Admission {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(route, "route");
    }
}
