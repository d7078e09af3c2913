package io.buenavista.core.clients;

import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.TestHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** pgjdbc's streaming with a fetch size, its errors and transactions, and cancel, against a real server. */
class PgjdbcBehaviourTest {
    static TestHandler testHandler;
    static BuenaVistaServer server;

    @BeforeAll
    static void start() {
        testHandler = new TestHandler();
        server = ClientServers.start(new ClientsHandler(testHandler));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void clearLog() {
        testHandler.clear();
    }

    private static Connection connect(String params) throws SQLException {
        return DriverManager.getConnection(ClientServers.jdbcUrl(server, params));
    }

    /** Reads one {@code rows 1} to show the connection still works. */
    private static void assertUsable(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("rows 1")) {
            assertTrue(rs.next());
            assertEquals(1, rs.getLong(1));
            assertFalse(rs.next());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"binaryTransfer=false", "binaryTransfer=true", "prepareThreshold=-1",
            "preferQueryMode=extendedCacheEverything"})
    void fetchSizeStreamsInChunksThroughPortalSuspended(String params) throws Exception {
        try (Connection c = connect(params)) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("rows 100000")) {
                ps.setFetchSize(100);
                try (ResultSet rs = ps.executeQuery()) {
                    long expected = 1;
                    while (rs.next()) {
                        assertEquals(expected, rs.getLong(1));
                        if (expected == 50_000) {
                            // Half-way the server still holds the handler's cursor open: it sent only what pgjdbc
                            // asked for, and did not drain the cursor into a list.
                            assertEquals(1, testHandler.openCursors());
                        }
                        expected++;
                    }
                    assertEquals(100_001, expected);
                }
            }
            c.commit();
            assertEquals(0, testHandler.openCursors());
            assertUsable(c);
        }
    }

    @Test
    void closingAResultSetEarlyReleasesTheServerCursorAtCommit() throws Exception {
        try (Connection c = connect("")) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setFetchSize(10);
                try (ResultSet rs = s.executeQuery("rows 1000000")) {
                    for (int i = 1; i <= 25; i++) {
                        assertTrue(rs.next());
                        assertEquals(i, rs.getLong(1));
                    }
                    assertEquals(1, testHandler.openCursors());
                }
            }
            c.commit();
            assertEquals(0, testHandler.openCursors());
            assertUsable(c);
        }
    }

    @ParameterizedTest(name = "preferQueryMode={0}")
    @ValueSource(strings = {"simple", "extended"})
    void errorCarriesItsSqlStateAndTheConnectionLivesOn(String mode) throws Exception {
        try (Connection c = connect("preferQueryMode=" + mode)) {
            try (Statement s = c.createStatement()) {
                SQLException e = assertThrows(SQLException.class, () -> s.execute("fail 23505 dup"));
                assertEquals("23505", e.getSQLState());
                assertTrue(e.getMessage().contains("dup"), e.getMessage());
            }
            try (PreparedStatement ps = c.prepareStatement("fail 22012 division by zero")) {
                for (int i = 0; i < 7; i++) { // across pgjdbc's switch to a named statement
                    SQLException e = assertThrows(SQLException.class, ps::execute);
                    assertEquals("22012", e.getSQLState());
                }
            }
            assertUsable(c);
        }
    }

    @ParameterizedTest(name = "preferQueryMode={0}")
    @ValueSource(strings = {"simple", "extended"})
    void errorInATransactionAbortsItUntilRollback(String mode) throws Exception {
        try (Connection c = connect("preferQueryMode=" + mode)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("insert lost");
                SQLException e = assertThrows(SQLException.class, () -> s.execute("fail 23505 dup"));
                assertEquals("23505", e.getSQLState());
                for (int i = 0; i < 2; i++) {
                    SQLException aborted = assertThrows(SQLException.class, () -> s.executeQuery("rows 1"));
                    assertEquals("25P02", aborted.getSQLState());
                }
                c.rollback();
                assertUsable(c);
                s.execute("insert kept");
                c.commit();
            }
        }
        assertEquals(List.of("kept"), testHandler.log());
    }

    @ParameterizedTest(name = "preferQueryMode={0}")
    @ValueSource(strings = {"simple", "extended"})
    void cancelFromAnotherThreadEndsTheStatementOnly(String mode) throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (Connection c = connect("preferQueryMode=" + mode); Statement s = c.createStatement()) {
            Future<SQLException> running = executor.submit(() -> {
                try {
                    s.execute("sleep 60000");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            assertTrue(testHandler.awaitSleeping(Duration.ofSeconds(30)), "sleep did not start");
            s.cancel();
            SQLException e = running.get(30, TimeUnit.SECONDS);
            assertTrue(e != null, "the statement was not cancelled");
            assertEquals("57014", e.getSQLState());
            assertUsable(c);
            try (Statement other = c.createStatement()) {
                other.execute("insert after cancel");
            }
            assertEquals(List.of("after cancel"), testHandler.log());
        } finally {
            executor.shutdownNow();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"binaryTransfer=false", "binaryTransfer=true"})
    void multidimensionalArrayParameterIsRefusedCleanly(String params) throws Exception {
        // The codecs support one-dimensional arrays only: a clean 0A000 at Bind, and the connection lives on.
        try (Connection c = connect(params); PreparedStatement ps = c.prepareStatement("echo ?")) {
            ps.setArray(1, c.createArrayOf("int4", new Integer[][] {{1, 2}, {3, null}}));
            SQLException e = assertThrows(SQLException.class, ps::executeQuery);
            assertEquals("0A000", e.getSQLState());
            assertUsable(c);
        }
    }
}
