package io.buenavista.core.duckdb;

import io.buenavista.core.server.BuenaVistaServer;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The same tables twice: in a Buena Vista server with an in-memory DuckDB handler (on a free port), and in a schema of
 * their own on the real PostgreSQL 15 at 127.0.0.1:5432, which {@link #close()} drops again. The catalog tests run
 * the same client queries on both and compare.
 */
final class PostgresTwin implements AutoCloseable {
    static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&sslmode=disable";

    private final String pgSchema;
    private final DuckDbHandler handler;
    private final BuenaVistaServer server;
    private boolean schemaCreated;

    private PostgresTwin(String pgSchema) {
        this.pgSchema = pgSchema;
        this.handler = new DuckDbHandler(DuckDbConfig.inMemory());
        this.server = BuenaVistaServer.builder().port(0).discoverProviders(false).handler(handler).build().start();
    }

    /**
     * Starts the server and creates the tables on both sides.
     *
     * @param duckDdl, pgDdl statements separated by {@code ;}, in each database's spelling of the types
     */
    static PostgresTwin start(String pgSchema, String duckDdl, String pgDdl) throws SQLException {
        PostgresTwin twin = new PostgresTwin(pgSchema);
        try {
            try (Connection c = DriverManager.getConnection(twin.duckUrl()); Statement s = c.createStatement()) {
                for (String sql : duckDdl.split(";")) {
                    s.execute(sql);
                }
            }
            try (Connection c = DriverManager.getConnection(PG_URL); Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA " + pgSchema);
                twin.schemaCreated = true;
                s.execute("SET search_path = " + pgSchema);
                for (String sql : pgDdl.split(";")) {
                    s.execute(sql);
                }
            }
            return twin;
        } catch (SQLException | RuntimeException e) {
            twin.close();
            throw e;
        }
    }

    /** The Buena Vista server's port. */
    int port() {
        return server.port();
    }

    /** pgjdbc's URL of the Buena Vista server, as user postgres to database test. */
    String duckUrl() {
        return "jdbc:postgresql://127.0.0.1:" + server.port() + "/test?user=postgres&sslmode=disable";
    }

    /** The PostgreSQL schema holding the tables, shown as {@code public} on the Buena Vista side. */
    String pgSchema() {
        return pgSchema;
    }

    @Override
    public void close() throws SQLException {
        try {
            if (schemaCreated) {
                try (Connection c = DriverManager.getConnection(PG_URL); Statement s = c.createStatement()) {
                    s.execute("DROP SCHEMA " + pgSchema + " CASCADE");
                }
            }
        } finally {
            server.close();
            handler.close();
        }
    }
}
