package io.buenavista.core.relay;

import io.buenavista.api.ClientSession;
import io.buenavista.api.PgException;
import io.buenavista.api.QueryHandler;
import io.buenavista.api.SessionContext;
import io.buenavista.api.StartupRequest;
import io.buenavista.core.auth.TokenShape;
import io.buenavista.core.sql.StartupOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Relays every session to one PostgreSQL backend through a {@link BackendPool}: after Buena Vista's own startup
 * and authentication, the client's frames go verbatim to a pooled, already-authenticated backend connection and
 * back. Whatever database the client names, it gets the backend's. The client's startup parameters (application_name,
 * DateStyle, TimeZone, client_encoding, extra_float_digits, search_path, the {@code options -c} settings, …) are
 * applied to the backend connection when it is taken; every ParameterStatus the client sees comes from the backend.
 */
public final class RelayHandler implements QueryHandler {
    /** The handler's default name. */
    public static final String NAME = "relay";

    private final String name;
    /** The one backend's pool; null when a {@link RelayTarget} chooses per session (and owns its pools). */
    private final BackendPool pool;
    private final RelayTarget target;
    private final RelayConfig config;
    private final RelayThreads threads;
    private final SqlRewriter rewriter;

    public RelayHandler(Backend backend, RelayConfig config) {
        this(NAME, backend, config, null);
    }

    /**
     * A relay under its own name, optionally rewriting the SQL of Query and Parse messages.
     *
     * @param rewriter null to pass every frame unchanged
     */
    public RelayHandler(String name, Backend backend, RelayConfig config, SqlRewriter rewriter) {
        this.name = name;
        this.rewriter = rewriter;
        this.config = config;
        this.pool = new BackendPool(backend, config);
        this.target = context -> RelayTarget.Checkout.of(pool);
        this.threads = new RelayThreads(config.loopThreads());
    }

    /**
     * A relay whose target chooses each session's pool and adds settings at checkout, for handlers that serve
     * several backends. The target's owner closes its pools; {@link #close()} stops only the relay's threads.
     *
     * @param rewriter null to pass every frame unchanged
     */
    public RelayHandler(String name, RelayTarget target, RelayConfig config, SqlRewriter rewriter) {
        this.name = name;
        this.rewriter = rewriter;
        this.config = config;
        this.pool = null;
        this.target = target;
        this.threads = new RelayThreads(config.loopThreads());
    }

    @Override
    public String name() {
        return name;
    }

    /** The pool, for monitoring; null when a {@link RelayTarget} chooses the pool per session. */
    public BackendPool pool() {
        return pool;
    }

    /**
     * Takes a backend connection: refusals of the pool (53300 when none became free in time, 08006 when the backend
     * cannot be reached) come before AuthenticationOk, as PostgreSQL's own connection limits do. The client's
     * settings are applied when the core starts the session, after AuthenticationOk ({@link RelaySession#start}).
     */
    @Override
    public ClientSession openSession(SessionContext context) throws PgException {
        RelayTarget.Checkout checkout = target.checkout(context);
        BackendPool pool = checkout.pool();
        List<Map.Entry<String, String>> settings = settings(context.startup(), checkout);
        BackendConnection backend = pool.acquire(settings);
        StartupRequest s = context.startup();
        // The principal, not the startup user name, which may be a bearer token.
        String who = context.principal().name() + "@" + TokenShape.redact(s.database()) + " from "
                + s.remoteAddress();
        return new RelaySession(pool, backend, settings, threads, config.connectTimeout(), who, rewriter, s);
    }

    /**
     * What the client put in its startup packet, to be set as session defaults on the backend as PostgreSQL would
     * at startup: the {@code options} switches first, then the other parameters (so a parameter wins over the same
     * setting in {@code options}, as in PostgreSQL). Each switch is kept, in order, even when a later one overrides
     * it: PostgreSQL refuses an invalid value that is overridden too. The checkout's defaults come before the
     * client's parameters, its enforced settings after them.
     */
    private static List<Map.Entry<String, String>> settings(StartupRequest startup, RelayTarget.Checkout checkout) {
        // Parsed again: StartupRequest.options() does not keep the order of the switches.
        List<Map.Entry<String, String>> settings = new ArrayList<>(checkout.defaults());
        settings.addAll(StartupOptions.parse(startup.parameter("options")).entrySet());
        for (Map.Entry<String, String> p : startup.parameters().entrySet()) {
            String key = p.getKey();
            if (!key.equals("user") && !key.equals("database") && !key.equals("options")
                    && !key.equals("replication") && !key.startsWith("_pq_.")) {
                settings.add(p);
            }
        }
        settings.addAll(checkout.enforced());
        return List.copyOf(settings);
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.close();
        }
        threads.close();
    }
}
