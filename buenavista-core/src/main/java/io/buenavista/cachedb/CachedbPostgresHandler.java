package io.buenavista.cachedb;

import io.buenavista.api.ClientSession;
import io.buenavista.api.PgException;
import io.buenavista.api.QueryHandler;
import io.buenavista.api.SessionContext;
import io.buenavista.api.SqlState;
import io.buenavista.core.relay.Backend;
import io.buenavista.core.relay.BackendPool;
import io.buenavista.core.relay.RelayConfig;
import io.buenavista.core.relay.RelayHandler;
import io.buenavista.core.relay.RelayTarget;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code cachedb-postgresql} handler: relays each session to the PostgreSQL database its {@link DatabaseRoute}
 * names in {@code DATABASE_CREDENTIALS}, through the core's relay. One {@link BackendPool} per database code and
 * connection type, created when first needed: {@code read} sessions log in with the entry's user/password,
 * {@code write} sessions with its adminUser/adminPassword.
 *
 * <p>At checkout the backend connection gets, as session defaults (so the client can still {@code SET} them, and
 * {@code DISCARD ALL} on release resets them for the next client):
 * <ul>
 *   <li>{@code search_path} = the route's schema, its vocabulary schema, {@code public}, when the route names a
 *   schema, before the client's startup parameters (a client's own {@code search_path} wins);</li>
 *   <li>{@code cachedb.user_id} = the principal's user id, after them (a startup parameter cannot replace it), so
 *   SQL and audit triggers can read who asked with {@code current_setting('cachedb.user_id')}.</li>
 * </ul>
 * {@code current_user} is the backend's login (the platform's database user). The user id is a session setting,
 * not a privilege: a client can {@code SET} it afterwards, so triggers must not treat it as proof of identity.
 *
 * <p>An unknown code is refused with FATAL {@code 3D000} naming it; a {@code write} route to an entry without admin
 * credentials with FATAL {@code 28000}. Messages never carry a password.
 */
public final class CachedbPostgresHandler implements QueryHandler {
    /** The custom setting holding the principal's user id on the backend. */
    public static final String USER_ID_SETTING = "cachedb.user_id";

    private final DatabaseCredentials credentials;
    private final RelayConfig config;
    private final Map<String, BackendPool> pools = new ConcurrentHashMap<>();
    private final RelayHandler relay;
    private volatile boolean closed;

    /**
     * @param config the relay's pooling; its pool size applies to each database code and connection type
     *               ({@code CACHEDB__POOL_SIZE})
     */
    public CachedbPostgresHandler(DatabaseCredentials credentials, RelayConfig config) {
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.config = Objects.requireNonNull(config, "config");
        this.relay = new RelayHandler(Dialect.POSTGRESQL.handlerName(), this::checkout, config, null);
    }

    @Override
    public String name() {
        return Dialect.POSTGRESQL.handlerName();
    }

    @Override
    public ClientSession openSession(SessionContext context) throws PgException {
        return relay.openSession(context);
    }

    /** The pool of a database code and connection type, if a session has used it; for monitoring and tests. */
    public Optional<BackendPool> pool(String code, ConnectionType type) {
        return Optional.ofNullable(pools.get(key(code, type)));
    }

    private RelayTarget.Checkout checkout(SessionContext context) throws PgException {
        if (!(context.route() instanceof DatabaseRoute route) || route.dialect() != Dialect.POSTGRESQL) {
            throw PgException.fatal(SqlState.INVALID_CATALOG_NAME, "the session's route is not a postgresql database");
        }
        DatabaseEntry entry = credentials.lookup(Dialect.POSTGRESQL, route.databaseCode()).orElseThrow(() ->
                PgException.fatal(SqlState.INVALID_CATALOG_NAME,
                        "postgresql database \"" + route.databaseCode() + "\" does not exist"));
        DatabaseLogin login = entry.login(route.connectionType()).orElseThrow(() ->
                PgException.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, "postgresql database \""
                        + entry.code() + "\" has no " + route.connectionType().name().toLowerCase(Locale.ROOT)
                        + " login"));
        if (closed) {
            throw PgException.fatal(SqlState.CONNECTION_FAILURE, "the server is shutting down");
        }
        BackendPool pool;
        try {
            pool = pools.computeIfAbsent(key(entry.code(), route.connectionType()),
                    k -> new BackendPool(backend(entry, login), config));
        } catch (IllegalArgumentException e) {
            // An unreadable sslTrustStore: this entry cannot be reached, the others still can.
            throw PgException.fatal(SqlState.CONNECTION_FAILURE, "postgresql database \"" + entry.code()
                    + "\" cannot be reached: its TLS settings cannot be used (sslTrustStore must be a readable PEM"
                    + " file)");
        }
        List<Map.Entry<String, String>> defaults = new ArrayList<>();
        route.schema().ifPresent(schema -> defaults.add(Map.entry("search_path", searchPath(route))));
        return new RelayTarget.Checkout(pool, defaults,
                List.of(Map.entry(USER_ID_SETTING, context.principal().name())));
    }

    /**
     * The route's schema, then its vocabulary schema, then {@code public}. The identifiers are validated
     * ({@code [A-Za-z_][A-Za-z0-9_]*}) and written unquoted, so they fold to lower case as in
     * {@code SET search_path TO cdmdefault}.
     */
    static String searchPath(DatabaseRoute route) {
        StringBuilder path = new StringBuilder(route.schema().orElseThrow());
        route.vocabSchema().filter(v -> !v.equals(route.schema().get())).ifPresent(v -> path.append(", ").append(v));
        return path.append(", public").toString();
    }

    /**
     * The backend of an entry: TLS when {@code encrypt} is set, verifying the certificate and host name when
     * {@code validateCertificate} is (against {@code sslTrustStore}, a PEM file, when given).
     */
    static Backend backend(DatabaseEntry entry, DatabaseLogin login) {
        Backend plain = new Backend(entry.host(), entry.port(), entry.databaseName(), login.user(), login.password());
        if (!entry.encrypt()) {
            return plain;
        }
        return entry.validateCertificate()
                ? plain.withSsl(Backend.SslMode.VERIFY_FULL, entry.sslTrustStore().map(Path::of).orElse(null))
                : plain.withSsl(Backend.SslMode.REQUIRE, null);
    }

    private static String key(String code, ConnectionType type) {
        return code + "|" + type;
    }

    /** Stops the relay and closes every pool's connections. */
    @Override
    public void close() {
        closed = true;
        relay.close();
        pools.values().forEach(BackendPool::close);
    }
}
