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
import java.util.List;
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
        // Eight DuckDB instances at most, whose memory limits together are 80% of what the JVM's heap leaves.
        assertEquals(new CachedbServer.DuckDbLimits(Runtime.getRuntime().availableProcessors(),
                CachedbServer.DuckDbLimits.defaultMemoryLimit(8), Optional.empty(), 8), c.duckdb());
        long total = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getTotalMemorySize();
        long budget = (total - Runtime.getRuntime().maxMemory()) / 10 * 8;
        assertTrue(budget / 8 >= CachedbServer.DuckDbLimits.MIN_MEMORY_LIMIT, "a machine this test expects");
        assertEquals(budget / 8, c.duckdb().memoryLimitBytes());
    }

    @Test
    void theDuckDbMemoryLimitDefaultsToTheBudgetSharedByTheInstances() {
        Map<String, String> env = environment();
        env.put("CACHEDB__DUCKDB_MAX_INSTANCES", "2");
        CachedbServer.DuckDbLimits two = CachedbServer.Config.fromEnvironment(env).duckdb();
        assertEquals(2, two.maxInstances());
        assertEquals(CachedbServer.DuckDbLimits.defaultMemoryLimit(2), two.memoryLimitBytes());
        assertEquals(CachedbServer.DuckDbLimits.defaultMemoryLimit(8) * 4, two.memoryLimitBytes(), 8.0);
    }

    @Test
    void sizesAreReadAsDuckDbWritesThem() {
        assertEquals(1_500_000_000L, CachedbServer.DuckDbLimits.parseSize("1.5GB"));
        assertEquals(512L << 20, CachedbServer.DuckDbLimits.parseSize("512MiB"));
        assertEquals(2L << 30, CachedbServer.DuckDbLimits.parseSize(" 2 gib "));
        assertEquals(10_000L, CachedbServer.DuckDbLimits.parseSize("10kb"));
        assertEquals(100L, CachedbServer.DuckDbLimits.parseSize("100B"));
        assertEquals(1L << 40, CachedbServer.DuckDbLimits.parseSize("1TiB"));
        for (String bad : new String[] {"1024", "GB", "-1GB", "1PB", "1e9B", "80%", "1,5GB", "99999999TiB", ""}) {
            assertThrows(IllegalArgumentException.class, () -> CachedbServer.DuckDbLimits.parseSize(bad), bad);
        }
    }

    @Test
    void everyVariableIsRead(@TempDir Path data, @TempDir Path spill) {
        Map<String, String> env = environment();
        env.put("CACHEDB__PORT", "0");
        env.put("CACHEDB__BIND", "127.0.0.1");
        env.put("CACHEDB__POOL_SIZE", "3");
        env.put("DUCKDB__DATA_FOLDER", data.toString());
        env.put("DUCKDB_EXTENSIONS_FOLDER", data.resolve("extensions").toString());
        env.put("CACHEDB__DUCKDB_THREADS", "3");
        env.put("CACHEDB__DUCKDB_MEMORY_LIMIT", "512MiB");
        env.put("CACHEDB__DUCKDB_TEMP_DIRECTORY", spill.toString());
        env.put("CACHEDB__DUCKDB_MAX_INSTANCES", "4");
        CachedbServer.Config c = CachedbServer.Config.fromEnvironment(env);
        assertEquals(new CachedbServer.DuckDbLimits(3, 512L << 20, Optional.of(spill), 4), c.duckdb());
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

    @Test
    void theDuckDbLimitsAreRefusedWithOneLineNamingTheVariableNeverTheValue(@TempDir Path data, @TempDir Path other)
            throws Exception {
        Path inside = java.nio.file.Files.createDirectory(data.resolve("spill"));
        Path link = java.nio.file.Files.createSymbolicLink(other.resolve("link"), inside);
        for (String[] bad : new String[][] {{"CACHEDB__DUCKDB_THREADS", "0"}, {"CACHEDB__DUCKDB_THREADS", "4097"},
                {"CACHEDB__DUCKDB_THREADS", "many"}, {"CACHEDB__DUCKDB_MEMORY_LIMIT", "1024"},
                {"CACHEDB__DUCKDB_MEMORY_LIMIT", "63MiB"}, {"CACHEDB__DUCKDB_MEMORY_LIMIT", "80%"},
                {"CACHEDB__DUCKDB_MEMORY_LIMIT", "99999999999TiB"}, {"CACHEDB__DUCKDB_MEMORY_LIMIT", "lots"},
                {"CACHEDB__DUCKDB_MAX_INSTANCES", "0"}, {"CACHEDB__DUCKDB_MAX_INSTANCES", "1001"},
                {"CACHEDB__DUCKDB_TEMP_DIRECTORY", other.resolve("missing").toString()},
                {"CACHEDB__DUCKDB_TEMP_DIRECTORY", data.toString()},
                {"CACHEDB__DUCKDB_TEMP_DIRECTORY", inside.toString()},
                {"CACHEDB__DUCKDB_TEMP_DIRECTORY", link.toString()}}) {
            Map<String, String> env = environment();
            env.put("DUCKDB__DATA_FOLDER", data.toString());
            env.put(bad[0], bad[1]);
            String m = failure(env);
            assertTrue(m.startsWith(bad[0] + ": "), bad[0] + "=" + bad[1] + ": " + m);
            assertFalse(m.contains(bad[1]) && bad[1].length() > 1, m);
        }
        // In code: the same rules, named by the record's components.
        assertThrows(CachedbSettings.InvalidSettingException.class,
                () -> new CachedbServer.DuckDbLimits(1, 1 << 20, Optional.empty(), 1));
        CachedbServer.Config c = CachedbServer.Config.fromEnvironment(environment());
        assertThrows(CachedbSettings.InvalidSettingException.class, () -> new CachedbServer.Config(c.settings(),
                c.databases(), c.bind(), 0, Optional.of(data), Optional.empty(), 1, c.duckdb().withTempDirectory(link),
                Optional.empty()));
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

    /**
     * The DuckDB limits of the configuration reach the instance a duckdb route opens: a client reads them with
     * {@code current_setting} but cannot change them, and the instance spills in a folder of its own under the
     * configured temporary directory.
     */
    @Test
    void theDuckDbLimitsReachTheInstanceOfADuckdbRoute(@TempDir Path data, @TempDir Path spill) throws Exception {
        duckDbFile(data.resolve("shared_cdm"), 3);
        duckDbFile(data.resolve("shared_vocab"), 1);
        try (FakeOpenIdIssuer issuer = FakeOpenIdIssuer.start(); FakeUserManagement usermgmt = FakeUserManagement.start();
                FakePortal portal = FakePortal.start()) {
            usermgmt.admin("admin-1");
            CachedbServer.Config config = config(issuer, usermgmt, portal, Optional.of(data))
                    .withDuckDb(new CachedbServer.DuckDbLimits(1, 300L << 20, Optional.of(spill), 3));
            try (BuenaVistaServer server = CachedbServer.builder(config).build().start()) {
                try (Connection c = DriverManager.getConnection(url(server, "B|duckdb|shared|cdm|vocab"),
                        adminLogin(issuer)); Statement s = c.createStatement()) {
                    try (ResultSet rs = s.executeQuery("select current_setting('threads'),"
                            + " current_setting('memory_limit'), count(*) from cdm.person")) {
                        assertTrue(rs.next());
                        assertEquals("1", rs.getString(1));
                        assertEquals("300.0 MiB", rs.getString(2));
                        assertEquals(3, rs.getInt(3));
                    }
                    for (String sql : new String[] {"set threads = 2", "set memory_limit = '20GB'",
                            "set global memory_limit = '20GB'", "reset memory_limit", "set temp_directory = '/tmp'",
                            "select current_setting('temp_directory')"}) {
                        SQLException e = assertThrows(SQLException.class, () -> s.execute(sql), sql);
                        assertEquals("42501", e.getSQLState(), sql + ": " + e.getMessage());
                    }
                    try (java.util.stream.Stream<Path> folders = java.nio.file.Files.list(spill)) {
                        List<Path> own = folders.toList();
                        assertEquals(1, own.size(), own.toString());
                        assertTrue(java.nio.file.Files.isDirectory(own.get(0)), own.toString());
                    }
                }
            }
            try (java.util.stream.Stream<Path> folders = java.nio.file.Files.list(spill)) {
                assertEquals(List.of(), folders.toList(), "removed when the server closed the instance");
            }
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
