package io.buenavista.core.relay;

import io.buenavista.api.PgException;
import io.buenavista.api.SessionContext;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where a {@link RelayHandler} sends a session: the pool to take a backend connection from, and settings the
 * connection gets at checkout besides the client's startup parameters. A handler that serves several backends (one
 * per route) chooses here; the owner of the pools closes them.
 */
@FunctionalInterface
public interface RelayTarget {
    /**
     * The checkout of this session.
     *
     * @throws PgException FATAL, to refuse the session (for example an unknown database)
     */
    Checkout checkout(SessionContext context) throws PgException;

    /**
     * One session's checkout. Settings are applied with {@code set_config(name, value, false)} in one round trip, in
     * this order: {@code defaults}, then the client's startup parameters (so the client's own {@code search_path}
     * wins over a default one), then {@code enforced} (which a startup parameter cannot replace). All are session
     * defaults: the client can still {@code SET} them, and {@code DISCARD ALL} on release resets them (the release
     * then applies this checkout's settings again, so that the connection's next client asking for the same ones
     * needs no round trip at its start; one asking for others gets {@code DISCARD ALL} first).
     */
    record Checkout(BackendPool pool, List<Map.Entry<String, String>> defaults,
            List<Map.Entry<String, String>> enforced) {
        public Checkout {
            Objects.requireNonNull(pool, "pool");
            defaults = List.copyOf(defaults);
            enforced = List.copyOf(enforced);
        }

        /** The pool, with the client's settings only. */
        public static Checkout of(BackendPool pool) {
            return new Checkout(pool, List.of(), List.of());
        }
    }
}
