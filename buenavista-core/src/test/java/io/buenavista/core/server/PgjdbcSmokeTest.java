package io.buenavista.core.server;

import io.buenavista.testing.TestHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PgjdbcSmokeTest {
    static BuenaVistaServer server;

    @BeforeAll
    static void start() {
        server = TestServers.start(new TestHandler());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void simpleAndExtendedQueries() throws Exception {
        try (Connection c = DriverManager.getConnection(TestServers.jdbcUrl(server, ""))) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("rows 3")) {
                long expected = 1;
                while (rs.next()) {
                    assertEquals(expected++, rs.getLong(1));
                }
                assertEquals(4, expected);
            }
            try (PreparedStatement ps = c.prepareStatement("echo ?, ?")) {
                ps.setInt(1, 42);
                ps.setString(2, "hé");
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(42, rs.getInt(1));
                    assertEquals("hé", rs.getString(2));
                    assertFalse(rs.next());
                }
            }
        }
    }
}
