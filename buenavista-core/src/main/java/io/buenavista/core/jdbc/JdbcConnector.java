package io.buenavista.core.jdbc;

import io.buenavista.api.SessionContext;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Where a {@link JdbcHandler} gets each session's connection: a fresh one from {@link java.sql.DriverManager}, one
 * from a pool, or one that logs in as the connection's principal (with the principal's own token, say). The session
 * closes the connection when it ends, which returns a pooled one to its pool.
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
}
