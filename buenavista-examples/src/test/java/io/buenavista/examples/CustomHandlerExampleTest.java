package io.buenavista.examples;

import io.buenavista.core.server.BuenaVistaServer;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The example handler, found through ServiceLoader by name, serves pgjdbc. */
class CustomHandlerExampleTest {

    @Test
    void discoveredByNameAndStreamsToPgjdbc() throws Exception {
        try (BuenaVistaServer server = BuenaVistaServer.builder()
                .port(0)
                .parser(io.buenavista.api.ConnectionParamParser.fixed("countdown"))
                .build()
                .start();
             Connection c = DriverManager.getConnection(
                     "jdbc:postgresql://127.0.0.1:" + server.port() + "/any?user=me&sslmode=disable")) {
            try (PreparedStatement ps = c.prepareStatement("countdown ?")) {
                ps.setLong(1, 3);
                try (ResultSet rs = ps.executeQuery()) {
                    long expected = 3;
                    while (rs.next()) {
                        assertEquals(expected--, rs.getLong("n"));
                    }
                    assertEquals(0, expected);
                }
            }
            SQLException e = assertThrows(SQLException.class, () -> c.createStatement().execute("select 1"));
            assertEquals("42601", e.getSQLState());
        }
    }
}
