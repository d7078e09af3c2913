package io.buenavista.cachedb;

import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.http.FakeOpenIdIssuer;
import io.buenavista.testing.http.FakePortal;
import io.buenavista.testing.http.FakeUserManagement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.util.PSQLException;

import java.net.InetAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cachedb server assembled from its configuration: the environment's variables, and a login through it. */
class CachedbServerTest {
    private static final String SECRET = "s3cr3t-do-not-print";
    private static final String CREDENTIALS = """
            [{"type": "postgresql", "tags": ["analytics"], "values": {"code": "shared", "dialect": "postgresql",
              "host": "127.0.0.1", "port": 5432, "databaseName": "test",
              "credentials": {"user": "postgres", "password": "%s"}}}]
            """.formatted(SECRET);

    private static Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        env.put("SERVICE_ROUTES", "{\"idIssuerUrl\": \"http://127.0.0.1:1\", \"usermgmt\": \"http://127.0.0.1:2\","
                + " \"portalServer\": \"http://127.0.0.1:3\"}");
        env.put("IDP__SCOPE", "scope");
        env.put("DATABASE_CREDENTIALS", CREDENTIALS);
        return env;
    }

    private static String failure(Map<String, String> env) {
        CachedbSettings.InvalidSettingException e = assertThrows(CachedbSettings.InvalidSettingException.class,
                () -> CachedbServer.Config.fromEnvironment(env));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        return e.getMessage();
    }

    @Test
    void theOriginalsDefaultsApplyWhenOnlyTheRequiredVariablesAreSet() throws Exception {
        CachedbServer.Config c = CachedbServer.Config.fromEnvironment(environment());
        assertEquals(41191, c.port());
        assertEquals(InetAddress.getByName("0.0.0.0"), c.bind());
        assertEquals(10, c.poolSize());
        assertEquals(Optional.empty(), c.dataFolder());
        assertEquals(Optional.empty(), c.extensionsFolder());
        assertEquals("postgres", c.databases().lookup(Dialect.POSTGRESQL, "shared").orElseThrow().read()
                .orElseThrow().user());
        assertEquals("scope", c.settings().scope());
    }

    @Test
    void everyVariableIsRead(@TempDir Path data) {
        Map<String, String> env = environment();
        env.put("CACHEDB__PORT", "0");
        env.put("CACHEDB__BIND", "127.0.0.1");
        env.put("CACHEDB__POOL_SIZE", "3");
        env.put("DUCKDB__DATA_FOLDER", data.toString());
        env.put("DUCKDB_EXTENSIONS_FOLDER", data.resolve("extensions").toString());
        CachedbServer.Config c = CachedbServer.Config.fromEnvironment(env);
        assertEquals(0, c.port());
        assertTrue(c.bind().isLoopbackAddress());
        assertEquals(3, c.poolSize());
        assertEquals(Optional.of(data), c.dataFolder());
        assertEquals(Optional.of(data.resolve("extensions")), c.extensionsFolder());
    }

    @Test
    void aMissingOrInvalidVariableFailsWithOneLineNamingIt(@TempDir Path data) {
        Map<String, String> env = environment();
        env.remove("DATABASE_CREDENTIALS");
        assertTrue(failure(env).startsWith("DATABASE_CREDENTIALS: "));
        env = environment();
        env.put("DATABASE_CREDENTIALS", "[{\"tags\": [\"analytics\"], \"values\": {\"code\": \"x\"}} " + SECRET);
        assertTrue(failure(env).startsWith("DATABASE_CREDENTIALS: "));
        env = environment();
        env.put("DATABASE_CREDENTIALS", CREDENTIALS.replace("\"host\": \"127.0.0.1\",", ""));
        String m = failure(env);
        assertTrue(m.startsWith("DATABASE_CREDENTIALS: ") && m.contains("host"), m);
        for (String[] bad : new String[][] {{"CACHEDB__PORT", "65536"}, {"CACHEDB__PORT", "x"},
                {"CACHEDB__POOL_SIZE", "0"}, {"CACHEDB__BIND", "no-such-host.invalid"},
                {"DUCKDB__DATA_FOLDER", data.resolve("missing").toString()}}) {
            env = environment();
            env.put(bad[0], bad[1]);
            assertTrue(failure(env).startsWith(bad[0] + ": "), bad[0] + "=" + bad[1]);
        }
        env = environment();
        env.remove("IDP__SCOPE");
        assertTrue(failure(env).startsWith("IDP__SCOPE: "));
    }

    /** The server's configuration with the fake services, {@link #CREDENTIALS} and a pool of 2. */
    private static CachedbServer.Config config(FakeOpenIdIssuer issuer, FakeUserManagement usermgmt, FakePortal portal,
            Optional<Path> dataFolder) {
        return new CachedbServer.Config(
                CachedbSettings.defaults(new CachedbSettings.ServiceRoutes(issuer.url(), usermgmt.url(),
                        portal.url()), "scope"),
                DatabaseCredentials.parse(CREDENTIALS), InetAddress.getLoopbackAddress(), 0, dataFolder,
                Optional.empty(), 2);
    }

    /** pgjdbc properties of a login with admin-1's token as the password. */
    private static Properties adminLogin(FakeOpenIdIssuer issuer) {
        Properties p = new Properties();
        p.setProperty("user", "me");
        p.setProperty("password", issuer.token("admin-1", "scope").compact());
        return p;
    }

    private static String url(BuenaVistaServer server, String database) {
        return "jdbc:postgresql://127.0.0.1:" + server.port() + "/"
                + URLEncoder.encode(database, StandardCharsets.UTF_8);
    }

    @Test
    void aServerBuiltFromTheConfigurationRelaysAnAdminsTokenLoginToThePostgresqlRoute() throws SQLException {
        try (FakeOpenIdIssuer issuer = FakeOpenIdIssuer.start(); FakeUserManagement usermgmt = FakeUserManagement.start();
                FakePortal portal = FakePortal.start()) {
            usermgmt.admin("admin-1");
            CachedbServer.Config config = config(issuer, usermgmt, portal, Optional.empty());
            try (BuenaVistaServer server = CachedbServer.builder(config).build().start()) {
                Properties p = adminLogin(issuer);
                String postgresql = url(server, "B|postgresql|shared");
                try (Connection c = DriverManager.getConnection(postgresql, p); Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("select current_database(), current_user,"
                                + " current_setting('cachedb.user_id')")) {
                    assertTrue(rs.next());
                    assertEquals("test", rs.getString(1));
                    assertEquals("postgres", rs.getString(2));
                    assertEquals("admin-1", rs.getString(3));
                }
                // No duckdb handler given: the route is refused, not served by another handler.
                String duck = url(server, "B|duckdb|shared|a|b");
                PSQLException e = assertThrows(PSQLException.class, () -> DriverManager.getConnection(duck, p));
                assertTrue(e.getMessage().contains("cachedb-duckdb"), e.getMessage());
            }
        }
    }

    /** A DuckDB file holding {@code main.person} with {@code rows} rows. */
    private static void duckDbFile(Path file, int rows) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement s = c.createStatement()) {
            s.execute("create table person as select i as person_id from range(" + rows + ") r(i)");
        }
    }

    @Test
    void withADataFolderDuckdbRoutesReadTheFilesAndRoutesWithoutFilesFallBackToPostgresql(@TempDir Path data)
            throws SQLException {
        duckDbFile(data.resolve("shared_cdm"), 3);
        duckDbFile(data.resolve("shared_vocab"), 1);
        try (FakeOpenIdIssuer issuer = FakeOpenIdIssuer.start(); FakeUserManagement usermgmt = FakeUserManagement.start();
                FakePortal portal = FakePortal.start()) {
            usermgmt.admin("admin-1");
            CachedbServer.Config config = config(issuer, usermgmt, portal, Optional.of(data));
            try (BuenaVistaServer server = CachedbServer.builder(config).build().start()) {
                Properties p = adminLogin(issuer);
                String duck = url(server, "B|duckdb|shared|cdm|vocab");
                try (Connection c = DriverManager.getConnection(duck, p); Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("select count(*) from cdm.person")) {
                    assertTrue(rs.next());
                    assertEquals(3, rs.getInt(1));
                }
                // No files for these schemas: the postgresql database of the same code serves the session.
                String fallback = url(server, "B|duckdb|shared|nocdm|novocab");
                try (Connection c = DriverManager.getConnection(fallback, p); Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("select current_database(), current_setting('cachedb.user_id'),"
                                + " current_setting('search_path')")) {
                    assertTrue(rs.next());
                    assertEquals("test", rs.getString(1));
                    assertEquals("admin-1", rs.getString(2));
                    assertEquals("nocdm, novocab, public", rs.getString(3));
                }
                // A write route to duckdb is refused even when it could fall back.
                String write = url(server, "B|duckdb|write|shared|nocdm|novocab");
                PSQLException e = assertThrows(PSQLException.class, () -> DriverManager.getConnection(write, p));
                assertEquals("0A000", e.getSQLState());
            }
        }
    }
}
