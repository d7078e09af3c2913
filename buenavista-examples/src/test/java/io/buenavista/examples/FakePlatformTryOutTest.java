package io.buenavista.examples;

import io.buenavista.cachedb.CachedbServer;
import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.http.FakePlatform;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's try-out of {@code cachedb}: the environment and tokens {@link FakePlatform} prints serve a cachedb
 * server over the shared PostgreSQL, the administrator on protocol B and the researcher on their dataset only.
 */
class FakePlatformTryOutTest {

    @Test
    void theFakePlatformsEnvironmentAndTokensLogIn() throws Exception {
        try (FakePlatform platform = new FakePlatform("127.0.0.1", 5432, "test", "postgres")) {
            Map<String, String> env = new HashMap<>(platform.environment());
            env.put("CACHEDB__PORT", "0");
            env.put("CACHEDB__BIND", "127.0.0.1");
            try (BuenaVistaServer server = CachedbServer.builder(CachedbServer.Config.fromEnvironment(env)).build()
                    .start()) {
                String admin = platform.token(FakePlatform.ADMIN, Duration.ofMinutes(5));
                String researcher = platform.token(FakePlatform.RESEARCHER, Duration.ofMinutes(5));
                assertEquals(FakePlatform.ADMIN, userId(server, admin, "B|postgresql|" + FakePlatform.CODE + "|public"));
                assertEquals(FakePlatform.RESEARCHER,
                        userId(server, researcher, "A|postgresql|" + FakePlatform.DATASET));
                SQLException refused = assertThrows(SQLException.class,
                        () -> userId(server, researcher, "B|postgresql|" + FakePlatform.CODE + "|public"));
                assertEquals("28000", refused.getSQLState());
                assertTrue(refused.getMessage().contains("only for system administrators"), refused.getMessage());
            }
        }
    }

    private static String userId(BuenaVistaServer server, String token, String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "try-out");
        p.setProperty("password", token);
        p.setProperty("sslmode", "disable");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port() + "/"
                + java.net.URLEncoder.encode(database, java.nio.charset.StandardCharsets.UTF_8), p);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select current_setting('cachedb.user_id')")) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }
}
