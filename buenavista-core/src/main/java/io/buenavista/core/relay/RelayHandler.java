package io.buenavista.core.relay;

import io.buenavista.api.ClientSession;
import io.buenavista.api.PgException;
import io.buenavista.api.QueryHandler;
import io.buenavista.api.SessionContext;
import io.buenavista.api.SqlState;
import io.buenavista.api.StartupRequest;
import io.buenavista.core.auth.TokenShape;
import io.buenavista.core.sql.StartupOptions;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

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
    private final ExecutorService pumps;
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
        this.pumps = pumps();
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
        this.pumps = pumps();
    }

    private static ExecutorService pumps() {
        AtomicInteger n = new AtomicInteger();
        return Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "buenavista-relay-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public String name() {
        return name;
    }

    /** The pool, for monitoring; null when a {@link RelayTarget} chooses the pool per session. */
    public BackendPool pool() {
        return pool;
    }

    @Override
    public ClientSession openSession(SessionContext context) throws PgException {
        RelayTarget.Checkout checkout = target.checkout(context);
        BackendPool pool = checkout.pool();
        BackendConnection backend = pool.acquire();
        boolean handedOver = false;
        try {
            for (int attempt = 1; !applyStartupParameters(backend, context.startup(), checkout); attempt++) {
                // An idle connection the backend dropped (restart, pg_terminate_backend) fails here: take another.
                pool.release(backend, false);
                handedOver = true;
                if (attempt == 3) {
                    throw PgException.fatal(SqlState.CONNECTION_FAILURE, "the backend connection failed");
                }
                backend = pool.acquire();
                handedOver = false;
            }
            StartupRequest s = context.startup();
            // The principal, not the startup user name, which may be a bearer token.
            String who = context.principal().name() + "@" + TokenShape.redact(s.database()) + " from "
                    + s.remoteAddress();
            RelaySession session = new RelaySession(pool, backend, pumps, config.connectTimeout(), who, rewriter, s);
            handedOver = true;
            return session;
        } finally {
            if (!handedOver) {
                pool.release(backend, !backend.isClosed());
            }
        }
    }

    /**
     * Sets what the client put in its startup packet as a session default on the backend, as PostgreSQL would at
     * startup: the {@code options} switches first, then the other parameters (so a parameter wins over the same
     * setting in {@code options}, as in PostgreSQL). {@code set_config} takes the raw string, like a startup
     * parameter (a {@code SET} would quote list values such as search_path differently). An invalid value gets the
     * backend's error, as FATAL, before AuthenticationOk (PostgreSQL sends AuthenticationOk first). The round trip
     * also validates a reused connection. The checkout's defaults come before the client's parameters, its enforced
     * settings after them.
     *
     * @return false when the connection failed (and is closed)
     */
    private static boolean applyStartupParameters(BackendConnection backend, StartupRequest startup,
            RelayTarget.Checkout checkout) {
        // Parsed again: StartupRequest.options() does not keep the order of the switches. Each is applied, in
        // order, even when a later one overrides it: PostgreSQL refuses an invalid value that is overridden too.
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
        if (settings.isEmpty()) {
            settings.add(Map.entry("application_name", ""));
        }
        StringBuilder sql = new StringBuilder("SELECT ");
        String sep = "";
        for (Map.Entry<String, String> e : settings) {
            sql.append(sep).append("pg_catalog.set_config(").append(literal(e.getKey())).append(", ")
                    .append(literal(e.getValue())).append(", false)");
            sep = ", ";
        }
        PgException error;
        try {
            error = backend.simpleQuery(sql.toString());
        } catch (IOException e) {
            backend.abort();
            return false;
        }
        if (error != null) {
            throw error.isFatal() ? error : error.withSeverity(PgException.Severity.FATAL);
        }
        return true;
    }

    /** An escape-string literal: right whatever standard_conforming_strings says. */
    static String literal(String value) {
        StringBuilder sb = new StringBuilder(value.length() + 3).append("E'");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\'' || c == '\\') {
                sb.append(c);
            }
            sb.append(c);
        }
        return sb.append('\'').toString();
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.close();
        }
        pumps.shutdownNow();
    }
}
