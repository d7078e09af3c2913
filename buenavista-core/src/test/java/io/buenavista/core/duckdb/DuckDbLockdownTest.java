package io.buenavista.core.duckdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.buenavista.core.server.BuenaVistaServer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.util.PSQLException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A client can change only its own session and learns nothing of the server's files (issue 7, items 9 and 10):
 * pgjdbc against a real server, two sessions where a hole affected the others, DuckDB files hashed before and after
 * for the read-only cases, and real PostgreSQL 15 as the oracle where PostgreSQL has the same statement.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DuckDbLockdownTest {
    private static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&sslmode=disable";
    private static final String[] MODES = {"preferQueryMode=simple", "preferQueryMode=extended"};

    /** Statements that would change the database for every session, each refused with 42501. */
    private static final List<String> GLOBAL = List.of(
            "SET memory_limit = '50GB'", "SET threads = 300", "SET threads TO 300", "SET default_order = 'DESC'",
            "SET fsync_mode = 'NONE'", "SET lock_configuration = true", "SET enable_profiling = 'json'",
            "SET profile_output = '/tmp/bv-profile.json'", "SET max_expression_depth = 100000",
            "SET \"memory_limit\" = '50GB'", "SET SESSION threads = 3", "SET GLOBAL Calendar = 'japanese'",
            "SET GLOBAL TimeZone = 'Asia/Tokyo'", "SET allowed_configs = ['threads']", "SET enable_external_access = true",
            "RESET threads", "RESET memory_limit", "RESET GLOBAL Calendar",
            "PRAGMA threads = 4", "PRAGMA memory_limit = '1GB'", "PRAGMA enable_profiling", "PRAGMA disable_optimizer",
            "PRAGMA enable_checkpoint_on_shutdown", "PRAGMA verify_parallelism",
            "CALL enable_logging()", "CALL truncate_duckdb_logs()", "EXPLAIN ANALYZE SET threads = 3",
            "explain analyze pragma threads = 3", "SELECT * FROM force_checkpoint()", "FORCE CHECKPOINT",
            "CREATE SECRET s1 (TYPE s3, KEY_ID 'a', SECRET 'b')", "CREATE OR REPLACE PERSISTENT SECRET s2 (TYPE s3)",
            "DROP SECRET s1", "INSTALL json", "FORCE INSTALL json", "LOAD json", "UPDATE EXTENSIONS",
            "ATTACH ':memory:' AS scratch", "DETACH other", "DETACH DATABASE other", "USE other", "use other.main");

    /** Ways to see the server's paths, each refused with 42501. */
    private static final List<String> PATHS = List.of("SELECT * FROM duckdb_databases()",
            "SELECT path FROM duckdb_databases", "SELECT * FROM \"DuckDB_Databases\"()", "PRAGMA database_list",
            "SELECT * FROM pragma_database_list", "SELECT * FROM duckdb_settings()",
            "SELECT value FROM system.main.duckdb_settings() WHERE name = 'temp_directory'",
            "SELECT * FROM duckdb_temporary_files()", "SELECT * FROM duckdb_extensions()",
            "SELECT * FROM system.pg_catalog.pg_settings",
            "SELECT 'temp_directory'.current_setting()", "SELECT main.current_setting('temp_directory')",
            "SELECT current_setting('temp_directory')", "SELECT current_setting('secret_directory')",
            "SELECT current_setting('allowed_paths')", "SELECT current_setting('home_directory')",
            "SELECT * FROM show_databases()",
            "SELECT name, value FROM query('SELECT * FROM duckdb_' || 'settings()')",
            "SELECT path FROM query_table('duckdb_' || 'databases')",
            "SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT path FROM duckdb_' || 'databases()'))");

    @Test
    void globalChangesAreRefusedAndTheOtherSessionIsUnaffected(@TempDir Path dir) throws Exception {
        Path other = newDatabase(dir.resolve("other.duckdb"));
        DuckDbConfig config = DuckDbConfig.file(dir.resolve("main.duckdb").toString(), false)
                .withThreads(2).withMemoryLimit("1GB").withAttachment("other", other.toString());
        try (DuckDbHandler handler = new DuckDbHandler(config);
                BuenaVistaServer server = start(handler)) {
            long threadsBefore = osThreads();
            for (String mode : MODES) {
                try (Connection a = connect(server, mode); Connection b = connect(server, mode);
                        Statement sa = a.createStatement(); Statement sb = b.createStatement()) {
                    sb.execute("CREATE TABLE IF NOT EXISTS nums AS SELECT * FROM range(3) r(i)");
                    Map<String, String> before = observe(sb);
                    for (String sql : GLOBAL) {
                        refused(sa, sql);
                        assertEquals(1, intOf(sa, "SELECT 1"), sql); // the session goes on as after any error
                        assertEquals(before, observe(sb), "after " + sql);
                    }
                    // Other sessions' SET TimeZone still applies (it did not once lock_configuration had run).
                    sb.execute("SET TimeZone = 'Asia/Tokyo'");
                    try (Connection pg = DriverManager.getConnection(PG_URL); Statement sp = pg.createStatement()) {
                        sp.execute("SET TimeZone = 'Asia/Tokyo'");
                        String q = "SELECT '2024-01-01 20:00:00+00'::timestamptz::text, "
                                + "date_trunc('day', '2024-01-01 20:00:00+00'::timestamptz)::text";
                        assertEquals(rowOf(sp, q), rowOf(sb, q));
                    }
                    sb.execute("RESET TimeZone");
                }
            }
            long added = osThreads() - threadsBefore;
            assertTrue(added < 100, "SET threads = 300 must not start DuckDB threads: " + added + " more");
        }
    }

    /**
     * DuckDB's JDBC driver runs every statement of a multi-statement text at prepare: a text must reach DuckDB one
     * statement at a time, split where DuckDB's parser would split it (dollar quotes, nested comments, E'' escapes).
     */
    @Test
    void aStatementHiddenInAnotherIsCheckedOnItsOwn() throws Exception {
        try (DuckDbHandler handler = new DuckDbHandler(DuckDbConfig.inMemory().withThreads(2));
                BuenaVistaServer server = start(handler);
                Connection c = connect(server, "preferQueryMode=simple"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE nums AS SELECT * FROM range(3) r(i)");
            Map<String, String> before = observe(s);
            for (String sql : List.of("SELECT $$a$$; SET threads = 6", "SELECT 1; SET threads = 6; SELECT 2",
                    "SELECT $x$ ; $x$; PRAGMA threads = 6")) {
                refused(s, sql);
                assertEquals(before, observe(s), sql);
            }
            // One statement for DuckDB as for the core: they run, and change nothing.
            for (String sql : List.of("SELECT 1 /* /* */ ; SET threads = 7; */", "SELECT E'a\\'; SET threads = 5; --'",
                    "SELECT '; SET threads = 5'", "SELECT \"; SET threads = 5\" FROM (SELECT 1 AS \"; SET threads = 5\")")) {
                s.execute(sql);
                assertEquals(before, observe(s), sql);
            }
            try (Connection e = connect(server, "preferQueryMode=extended");
                    java.sql.PreparedStatement ps = e.prepareStatement("SELECT 1; SET threads = 6")) {
                // pgjdbc sends each statement in a Parse of its own (one Parse with two is 42601 in the core).
                assertEquals("42501", assertThrows(SQLException.class, ps::execute).getSQLState());
            }
            assertEquals(before, observe(s));
        }
    }

    @Test
    void aRefusalInATransactionBlockFailsTheBlockAsAnyErrorDoes(@TempDir Path dir) throws Exception {
        try (DuckDbHandler handler = new DuckDbHandler(DuckDbConfig.inMemory());
                BuenaVistaServer server = start(handler);
                Connection c = connect(server, "preferQueryMode=extended"); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("CREATE TABLE t(i INTEGER)");
            refused(s, "SET threads = 300");
            SQLException next = assertThrows(SQLException.class, () -> s.execute("SELECT 1"));
            assertEquals("25P02", next.getSQLState());
            c.rollback();
            c.setAutoCommit(true);
            assertEquals(1, intOf(s, "SELECT 1"));
            // The block rolled back: t was never created.
            assertEquals("42P01", assertThrows(SQLException.class, () -> s.execute("SELECT * FROM t")).getSQLState());
        }
    }

    @Test
    void perSessionSettingsStayWithTheirSession() throws Exception {
        try (DuckDbHandler handler = new DuckDbHandler(DuckDbConfig.inMemory());
                BuenaVistaServer server = start(handler);
                Connection a = connect(server, "preferQueryMode=simple"); Statement sa = a.createStatement();
                Connection b = connect(server, "preferQueryMode=simple"); Statement sb = b.createStatement()) {
            sa.execute("SET integer_division = true");
            sa.execute("SET Calendar = 'japanese'");
            assertEquals("3", rowOf(sa, "SELECT (7 / 2)::text").get(0));
            assertEquals("3.5", rowOf(sb, "SELECT (7 / 2)::text").get(0));
            assertEquals("gregorian", rowOf(sb, "SELECT current_setting('Calendar')").get(0));
            sa.execute("RESET integer_division");
            assertEquals("3.5", rowOf(sa, "SELECT (7 / 2)::text").get(0));
            sa.execute("SET VARIABLE mine = 42"); // DuckDB's variables belong to the connection
            assertEquals(42, intOf(sa, "SELECT getvariable('mine')"));
        }
    }

    @Test
    void anUnknownSettingIsPostgresUndefinedObjectNotAPermissionError() throws Exception {
        try (DuckDbHandler handler = new DuckDbHandler(DuckDbConfig.inMemory());
                BuenaVistaServer server = start(handler);
                Connection c = connect(server, "preferQueryMode=extended"); Statement s = c.createStatement();
                Connection pg = DriverManager.getConnection(PG_URL); Statement sp = pg.createStatement()) {
            for (String sql : List.of("SET no_such_setting = 1", "RESET no_such_setting")) {
                PSQLException ours = assertThrows(PSQLException.class, () -> s.execute(sql));
                PSQLException theirs = assertThrows(PSQLException.class, () -> sp.execute(sql));
                assertEquals(theirs.getSQLState(), ours.getSQLState(), sql);
                assertEquals(theirs.getServerErrorMessage().getMessage(), ours.getServerErrorMessage().getMessage());
            }
        }
    }

    @Test
    void theServersPathsStayHidden(@TempDir Path dir) throws Exception {
        Path other = newDatabase(dir.resolve("other.duckdb"));
        Path main = dir.resolve("main.duckdb");
        DuckDbConfig config = DuckDbConfig.file(main.toString(), false)
                .withTempDirectory(dir.resolve("spill").toString()).withAttachment("other", other.toString());
        String secretPath = dir.toString();
        try (DuckDbHandler handler = new DuckDbHandler(config);
                BuenaVistaServer server = start(handler)) {
            for (String mode : MODES) {
                try (Connection c = connect(server, mode); Statement s = c.createStatement()) {
                    for (String sql : PATHS) {
                        SQLException e = refused(s, sql);
                        assertFalse(e.getMessage().contains(secretPath), e.getMessage());
                    }
                    for (String sql : List.of("LOAD nosuchextension", "INSTALL nosuchextension",
                            "SELECT * FROM read_csv('/nonexistent/x.csv')", "ATTACH 'x.duckdb' AS x")) {
                        SQLException e = assertThrows(SQLException.class, () -> s.execute(sql), sql);
                        assertFalse(e.getMessage().contains(secretPath), e.getMessage());
                        assertFalse(e.getMessage().contains(System.getProperty("user.home") + "/"), e.getMessage());
                    }
                    // The session's pg_settings and current_setting leave the path-valued settings out.
                    for (String table : List.of("pg_settings", "pg_catalog.pg_settings",
                            "\"pg_catalog\".\"pg_settings\"")) {
                        List<String> rows = column(s, "SELECT name || ' = ' || coalesce(setting, '') FROM " + table);
                        assertTrue(rows.size() > 50, table + " still lists the settings: " + rows.size());
                        for (String row : rows) {
                            assertFalse(row.contains(secretPath), row);
                            assertFalse(row.contains(System.getProperty("user.home") + "/"), row);
                        }
                    }
                    assertEquals("false", rowOf(s, "SELECT current_setting('enable_external_access')").get(0));
                    assertEquals(rowOf(s, "SHOW TimeZone"), rowOf(s, "SELECT current_setting('TimeZone')"));
                    // DuckDB's other settings still answer.
                    assertTrue(rowOf(s, "SELECT current_setting('threads')").get(0).matches("\\d+"));
                }
            }
        }
    }

    /** Without file access DuckDB still allows its own files (database, WAL, spill directory): not to clients. */
    @Test
    void theServersFilesCannotBeReadOrWrittenWithoutFileAccess(@TempDir Path dir) throws Exception {
        Path main = dir.resolve("main.duckdb");
        Path spill = dir.resolve("spill");
        Path csv = Files.writeString(dir.resolve("x.csv"), "a\n1\n");
        DuckDbConfig config = DuckDbConfig.file(main.toString(), false).withTempDirectory(spill.toString());
        try (DuckDbHandler handler = new DuckDbHandler(config);
                BuenaVistaServer server = start(handler);
                Connection c = connect(server, "preferQueryMode=extended"); Statement s = c.createStatement()) {
            Files.createDirectories(spill);
            s.execute("CREATE TABLE t AS SELECT 1 AS i");
            for (String sql : List.of("SELECT size FROM read_blob('" + main + "')",
                    "SELECT content FROM read_text('" + main + ".wal')", "SELECT * FROM glob('" + spill + "/*')",
                    "SELECT * FROM READ_BLOB('" + main + "')", "SELECT * FROM read_csv('" + csv + "')",
                    "EXPORT DATABASE '" + spill + "/export'", "IMPORT DATABASE '" + spill + "/export'")) {
                refused(s, sql);
            }
            try (Stream<Path> files = Files.list(spill)) {
                assertEquals(List.of(), files.toList());
            }
        }
        try (DuckDbHandler handler = new DuckDbHandler(DuckDbConfig.inMemory().withAllowFileAccess(true));
                BuenaVistaServer server = start(handler);
                Connection c = connect(server, "preferQueryMode=extended"); Statement s = c.createStatement()) {
            assertEquals(1, intOf(s, "SELECT a FROM read_csv('" + csv + "')"));
        }
    }

    @Test
    void aReadOnlyAttachmentCannotBeReattachedReadWrite(@TempDir Path dir) throws Exception {
        Path other = newDatabase(dir.resolve("other.duckdb"));
        Map<Path, String> hashes = hashes(other);
        DuckDbConfig config = DuckDbConfig.file(dir.resolve("main.duckdb").toString(), false)
                .withAttachment("other", other.toString());
        try (DuckDbHandler handler = new DuckDbHandler(config);
                BuenaVistaServer server = start(handler);
                Connection a = connect(server, "preferQueryMode=extended"); Statement sa = a.createStatement();
                Connection b = connect(server, "preferQueryMode=extended"); Statement sb = b.createStatement()) {
            refused(sa, "DETACH other");
            refused(sa, "ATTACH '" + other + "' AS other2");
            refused(sa, "ATTACH '" + other + "' AS other2 (READ_WRITE)");
            refused(sa, "ATTACH OR REPLACE '" + other + "' AS other (READ_WRITE)");
            assertEquals("25006", assertThrows(SQLException.class,
                    () -> sa.execute("INSERT INTO other.person VALUES (9, 'x')")).getSQLState());
            // The other session still sees the attachment as it was.
            assertEquals(2, intOf(sb, "SELECT count(*) FROM other.person"));
        }
        assertEquals(hashes, hashes(other));
    }

    @Test
    void aReadOnlyServerStaysReadOnly(@TempDir Path dir) throws Exception {
        Path main = newDatabase(dir.resolve("main.duckdb"));
        Map<Path, String> hashes = hashes(main);
        try (DuckDbHandler handler = new DuckDbHandler(DuckDbConfig.file(main.toString(), true));
                BuenaVistaServer server = start(handler);
                Connection c = connect(server, "preferQueryMode=simple"); Statement s = c.createStatement()) {
            refused(s, "ATTACH '" + main + "' AS rw (READ_WRITE)");
            refused(s, "ATTACH '" + main + "' AS rw");
            refused(s, "DETACH main");
            assertEquals("25006", assertThrows(SQLException.class,
                    () -> s.execute("INSERT INTO person VALUES (9, 'x')")).getSQLState());
            assertEquals(2, intOf(s, "SELECT count(*) FROM person"));
        }
        assertEquals(hashes, hashes(main));
    }

    @Test
    void aServerThatAllowsGlobalChangesLetsClientsMakeThem(@TempDir Path dir) throws Exception {
        Path other = newDatabase(dir.resolve("other.duckdb"));
        DuckDbConfig config = DuckDbConfig.inMemory().withThreads(2).withAttachment("other", other.toString())
                .withAllowGlobalChanges(true);
        try (DuckDbHandler handler = new DuckDbHandler(config);
                BuenaVistaServer server = start(handler);
                Connection a = connect(server, "preferQueryMode=simple"); Statement sa = a.createStatement();
                Connection b = connect(server, "preferQueryMode=simple"); Statement sb = b.createStatement()) {
            sa.execute("SET threads = 3");
            assertEquals("3", rowOf(sb, "SELECT current_setting('threads')").get(0));
            sa.execute("DETACH other");
            assertEquals("42P01", assertThrows(SQLException.class,
                    () -> sb.execute("SELECT * FROM other.person")).getSQLState());
            // Paths stay hidden whatever the flags.
            refused(sa, "SELECT * FROM duckdb_databases()");
        }
    }

    @Test
    void aTimeZoneDuckDbCannotApplyFailsTheSetAndKeepsTheOldOne() throws Exception {
        try (DuckDbHandler handler = new DuckDbHandler(DuckDbConfig.inMemory());
                BuenaVistaServer server = start(handler);
                Connection c = connect(server, "preferQueryMode=simple"); Statement s = c.createStatement()) {
            s.execute("SET TimeZone = 'Asia/Tokyo'");
            // Java reads '+05:00' as a zone, DuckDB (ICU) does not: once it was shown but not applied.
            SQLException e = assertThrows(SQLException.class, () -> s.execute("SET TimeZone = '+05:00'"));
            assertEquals("22023", e.getSQLState());
            assertEquals("Asia/Tokyo", rowOf(s, "SHOW TimeZone").get(0));
            assertEquals("2024-01-02 05:00:00+09", rowOf(s, "SELECT '2024-01-01 20:00:00+00'::timestamptz::text")
                    .get(0));
        }
    }

    // ---- helpers ----

    private static BuenaVistaServer start(DuckDbHandler handler) {
        return BuenaVistaServer.builder().port(0).discoverProviders(false).handler(handler).build().start();
    }

    private static Connection connect(BuenaVistaServer server, String params) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port()
                + "/test?user=tester&sslmode=disable&" + params);
    }

    /** A DuckDB file with a table {@code person} of two rows, closed again. */
    private static Path newDatabase(Path file) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE person(person_id INTEGER, name VARCHAR)");
            s.execute("INSERT INTO person VALUES (1, 'a'), (2, 'b')");
        }
        return file;
    }

    /** SHA-256 of the file and of every file next to it that shares its name (WAL, temp). */
    private static Map<Path, String> hashes(Path file) throws Exception {
        Map<Path, String> hashes = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(file.getParent())) {
            for (Path p : files.filter(p -> p.getFileName().toString().startsWith(file.getFileName().toString()))
                    .sorted().toList()) {
                if (Files.isRegularFile(p)) {
                    hashes.put(p, HexFormat.of().formatHex(
                            MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
                }
            }
        }
        return hashes;
    }

    private static SQLException refused(Statement s, String sql) {
        SQLException e = assertThrows(SQLException.class, () -> s.execute(sql), sql);
        assertEquals("42501", e.getSQLState(), sql + ": " + e.getMessage());
        return e;
    }

    /** What another session's statements depend on: the settings these holes changed, and an ORDER BY. */
    private static Map<String, String> observe(Statement s) throws SQLException {
        Map<String, String> seen = new LinkedHashMap<>();
        for (String name : List.of("threads", "memory_limit", "default_order", "lock_configuration",
                "max_expression_depth", "enable_profiling", "Calendar", "enable_external_access",
                "allowed_configs", "checkpoint_on_shutdown", "enable_optimizer")) {
            seen.put(name, rowOf(s, "SELECT current_setting('" + name + "')::VARCHAR").get(0));
        }
        seen.put("order", String.join(",", column(s, "SELECT i::text FROM nums ORDER BY i")));
        seen.put("databases", String.join(",", column(s,
                "SELECT datname FROM pg_database UNION ALL SELECT nspname FROM pg_namespace ORDER BY 1")));
        return seen;
    }

    /** The threads of this process as the OS counts them: DuckDB's workers are native threads. */
    private static long osThreads() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Threads:"))
                .mapToLong(l -> Long.parseLong(l.substring(8).strip())).findFirst().orElseThrow();
    }

    private static int intOf(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static List<String> rowOf(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            List<String> row = new ArrayList<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                row.add(rs.getString(i));
            }
            return row;
        }
    }

    private static List<String> column(Statement s, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
