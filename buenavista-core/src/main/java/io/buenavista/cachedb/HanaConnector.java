package io.buenavista.cachedb;

import io.buenavista.api.SessionContext;
import io.buenavista.core.jdbc.JdbcConnector;
import io.buenavista.core.jdbc.JdbcHandler;
import io.buenavista.core.jdbc.PooledConnector;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;

/**
 * Each HANA session's connection, for the database its route names: with the entry's read or write login, or, when
 * the entry has no read login, with the user's own token (the original's JWT mode). Logins with a password share a
 * {@link PooledConnector} per database code and connection type, keeping up to {@code poolSize} idle connections
 * (the original's {@code CACHEDB__POOL_SIZE}); a token login gets a fresh connection, closed when its session ends.
 *
 * <p>Failures reach the client as FATAL errors with PostgreSQL's SQLSTATE: an unknown code {@code 3D000}, a
 * missing login {@code 28000}, a missing driver or an unreachable server {@code 08001} (HANA's codes, see
 * {@link HanaDialect}). Messages name the code, never a password or token.
 */
public final class HanaConnector implements JdbcConnector, AutoCloseable {
    /** Opens a connection; {@link DriverManager#getConnection(String, Properties)} outside tests. */
    @FunctionalInterface
    interface Opener {
        Connection open(String url, Properties properties) throws SQLException;
    }

    private final DatabaseCredentials credentials;
    private final HanaConnections.Timeouts timeouts;
    private final Function<SessionContext, Optional<String>> userToken;
    private final Opener opener;
    private final int poolSize;
    /** One pool per database code and connection type (each its own login). */
    private final Map<String, PooledConnector> pools = new ConcurrentHashMap<>();
    /** The pool each handed-out pooled connection goes back to. */
    private final Map<java.sql.Connection, PooledConnector> leased =
            Collections.synchronizedMap(new IdentityHashMap<>());

    /**
     * @param userToken the token the session's user logged in with, for entries without a read login; empty when
     *                  the authenticator kept none
     * @param poolSize  idle connections kept per database code and connection type
     */
    public HanaConnector(DatabaseCredentials credentials, HanaConnections.Timeouts timeouts,
            Function<SessionContext, Optional<String>> userToken, int poolSize) {
        this(credentials, timeouts, userToken, poolSize, DriverManager::getConnection);
    }

    HanaConnector(DatabaseCredentials credentials, HanaConnections.Timeouts timeouts,
            Function<SessionContext, Optional<String>> userToken, int poolSize, Opener opener) {
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
        this.userToken = Objects.requireNonNull(userToken, "userToken");
        this.opener = Objects.requireNonNull(opener, "opener");
        if (poolSize < 0) {
            throw new IllegalArgumentException("poolSize must not be negative: " + poolSize);
        }
        this.poolSize = poolSize;
    }

    /** The handler of the {@code hana} dialect's routes: this connector with {@link HanaDialect}. */
    public static JdbcHandler handler(DatabaseCredentials credentials, HanaConnections.Timeouts timeouts,
            Function<SessionContext, Optional<String>> userToken, int poolSize, int fetchSize) {
        return new JdbcHandler(Dialect.HANA.handlerName(),
                new HanaConnector(credentials, timeouts, userToken, poolSize), new HanaDialect(), fetchSize);
    }

    @Override
    public Connection connect(SessionContext context) throws SQLException {
        if (!(context.route() instanceof DatabaseRoute route) || route.dialect() != Dialect.HANA) {
            throw new SQLException("the session's route is not a HANA database", "08004");
        }
        DatabaseEntry entry = credentials.lookup(Dialect.HANA, route.databaseCode()).orElseThrow(() ->
                new SQLException("hana database \"" + route.databaseCode() + "\" does not exist", "3D000"));
        String url = HanaConnections.url(entry);
        Properties properties;
        Optional<DatabaseLogin> login = entry.login(route.connectionType());
        if (login.isPresent()) {
            Properties withLogin = HanaConnections.properties(entry, login.get(), timeouts);
            PooledConnector pool = pools.computeIfAbsent(entry.code() + "|" + route.connectionType(),
                    key -> new PooledConnector(c -> open(url, withLogin), poolSize));
            java.sql.Connection c = pool.connect(context);
            leased.put(c, pool);
            return c;
        } else if (route.connectionType() == ConnectionType.WRITE) {
            throw new SQLException("hana database \"" + entry.code() + "\" has no write login", "28000");
        } else {
            String token = userToken.apply(context).orElseThrow(() -> new SQLException("hana database \""
                    + entry.code() + "\" logs users in with their token, and this session has none", "28000"));
            properties = HanaConnections.tokenProperties(entry, token, timeouts);
        }
        return open(url, properties);
    }

    @Override
    public void release(java.sql.Connection connection, boolean reusable) throws SQLException {
        PooledConnector pool = leased.remove(connection);
        if (pool != null) {
            pool.release(connection, reusable);
        } else {
            connection.close(); // a token login's own connection
        }
    }

    /** Closes the pools' idle connections. */
    @Override
    public void close() {
        pools.values().forEach(PooledConnector::close);
    }

    private java.sql.Connection open(String url, Properties properties) throws SQLException {
        try {
            return opener.open(url, properties);
        } catch (SQLException e) {
            if (e.getErrorCode() == 0 && "08001".equals(e.getSQLState()) && noDriverFor(url)) {
                throw new SQLException("SAP's HANA JDBC driver (com.sap.cloud.db.jdbc:ngdbc) is not on the class path",
                        "08001");
            }
            throw e;
        }
    }

    private static boolean noDriverFor(String url) {
        try {
            DriverManager.getDriver(url);
            return false;
        } catch (SQLException none) {
            return true;
        }
    }
}
