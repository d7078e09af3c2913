package io.buenavista.core.jdbc;

import io.buenavista.api.PgException;
import io.buenavista.api.QueryHandler;
import io.buenavista.api.QuerySession;
import io.buenavista.api.SessionContext;
import io.buenavista.api.SqlState;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;

/**
 * Serves SQL from any database with a JDBC driver, driven by the core's protocol engine: each session runs on its
 * own connection from the {@link JdbcConnector}; statements are prepared by the driver (the client's {@code $n}
 * become {@code ?}, reordered and repeated as the text references them), results stream {@link #fetchSize()} rows
 * at a time, a cancel or {@code statement_timeout} calls {@link java.sql.Statement#cancel()}, and errors keep the
 * driver's SQLSTATE when it is one PostgreSQL could send, else the {@link JdbcDialect} classifies them.
 *
 * <p>The core's own statements (transactions, {@code SET}, {@code SHOW}, cursors, …) never reach the database as
 * text: the session is told through {@link QuerySession}, and a setting the client changes is applied with the
 * dialect's statements. There is no catalog emulation: {@code pg_catalog} queries go to the database as written.
 */
public final class JdbcHandler implements QueryHandler {
    /** Rows fetched per round trip unless configured. */
    public static final int DEFAULT_FETCH_SIZE = 1000;

    private final String name;
    private final JdbcConnector connector;
    private final JdbcDialect dialect;
    private final int fetchSize;

    /**
     * @param name      the handler's name, which routes refer to
     * @param connector where each session's connection comes from
     * @param dialect   what differs for this database; {@link JdbcDialect#POSTGRESQL} when nothing does
     * @param fetchSize rows per round trip to the database (at least 1): what a session's result holds at most
     */
    public JdbcHandler(String name, JdbcConnector connector, JdbcDialect dialect, int fetchSize) {
        this.name = Objects.requireNonNull(name, "name");
        this.connector = Objects.requireNonNull(connector, "connector");
        this.dialect = Objects.requireNonNull(dialect, "dialect");
        if (fetchSize < 1) {
            throw new IllegalArgumentException("fetchSize must be at least 1: " + fetchSize);
        }
        this.fetchSize = fetchSize;
    }

    @Override
    public String name() {
        return name;
    }

    /** Rows per round trip to the database. */
    public int fetchSize() {
        return fetchSize;
    }

    @Override
    public QuerySession open(SessionContext context) throws PgException {
        Connection conn;
        try {
            conn = connector.connect(context);
        } catch (SQLException e) {
            throw connectFailed(e);
        }
        if (conn == null) {
            throw PgException.fatal(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION,
                    "no driver accepted the database's URL");
        }
        JdbcSession session = new JdbcSession(conn, connector, dialect, context, fetchSize);
        try {
            session.start();
            // The client's time zone from its startup; the search_path stays the connection's own until the client
            // sets one (the connector may have chosen the schema).
            String timeZone = context == null ? null : context.setting("TimeZone");
            if (timeZone != null) {
                session.settingChanged("TimeZone", timeZone);
            }
        } catch (SQLException e) {
            session.close();
            throw JdbcErrors.map(e, dialect).withSeverity(PgException.Severity.FATAL);
        } catch (PgException e) {
            session.close();
            throw e.withSeverity(PgException.Severity.FATAL);
        }
        return session;
    }

    /** Closes the connector when it holds connections (a {@link PooledConnector}). */
    @Override
    public void close() {
        if (connector instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                throw new PgException(SqlState.INTERNAL_ERROR, "could not close the connections: " + e.getMessage(), e);
            }
        }
    }

    /** A failed login or connection, as FATAL: a connection-class error unless the dialect knows better. */
    private PgException connectFailed(SQLException e) {
        PgException mapped = JdbcErrors.map(e, dialect);
        if (mapped.sqlState().equals(SqlState.INTERNAL_ERROR)) {
            mapped = new PgException(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION,
                    "could not connect to the database: " + mapped.message(), e);
        }
        return mapped.withSeverity(PgException.Severity.FATAL);
    }
}
