package io.buenavista.core.duckdb;

import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.WireClient;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * The same tables twice: in a Buena Vista server with an in-memory DuckDB handler (on a free port), and in a schema of
 * their own on the real PostgreSQL 15 at 127.0.0.1:5432, dropped again afterwards. The catalog tests run the same
 * client queries on both and compare. A JUnit extension: a test class registers one as a static field
 * ({@code @RegisterExtension}), which sets both up before its tests and tears them down after.
 */
final class PostgresTwin implements BeforeAllCallback, AfterAllCallback {
    static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&sslmode=disable";

    private final String pgSchema;
    private final String duckDdl;
    private final String pgDdl;
    private DuckDbHandler handler;
    private BuenaVistaServer server;
    private boolean schemaCreated;
    private WireClient postgres;
    private WireClient duck;

    /** @param duckDdl, pgDdl statements separated by {@code ;}, in each database's spelling of the types */
    PostgresTwin(String pgSchema, String duckDdl, String pgDdl) {
        this.pgSchema = pgSchema;
        this.duckDdl = duckDdl;
        this.pgDdl = pgDdl;
    }

    /** Starts the server and creates the tables on both sides. */
    @Override
    public void beforeAll(ExtensionContext context) throws SQLException {
        handler = new DuckDbHandler(DuckDbConfig.inMemory());
        server = BuenaVistaServer.builder().port(0).discoverProviders(false).handler(handler).build().start();
        try (Connection c = DriverManager.getConnection(duckUrl()); Statement s = c.createStatement()) {
            for (String sql : duckDdl.split(";")) {
                s.execute(sql);
            }
        }
        try (Connection c = DriverManager.getConnection(PG_URL); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + pgSchema);
            schemaCreated = true;
            s.execute("SET search_path = " + pgSchema);
            for (String sql : pgDdl.split(";")) {
                s.execute(sql);
            }
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

    /** The class's shared raw client to PostgreSQL ({@link #postgresWire()}), opened at first use, closed after all. */
    WireClient postgres() {
        if (postgres == null) {
            postgres = postgresWire();
        }
        return postgres;
    }

    /** The class's shared raw client to Buena Vista ({@link #duckWire()}), opened at first use, closed after all. */
    WireClient duck() {
        if (duck == null) {
            duck = duckWire();
        }
        return duck;
    }

    /** A raw wire client logged in to PostgreSQL as user postgres to database test, with the schema as search path. */
    WireClient postgresWire() {
        WireClient c = WireClient.connect("127.0.0.1", 5432);
        c.login(Map.of("user", "postgres", "database", "test", "options", "-c search_path=" + pgSchema), null);
        return c;
    }

    /** A raw wire client logged in to the Buena Vista server as user postgres to database test. */
    WireClient duckWire() {
        WireClient c = WireClient.connect("127.0.0.1", server.port());
        c.login("postgres", "test");
        return c;
    }

    /** The PostgreSQL schema holding the tables, shown as {@code public} on the Buena Vista side. */
    String pgSchema() {
        return pgSchema;
    }

    /** Drops the PostgreSQL schema and stops the server, whatever part of the set-up was done. */
    @Override
    public void afterAll(ExtensionContext context) throws SQLException {
        for (WireClient c : new WireClient[] {postgres, duck}) {
            if (c != null) {
                c.close();
            }
        }
        try {
            if (schemaCreated) {
                try (Connection c = DriverManager.getConnection(PG_URL); Statement s = c.createStatement()) {
                    s.execute("DROP SCHEMA " + pgSchema + " CASCADE");
                }
            }
        } finally {
            if (server != null) {
                server.close();
            }
            if (handler != null) {
                handler.close();
            }
        }
    }
}
