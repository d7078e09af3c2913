package io.buenavista.core.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.buenavista.core.server.BuenaVistaServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

/**
 * Sessions of the JDBC handler sharing backend connections through a {@link PooledConnector}, with the shared
 * PostgreSQL behind it: a connection serves the next session as the first one got it, and a dead one is not
 * handed out again.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a guard against a hang, not a measurement
class PooledConnectorPostgresTest {
    private static final String SCHEMA = "jdbc_pool_" + Long.toHexString(System.nanoTime());
    private static final String BACKEND = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&sslmode=disable";

    /** A pool of at most two idle connections, new for each test. */
    private PooledConnector pool;
    private BuenaVistaServer server;

    @BeforeAll
    static void createSchema() throws SQLException {
        try (Connection c = DriverManager.getConnection(BACKEND); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + SCHEMA);
            s.execute("CREATE TABLE " + SCHEMA + ".person (person_id int PRIMARY KEY)");
            s.execute("INSERT INTO " + SCHEMA + ".person VALUES (1), (2)");
        }
    }

    @BeforeEach
    void start() {
        pool = new PooledConnector(context -> DriverManager.getConnection(BACKEND + "&currentSchema=" + SCHEMA
                + "&ApplicationName=bv-jdbc-pool-test"), 2);
        server = BuenaVistaServer.builder().port(0).discoverProviders(false)
                .handler(new JdbcHandler("jdbc", pool, JdbcDialect.POSTGRESQL, 100)).build().start();
    }

    @AfterEach
    void stop() {
        server.close(); // closes the handler, and with it the pool
        assertEquals(0, pool.idleCount());
    }

    @AfterAll
    static void dropSchema() throws SQLException {
        try (Connection c = DriverManager.getConnection(BACKEND); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
    }

    private Connection client() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port()
                + "/test?user=tester&sslmode=disable");
    }

    private static int backendPid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static int persons(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM person")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void theNextSessionGetsTheConnectionBackAsTheFirstOneGotIt() throws SQLException {
        int pid;
        try (Connection first = client(); Statement s = first.createStatement()) {
            pid = backendPid(first);
            s.execute("SET search_path TO pg_catalog");
            first.setAutoCommit(false);
            s.execute("INSERT INTO " + SCHEMA + ".person VALUES (3)");
            // the client leaves in the middle of its transaction
        }
        awaitIdle(1);
        try (Connection next = client()) {
            assertEquals(pid, backendPid(next), "the same backend connection");
            assertEquals(2, persons(next), "its schema is back, and the transaction was rolled back");
        }
    }

    @Test
    void concurrentSessionsHaveTheirOwnConnections() throws SQLException {
        try (Connection a = client(); Connection b = client(); Connection c = client()) {
            assertNotEquals(backendPid(a), backendPid(b));
            assertNotEquals(backendPid(b), backendPid(c));
            assertNotEquals(backendPid(a), backendPid(c));
        }
        awaitIdle(2); // at most two are kept
    }

    @Test
    void aConnectionThatDiedIdleIsNotHandedOut() throws SQLException {
        int pid;
        try (Connection first = client()) {
            pid = backendPid(first);
        }
        awaitIdle(1);
        terminate(pid);
        try (Connection next = client()) {
            assertNotEquals(pid, backendPid(next));
            assertEquals(2, persons(next));
        }
    }

    @Test
    void aConnectionThatBrokeInASessionIsNotKept() throws SQLException {
        int pid;
        try (Connection first = client()) {
            pid = backendPid(first);
            terminate(pid);
            SQLException e = assertThrows(SQLException.class, () -> persons(first));
            assertTrue(e.getSQLState().startsWith("57P") || e.getSQLState().startsWith("08"), e.getSQLState());
        }
        awaitIdle(0); // the broken one was not kept
        try (Connection next = client()) {
            assertNotEquals(pid, backendPid(next));
        }
    }

    private static void terminate(int pid) throws SQLException {
        try (Connection c = DriverManager.getConnection(BACKEND); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_terminate_backend(" + pid + ")")) {
            assertTrue(rs.next() && rs.getBoolean(1));
        }
    }

    /** Sessions end on the server's thread after the client closes: wait until the pool has its connections. */
    private void awaitIdle(int expected) {
        for (int i = 0; i < 200; i++) {
            if (pool.idleCount() == expected && server.connectionCount() == 0) {
                return;
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        assertFalse(true, "idle connections: " + pool.idleCount() + ", open sessions: " + server.connectionCount());
    }
}
