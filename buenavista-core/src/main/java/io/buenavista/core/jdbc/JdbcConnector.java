package io.buenavista.core.jdbc;

import io.buenavista.api.SessionContext;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Where a {@link JdbcHandler} gets each session's connection: a fresh one from {@link java.sql.DriverManager}, one
 * from a pool ({@link PooledConnector}), or one that logs in as the connection's principal (with the principal's own
 * token, say). The session gives it back with {@link #release} when it ends.
 */
@FunctionalInterface
public interface JdbcConnector {
    /**
     * A connection for the session of {@code context}.
     *
     * @throws SQLException when the database cannot be reached or refuses the login; the client gets a FATAL error
     *                      with the SQLSTATE the handler's dialect gives it
     */
    Connection connect(SessionContext context) throws SQLException;

    /**
     * Takes back the connection of a session that ended, with its transaction already rolled back. The default
     * closes it; a pool keeps it for the next session.
     *
     * @param reusable false when the session met a connection error: the connection must not be handed out again
     */
    default void release(Connection connection, boolean reusable) throws SQLException {
        connection.close();
    }
}
