package io.buenavista.cachedb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.buenavista.api.ConnectionParamParser;
import io.buenavista.api.PgException;
import io.buenavista.api.Route;
import io.buenavista.api.SqlState;
import io.buenavista.api.StartupRequest;
import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.ClientPrograms;
import io.buenavista.testing.ObservedHandler;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.util.PSQLException;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * cachedb's duckdb route through a real server with pgjdbc and psql: the route's two files, written by the test
 * with DuckDB, are attached read-only under their schema names with the vocabulary schema as the session's default;
 * one DuckDB database per file set; a replaced file reaches new sessions while running ones finish on the old;
 * and the tenant lock-down, hole by hole, with the files hashed before and after. The route comes from a test
 * parser (the database name picks one of a few fixed routes); authorization is another part's.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CachedbDuckDbHandlerTest {
    private static final String CODE = "testdbcode";
    private static final String[] MODES = {"preferQueryMode=simple", "preferQueryMode=extended",
            "preferQueryMode=extended&prepareThreshold=-1"};

    @TempDir
    Path data;
    @TempDir
    Path elsewhere;

    private CachedbDuckDbHandler handler;
    private ObservedHandler observed;
    private BuenaVistaServer server;

    /** The routes of the test parser, by the client's database name. */
    private static Route route(String database) {
        return switch (database) {
            case "cdm" -> read("cdm", "vocab");
            case "write" -> new DatabaseRoute(Dialect.DUCKDB, ConnectionType.WRITE, CODE, Optional.of("cdm"),
                    Optional.of("vocab"), Optional.empty());
            case "nofile" -> read("cdm", "absent");
            case "escape" -> read("cdm", "link");
            case "samefile" -> read("vocab", "vocab");
            case "upper" -> read("cdm", "CDMVOCAB");
            case "fixture" -> read("testschema", "cdmvocab");
            default -> throw PgException.fatal(SqlState.INVALID_CATALOG_NAME, "no test route " + database);
        };
    }

    private static DatabaseRoute read(String schema, String vocab) {
        return new DatabaseRoute(Dialect.DUCKDB, ConnectionType.READ, CODE, Optional.of(schema), Optional.of(vocab),
                Optional.empty());
    }

    private static final ConnectionParamParser ROUTES = new ConnectionParamParser() {
        @Override
        public String name() {
            return "test-cachedb-routes";
        }

        @Override
        public Route parse(StartupRequest request) {
            return route(request.database());
        }
    };

    @BeforeEach
    void start() throws Exception {
        writePersons(data.resolve(CODE + "_cdm"), 5);
        writeConcepts(data.resolve(CODE + "_vocab"));
        startServer(CachedbDuckDbConfig.of(data).withIdleClose(Duration.ZERO).withThreads(2));
    }

    private void startServer(CachedbDuckDbConfig config) {
        handler = new CachedbDuckDbHandler(config);
        observed = new ObservedHandler(handler);
        server = BuenaVistaServer.builder().port(0).discoverProviders(false).handler(observed).parser(ROUTES).build()
                .start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (handler != null) {
            handler.close();
        }
    }

    @Test
    void thePrincipalsUserIdIsTheCustomSettingCachedbUserIdAsOnThePostgresqlRoute() throws Exception {
        // Found by the platform's clients through the jar: the setting was there on the postgresql route only, and
        // then SHOW did not know it.
        for (String mode : MODES) {
            try (Connection c = connect("cdm", mode); Statement s = c.createStatement()) {
                assertEquals("tester", single(s, "SHOW cachedb.user_id"), mode);
                assertEquals("tester", single(s, "SELECT current_setting('cachedb.user_id')"), mode);
                // A session setting, not a privilege (as on the postgresql route): SET and set_config change it,
                // and SHOW and current_setting agree.
                s.execute("SET cachedb.user_id = 'someone-else'");
                assertEquals("someone-else", single(s, "SELECT current_setting('cachedb.user_id')"), mode);
                assertEquals("other", single(s, "SELECT set_config('cachedb.user_id', 'other', false)"), mode);
                assertEquals("other", single(s, "SHOW cachedb.user_id"), mode);
                // RESET returns to the principal's, the value the session started with.
                s.execute("RESET cachedb.user_id");
                assertEquals("tester", single(s, "SHOW cachedb.user_id"), mode);
                assertEquals("tester", single(s, "SELECT current_setting('cachedb.user_id')"), mode);
            }
        }
        // A startup option cannot replace it: the handler's value comes after the client's.
        try (Connection c = connect("cdm", "options=-c%20cachedb.user_id%3Dsomeone-else");
                Statement s = c.createStatement()) {
            assertEquals("tester", single(s, "SELECT current_setting('cachedb.user_id')"));
            assertEquals("tester", single(s, "SHOW cachedb.user_id"));
            s.execute("RESET ALL");
            assertEquals("tester", single(s, "SHOW cachedb.user_id"));
        }
    }

    @Test
    void aPersonByIdInEveryQueryModeWithTheVocabularySchemaAsDefault() throws Exception {
        for (String mode : MODES) {
            try (Connection c = connect("cdm", mode);
                    PreparedStatement ps = c.prepareStatement("select * from cdm.person where person_id = ?")) {
                for (int id = 1; id <= 6; id++) { // more than pgjdbc's prepareThreshold: binary results too
                    ps.setLong(1, 3);
                    try (ResultSet rs = ps.executeQuery()) {
                        assertTrue(rs.next(), mode);
                        assertEquals("PERSON_ID", rs.getMetaData().getColumnLabel(1));
                        assertEquals(3, rs.getLong("PERSON_ID"));
                        assertEquals(1983, rs.getLong("YEAR_OF_BIRTH"));
                        assertFalse(rs.next());
                    }
                }
                try (Statement s = c.createStatement()) {
                    assertEquals("vocab", single(s, "SHOW search_path"));
                    // Unqualified names are the vocabulary schema's, as after the original's USE vocab.
                    assertEquals("3", single(s, "SELECT count(*) FROM concept"));
                    assertEquals("5", single(s, "SELECT count(*) FROM cdm.person"));
                    PSQLException e = assertThrows(PSQLException.class, () -> s.executeQuery("SELECT * FROM person"));
                    assertEquals("42P01", e.getSQLState());
                }
            }
        }
    }

    /** The platform's node-postgres clients send SET search_path on connect, then use unqualified names. */
    @Test
    void setSearchPathThenUnqualifiedTables() throws Exception {
        for (String mode : MODES) {
            try (Connection c = connect("cdm", mode); Statement s = c.createStatement()) {
                s.execute("SET search_path TO cdm");
                assertEquals("5", single(s, "SELECT count(*) FROM person"));
                try (PreparedStatement ps = c.prepareStatement("SELECT \"YEAR_OF_BIRTH\" FROM person "
                        + "WHERE \"PERSON_ID\" = ?")) {
                    ps.setLong(1, 5);
                    try (ResultSet rs = ps.executeQuery()) {
                        assertTrue(rs.next());
                        assertEquals(1985, rs.getLong(1));
                    }
                }
                s.execute("SET search_path TO cdm, vocab");
                assertEquals("15", single(s, "SELECT count(*) FROM person, concept"));
                s.execute("RESET search_path");
                assertEquals("vocab", single(s, "SHOW search_path"));
                assertEquals("3", single(s, "SELECT count(*) FROM concept"));
            }
        }
    }

    /** A search_path the client sends at startup (pgjdbc's currentSchema) wins over the vocabulary schema. */
    @Test
    void aStartupSearchPathIsTheClients() throws Exception {
        try (Connection c = connect("cdm", "preferQueryMode=extended&currentSchema=cdm");
                Statement s = c.createStatement()) {
            assertEquals("cdm", single(s, "SHOW search_path"));
            assertEquals("5", single(s, "SELECT count(*) FROM person"));
            s.execute("RESET search_path");
            assertEquals("cdm", single(s, "SHOW search_path"));
        }
    }

    @Test
    void psqlReadsTheRoute() throws Exception {
        List<String> out = psql("cdm", "select \"PERSON_ID\", \"YEAR_OF_BIRTH\" from cdm.person where person_id = 2",
                "SET search_path TO cdm", "select count(*) from person");
        assertEquals(List.of("2|1982", "5"), out);
        // psql's catalog queries: the two schemas, their tables, the vocabulary schema as the current one.
        assertEquals(List.of("cdm|tester", "vocab|tester", "cdm|person|table|tester", "vocab|concept|table|tester",
                "PERSON_ID|bigint|||", "YEAR_OF_BIRTH|bigint|||", "GENDER_CONCEPT_ID|bigint|||", "vocab|cdm"),
                psql("cdm", "\\dn", "\\dt cdm.*", "\\dt", "\\d cdm.person",
                        "select current_schema(), current_database()"));
    }

    @Test
    void cursorsStreamStatementTimeoutCancelsAndCopyToStdoutWorks() throws Exception {
        try (Connection c = connect("cdm", "preferQueryMode=extended")) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setFetchSize(500);
                long rows = 0;
                long sum = 0;
                try (ResultSet rs = s.executeQuery("SELECT p.\"PERSON_ID\" FROM cdm.person p, range(100000)")) {
                    while (rs.next()) {
                        rows++;
                        sum += rs.getLong(1);
                    }
                }
                assertEquals(500_000, rows);
                assertEquals(15L * 100_000, sum);
                s.execute("DECLARE cur CURSOR FOR SELECT \"PERSON_ID\" FROM cdm.person ORDER BY 1");
                try (ResultSet rs = s.executeQuery("FETCH 2 FROM cur")) {
                    assertTrue(rs.next());
                    assertEquals(1, rs.getLong(1));
                    assertTrue(rs.next());
                    assertEquals(2, rs.getLong(1));
                    assertFalse(rs.next());
                }
            }
            c.commit();
        }
        try (Connection c = connect("cdm", "preferQueryMode=extended"); Statement s = c.createStatement()) {
            s.execute("SET statement_timeout = 300");
            SQLException e = assertThrows(SQLException.class,
                    () -> s.executeQuery("SELECT count(*) FROM range(1000000000000) a, cdm.person"));
            assertEquals("57014", e.getSQLState());
            s.execute("SET statement_timeout = 0");
            assertEquals("5", single(s, "SELECT count(*) FROM cdm.person"));
        }
        // pgjdbc's cancel: one CancelRequest on a second connection, sent once the statement executes (one that
        // came before would be ignored, as PostgreSQL ignores it, and pgjdbc sends no second).
        try (Connection c = connect("cdm", "preferQueryMode=extended"); Statement s = c.createStatement()) {
            observed.reset();
            java.util.concurrent.CompletableFuture<SQLException> running = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> assertThrows(SQLException.class,
                            () -> s.executeQuery("SELECT count(*) FROM range(1000000000000) a, cdm.person")));
            assertTrue(observed.awaitExecution(Duration.ofSeconds(60)));
            s.cancel();
            assertEquals("57014", running.get(60, TimeUnit.SECONDS).getSQLState());
            assertEquals("5", single(s, "SELECT count(*) FROM cdm.person"));
        }
        List<String> copied = psql("cdm", "COPY (SELECT \"PERSON_ID\" FROM cdm.person ORDER BY 1) TO STDOUT");
        assertEquals(List.of("1", "2", "3", "4", "5"), copied);
    }

    @Test
    void onlyDuckDbDatabaseRoutesAreServedUnderTheDialectsHandlerName() {
        assertEquals(Dialect.DUCKDB.handlerName(), handler.name());
        assertEquals(io.buenavista.core.duckdb.DuckDbHandler.THREAD_STACK_SIZE, handler.threadStackSize());
        for (Route r : List.of(new DatasetRoute(Dialect.DUCKDB, ConnectionType.READ, java.util.UUID.randomUUID()),
                new DatabaseRoute(Dialect.POSTGRESQL, ConnectionType.READ, CODE, Optional.of("cdm"),
                        Optional.of("vocab"), Optional.empty()))) {
            io.buenavista.api.SessionContext context = new io.buenavista.api.SessionContext() {
                @Override
                public Route route() {
                    return r;
                }

                @Override
                public io.buenavista.api.Principal principal() {
                    return io.buenavista.api.Principal.of("tester");
                }

                @Override
                public StartupRequest startup() {
                    return new StartupRequest("tester", "x", "", Map.of(), Map.of(), null, false);
                }

                @Override
                public String setting(String name) {
                    return null;
                }

                @Override
                public void notice(PgException notice) {}
            };
            PgException e = assertThrows(PgException.class, () -> handler.open(context), r.toString());
            assertTrue(e.isFatal());
            assertEquals(SqlState.SQLSERVER_REJECTED_ESTABLISHMENT_OF_SQLCONNECTION, e.sqlState());
        }
        assertEquals(0, handler.openDatabases());
    }

    @Test
    void aWriteRouteIsRefused() {
        PSQLException e = assertThrows(PSQLException.class, () -> connect("write", "preferQueryMode=simple"));
        assertEquals("0A000", e.getSQLState());
        assertEquals("duckdb routes are read-only", e.getServerErrorMessage().getMessage());
        assertEquals("FATAL", e.getServerErrorMessage().getSeverity());
    }

    @Test
    void aMissingFileIsADecisionBeforeTheSessionAndFatal3D000Without() throws Exception {
        assertTrue(handler.hasFiles(read("cdm", "vocab")));
        DuckDbFiles.Missing missing = assertInstanceOf(DuckDbFiles.Missing.class, handler.files(read("cdm", "absent")));
        assertTrue(missing.reason().contains(CODE + "_absent"), missing.reason());
        assertFalse(handler.hasFiles(new DatabaseRoute(Dialect.DUCKDB, ConnectionType.READ, CODE, Optional.empty(),
                Optional.empty(), Optional.empty())));
        PSQLException e = assertThrows(PSQLException.class, () -> connect("nofile", "preferQueryMode=simple"));
        assertEquals("3D000", e.getSQLState());
        assertEquals("FATAL", e.getServerErrorMessage().getSeverity());
        assertTrue(e.getServerErrorMessage().getMessage().contains("\"" + CODE + "\""), e.getMessage());
        assertFalse(e.getMessage().contains(data.toString()), "the client learns no path: " + e.getMessage());
        // The file appears: the next session is served.
        writeConcepts(data.resolve(CODE + "_absent"));
        try (Connection c = connect("nofile", "preferQueryMode=simple"); Statement s = c.createStatement()) {
            assertEquals("3", single(s, "SELECT count(*) FROM concept"));
        }
    }

    @Test
    void namesArePlainIdentifiersAndFilesStayInsideTheDataFolder() throws Exception {
        for (String bad : List.of("../x", "a/b", "x;y", "", "a b", "..")) {
            assertInstanceOf(DuckDbFiles.Missing.class, handler.files(read(bad, "vocab")), bad);
            assertInstanceOf(DuckDbFiles.Missing.class, handler.files(read("cdm", bad)), bad);
            assertInstanceOf(DuckDbFiles.Missing.class, handler.files(new DatabaseRoute(Dialect.DUCKDB,
                    ConnectionType.READ, bad, Optional.of("cdm"), Optional.of("vocab"), Optional.empty())), bad);
        }
        Path outside = writeConcepts(elsewhere.resolve("outside.duckdb"));
        Files.createSymbolicLink(data.resolve(CODE + "_link"), outside);
        DuckDbFiles.Missing m = assertInstanceOf(DuckDbFiles.Missing.class, handler.files(read("cdm", "link")));
        assertTrue(m.reason().contains("outside the data folder"), m.reason());
        assertEquals("3D000", assertThrows(PSQLException.class, () -> connect("escape", "preferQueryMode=simple"))
                .getSQLState());
        // A link that stays inside the folder is followed.
        Files.delete(data.resolve(CODE + "_link"));
        Files.createSymbolicLink(data.resolve(CODE + "_link"), data.resolve(CODE + "_vocab"));
        try (Connection c = connect("escape", "preferQueryMode=simple"); Statement s = c.createStatement()) {
            assertEquals("3", single(s, "SELECT count(*) FROM link.concept"));
        }
    }

    @Test
    void aSchemaThatIsItsOwnVocabularyIsAttachedOnce() throws Exception {
        try (Connection c = connect("samefile", "preferQueryMode=extended"); Statement s = c.createStatement()) {
            assertEquals("3", single(s, "SELECT count(*) FROM vocab.concept"));
            assertEquals("3", single(s, "SELECT count(*) FROM concept"));
        }
    }

    @Test
    void anUpperCaseVocabularySchemaIsTheDefaultAsWritten() throws Exception {
        writeConcepts(data.resolve(CODE + "_CDMVOCAB"));
        try (Connection c = connect("upper", "preferQueryMode=extended"); Statement s = c.createStatement()) {
            assertEquals("\"CDMVOCAB\"", single(s, "SHOW search_path"));
            assertEquals("3", single(s, "SELECT count(*) FROM concept"));
            assertEquals("3", single(s, "SELECT count(*) FROM \"CDMVOCAB\".concept"));
            s.execute("SET search_path TO cdm");
            assertEquals("5", single(s, "SELECT count(*) FROM person"));
            s.execute("RESET search_path");
            assertEquals("3", single(s, "SELECT count(*) FROM concept"));
        }
    }

    @Test
    void twoSessionsShareOneDatabaseAndAnIdleOneIsClosed() throws Exception {
        try (Connection a = connect("cdm", "preferQueryMode=extended"); Statement sa = a.createStatement();
                Connection b = connect("cdm", "preferQueryMode=simple"); Statement sb = b.createStatement()) {
            assertEquals(1, handler.openDatabases());
            sa.execute("CREATE TEMP TABLE mine AS SELECT 1 AS i");
            assertEquals("1", single(sa, "SELECT count(*) FROM mine"));
            assertEquals("42P01", assertThrows(SQLException.class, () -> sb.executeQuery("SELECT * FROM mine"))
                    .getSQLState());
            sa.execute("SET search_path TO cdm");
            assertEquals("vocab", single(sb, "SHOW search_path"));
            assertEquals("3", single(sb, "SELECT count(*) FROM concept"));
            handler.sweep();
            assertEquals(1, handler.openDatabases(), "in use: stays open");
        }
        awaitOpenDatabases(0); // idleClose is zero in these tests
        try (Connection c = connect("cdm", "preferQueryMode=simple"); Statement s = c.createStatement()) {
            assertEquals("5", single(s, "SELECT count(*) FROM cdm.person"));
            assertEquals(1, handler.openDatabases());
        }
    }

    /**
     * At most {@code maxInstances} databases: a file set beyond it closes the one unused longest among those without
     * sessions; when all have sessions the client gets FATAL 53300, the other sessions go on, and a session that
     * ends frees a place.
     */
    @Test
    void theInstanceLimitClosesTheLeastRecentlyUsedIdleDatabaseOrRefusesWith53300() throws Exception {
        server.close();
        handler.close();
        writeConcepts(data.resolve(CODE + "_CDMVOCAB"));
        startServer(CachedbDuckDbConfig.of(data).withIdleClose(Duration.ofHours(1)).withThreads(1)
                .withMaxInstances(2));
        String cdm = CODE + "_cdm/" + CODE + "_vocab";
        String same = CODE + "_vocab/" + CODE + "_vocab";
        String upper = CODE + "_cdm/" + CODE + "_CDMVOCAB";
        try (Connection a = connect("cdm", "preferQueryMode=extended"); Statement sa = a.createStatement()) {
            try (Connection b = connect("samefile", "preferQueryMode=simple")) {
                assertEquals(java.util.Set.of(cdm, same), handler.openFileSets());
                for (String mode : MODES) {
                    PSQLException e = assertThrows(PSQLException.class, () -> connect("upper", mode));
                    assertEquals("53300", e.getSQLState(), e.getMessage());
                    assertTrue(e.getMessage().contains("too many DuckDB caches are in use (2)"), e.getMessage());
                }
                assertEquals("5", single(sa, "SELECT count(*) FROM cdm.person"), "the others go on");
                try (Statement sb = b.createStatement()) {
                    assertEquals("3", single(sb, "SELECT count(*) FROM concept"));
                }
                assertEquals(2, handler.openDatabases());
            }
            awaitOpenSessions(1);
            try (Connection c = connect("upper", "preferQueryMode=extended"); Statement sc = c.createStatement()) {
                assertEquals("3", single(sc, "SELECT count(*) FROM \"CDMVOCAB\".concept"));
                assertEquals(java.util.Set.of(cdm, upper), handler.openFileSets(), "the idle one made room");
            }
            awaitOpenSessions(1); // upper's session has ended before cdm's
            assertEquals("5", single(sa, "SELECT count(*) FROM cdm.person"), "the session's database stayed open");
        }
        awaitOpenSessions(0);
        // Both idle now; cdm's session ended last, so upper's database has been unused longest and makes room.
        try (Connection b = connect("samefile", "preferQueryMode=simple"); Statement sb = b.createStatement()) {
            assertEquals("3", single(sb, "SELECT count(*) FROM concept"));
            assertEquals(java.util.Set.of(cdm, same), handler.openFileSets());
        }
    }

    /** A burst of logins on one file set opens one database: the others wait for it, none is refused. */
    @Test
    void aBurstOfLoginsOnOneFileSetOpensOneDatabaseWithinALimitOfOne() throws Exception {
        server.close();
        handler.close();
        startServer(CachedbDuckDbConfig.of(data).withIdleClose(Duration.ofHours(1)).withThreads(1)
                .withMaxInstances(1));
        int clients = 16;
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
        try {
            List<java.util.concurrent.Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                String mode = MODES[i % MODES.length];
                answers.add(pool.submit(() -> {
                    go.await();
                    try (Connection c = connect("cdm", mode); Statement s = c.createStatement()) {
                        return single(s, "SELECT count(*) FROM cdm.person");
                    }
                }));
            }
            go.countDown();
            for (java.util.concurrent.Future<String> answer : answers) {
                assertEquals("5", answer.get(120, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, handler.openDatabases());
    }

    /**
     * Each database spills to a folder of its own under the configured temporary directory, removed when the
     * database closes; the memory limit and threads are the database's, which a client can read but not change, and
     * a query beyond the limit that cannot spill fails alone.
     */
    @Test
    void eachDatabaseSpillsInAFolderOfItsOwnUnderTheTemporaryDirectoryAndTheLimitsHold() throws Exception {
        server.close();
        handler.close();
        Path spill = elsewhere.resolve("spill");
        Files.createDirectory(spill);
        startServer(CachedbDuckDbConfig.of(data).withIdleClose(Duration.ofHours(1)).withThreads(1)
                .withMemoryLimit("64MiB").withTempDirectory(spill));
        try (Connection a = connect("cdm", "preferQueryMode=extended"); Statement sa = a.createStatement();
                Connection b = connect("samefile", "preferQueryMode=extended"); Statement sb = b.createStatement()) {
            assertEquals("1", single(sa, "SELECT current_setting('threads')"));
            assertEquals("64.0 MiB", single(sa, "SELECT current_setting('memory_limit')"));
            for (String sql : List.of("SET threads = 2", "SET memory_limit = '10GB'", "SET GLOBAL memory_limit = '10GB'",
                    "RESET memory_limit", "SET temp_directory = '/tmp'", "PRAGMA threads = 2",
                    "SET max_temp_directory_size = '1GB'")) {
                SQLException e = assertThrows(SQLException.class, () -> sa.execute(sql), sql);
                assertEquals("42501", e.getSQLState(), sql + ": " + e.getMessage());
            }
            assertEquals("64.0 MiB", single(sb, "SELECT current_setting('memory_limit')"));
            List<Path> folders = list(spill);
            assertEquals(2, folders.size(), "one folder per database: " + folders);
            a.setAutoCommit(false);
            sa.setFetchSize(100);
            // About 70 MB of sorted rows under a 64 MiB limit: once the first row is out, the rest is on disk.
            try (ResultSet rs = sa.executeQuery("SELECT i, md5(i::VARCHAR) || md5((i + 1)::VARCHAR) AS h"
                    + " FROM range(1000000) r(i) ORDER BY h")) {
                assertTrue(rs.next());
                List<Path> spilled = new ArrayList<>();
                for (Path folder : folders) {
                    spilled.addAll(list(folder));
                }
                assertFalse(spilled.isEmpty(), "DuckDB spilled into a database's own folder");
                assertTrue(spilled.stream().allMatch(p -> p.getFileName().toString().startsWith("duckdb_temp")),
                        spilled.toString());
            }
            a.commit();
            a.setAutoCommit(true);
            // What cannot spill (one 160 MB string) hits the limit: 53200, and both sessions go on.
            SQLException e = assertThrows(SQLException.class, () -> sa.executeQuery(
                    "SELECT length(string_agg(md5(i::VARCHAR), ',')) FROM range(5000000) r(i)"));
            assertEquals("53200", e.getSQLState(), e.getMessage());
            assertEquals("5", single(sa, "SELECT count(*) FROM cdm.person"));
            assertEquals("3", single(sb, "SELECT count(*) FROM concept"));
        }
        awaitOpenSessions(0);
        handler.sweep();
        assertEquals(2, handler.openDatabases());
        try (Connection late = connect("cdm", "preferQueryMode=simple")) {
            handler.close();
            assertEquals(1, list(spill).size(), "a database with a session keeps its folder until the session ends");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!list(spill).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20); // the server closes the session on its own thread after the client left
        }
        assertEquals(List.of(), list(spill), "the folders are removed with their databases");
    }

    private static List<Path> list(Path folder) throws java.io.IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.sorted().toList();
        }
    }

    @Test
    void aReplacedFileReachesNewSessionsWhileARunningOneFinishesOnTheOld() throws Exception {
        try (Connection reader = connect("cdm", "preferQueryMode=extended")) {
            reader.setAutoCommit(false);
            try (Statement s = reader.createStatement()) {
                s.setFetchSize(100);
                try (ResultSet rs = s.executeQuery("SELECT p.\"PERSON_ID\" FROM cdm.person p, range(20000)")) {
                    long rows = 0;
                    for (; rows < 1000; rows++) {
                        assertTrue(rs.next());
                    }
                    // The platform writes a new cache beside the old one and moves it into place.
                    Path fresh = writePersons(data.resolve("incoming.tmp"), 7);
                    Files.move(fresh, data.resolve(CODE + "_cdm"), StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                    try (Connection late = connect("cdm", "preferQueryMode=simple");
                            Statement sl = late.createStatement()) {
                        assertEquals("7", single(sl, "SELECT count(*) FROM cdm.person"));
                        assertEquals(2, handler.openDatabases());
                    }
                    while (rs.next()) {
                        rows++;
                    }
                    assertEquals(5 * 20000, rows, "the running statement read the old file to its end");
                }
                assertEquals("5", single(s, "SELECT count(*) FROM cdm.person"), "the session stays on the old file");
            }
            reader.commit();
            handler.sweep();
            assertEquals(1, handler.openDatabases(), "the new one, unused, closed; the old one serves its session");
        }
        awaitOpenDatabases(0);
    }

    /**
     * Sessions opening and closing on two file sets from several threads while one set's file is replaced and idle
     * databases are swept all the time (idleClose is zero): every session is served, none sees a torn file set, and
     * no database stays open afterwards.
     */
    @Test
    void sessionsComeAndGoWhileFilesAreReplacedAndDatabasesSwept() throws Exception {
        int threads = 6;
        int sessionsEach = 8;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        try {
            List<java.util.concurrent.Future<List<String>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String database = t % 2 == 0 ? "cdm" : "samefile";
                String mode = t % 3 == 0 ? "preferQueryMode=simple" : "preferQueryMode=extended";
                results.add(pool.submit(() -> {
                    List<String> seen = new ArrayList<>();
                    for (int i = 0; i < sessionsEach; i++) {
                        try (Connection c = connect(database, mode); Statement s = c.createStatement()) {
                            seen.add(single(s, database.equals("cdm") ? "SELECT count(*) FROM cdm.person"
                                    : "SELECT count(*) FROM concept"));
                        }
                    }
                    return seen;
                }));
            }
            Thread replacer = new Thread(() -> {
                int n = 5;
                while (!done.get()) {
                    try {
                        n = n == 5 ? 7 : 5;
                        Path fresh = writePersons(data.resolve("incoming.tmp"), n);
                        Files.move(fresh, data.resolve(CODE + "_cdm"), StandardCopyOption.ATOMIC_MOVE,
                                StandardCopyOption.REPLACE_EXISTING);
                        handler.sweep();
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }
            });
            replacer.start();
            for (var r : results) {
                for (String count : r.get(120, TimeUnit.SECONDS)) {
                    assertTrue(List.of("3", "5", "7").contains(count), count);
                }
            }
            done.set(true);
            replacer.join();
        } finally {
            done.set(true);
            pool.shutdownNow();
        }
        awaitOpenDatabases(0);
    }

    @Test
    void aBrokenReplacementIsRefusedToNewSessionsWhileRunningOnesGoOn() throws Exception {
        try (Connection running = connect("cdm", "preferQueryMode=extended"); Statement s = running.createStatement()) {
            assertEquals("5", single(s, "SELECT count(*) FROM cdm.person"));
            Path broken = Files.writeString(data.resolve("incoming.tmp"), "not a DuckDB file ".repeat(1000));
            Files.move(broken, data.resolve(CODE + "_cdm"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            PSQLException e = assertThrows(PSQLException.class, () -> connect("cdm", "preferQueryMode=simple"));
            assertEquals("3D000", e.getSQLState());
            assertEquals("the DuckDB cache of database \"" + CODE + "\" cannot be opened",
                    e.getServerErrorMessage().getMessage());
            assertEquals("5", single(s, "SELECT count(*) FROM cdm.person"));
            Path fixed = writePersons(data.resolve("incoming.tmp"), 7);
            Files.move(fixed, data.resolve(CODE + "_cdm"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            try (Connection late = connect("cdm", "preferQueryMode=simple"); Statement sl = late.createStatement()) {
                assertEquals("7", single(sl, "SELECT count(*) FROM cdm.person"));
            }
        }
        awaitOpenDatabases(0);
    }

    /** Statements a tenant must not run: each refused with 42501, the session usable after it. */
    private List<String> refusedStatements() {
        String cdm = data.resolve(CODE + "_cdm").toString();
        return List.of(
                // file access
                "SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM read_text('/etc/passwd')",
                "SELECT * FROM read_blob('" + cdm + "')", "SELECT size FROM read_blob('" + cdm + "')",
                "SELECT * FROM glob('" + data + "/*')", "SELECT * FROM '/etc/passwd'", "SELECT * FROM '" + cdm + "'",
                "SELECT * FROM cdm.person, '/etc/passwd'", "SELECT * FROM cdm.person JOIN '/etc/passwd' ON true",
                "WITH x AS (SELECT * FROM '/etc/passwd') SELECT * FROM x",
                "SELECT * FROM (SELECT * FROM '/etc/passwd')",
                "EXPLAIN ANALYZE COPY (SELECT 1) TO '" + cdm + ".wal'",
                "SELECT * FROM query('SELECT * FROM read_text(''/etc/passwd'')')",
                // other databases
                "ATTACH '" + cdm + "' AS rw (READ_WRITE)", "ATTACH ':memory:' AS scratch", "DETACH cdm",
                "DETACH DATABASE vocab", "USE cdm", "USE memory",
                // extensions
                "INSTALL fts", "FORCE INSTALL fts", "LOAD fts", "LOAD '" + cdm + "'", "UPDATE EXTENSIONS",
                // global settings
                "SET memory_limit = '50GB'", "SET threads = 300", "SET enable_external_access = true",
                "SET lock_configuration = false", "SET allowed_paths = ['/']", "SET allowed_directories = ['/']",
                "SET temp_directory = '/tmp/bv-hole'", "SET GLOBAL TimeZone = 'UTC'", "RESET memory_limit",
                "RESET threads", "RESET enable_external_access", "SET extension_directories = ['/tmp']",
                "SET allow_unsigned_extensions = true", "SET autoinstall_known_extensions = true",
                "SET file_search_path = '/'", "SET home_directory = '/tmp'",
                "PRAGMA threads = 2", "PRAGMA enable_checkpoint_on_shutdown", "PRAGMA memory_limit = '1GB'",
                "CALL enable_logging()",
                // database-wide operations
                "EXPORT DATABASE '" + data + "/export'", "IMPORT DATABASE '" + data + "'", "CHECKPOINT",
                "CHECKPOINT cdm", "SELECT * FROM checkpoint()", "FORCE CHECKPOINT", "SELECT * FROM force_checkpoint()",
                "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')", "CREATE PERSISTENT SECRET s (TYPE s3)",
                // paths
                "SELECT * FROM duckdb_databases()", "SELECT current_setting('temp_directory')");
    }

    @Test
    void theTenantLockDownHoleByHole() throws Exception {
        Map<String, String> before = hashes(data);
        for (String mode : new String[] {"preferQueryMode=simple", "preferQueryMode=extended"}) {
            try (Connection a = connect("cdm", mode); Statement sa = a.createStatement();
                    Connection b = connect("cdm", mode); Statement sb = b.createStatement()) {
                Map<String, String> seen = observe(sb);
                for (String sql : refusedStatements()) {
                    SQLException e = assertThrows(SQLException.class, () -> sa.execute(sql), sql);
                    assertEquals("42501", e.getSQLState(), sql + ": " + e.getMessage());
                    assertFalse(e.getMessage().contains(data.toString() + "/" + CODE + "_vocab"), e.getMessage());
                    assertEquals("5", single(sa, "SELECT count(*) FROM cdm.person"), "usable after " + sql);
                    assertEquals(seen, observe(sb), "the other session after " + sql);
                }
                // COPY with a file never reaches DuckDB: the core refuses the server's files as PostgreSQL does.
                for (String sql : List.of("COPY (SELECT 1) TO '" + data + "/out.csv'",
                        "COPY cdm.person TO '" + data.resolve(CODE + "_cdm") + ".wal'",
                        "COPY cdm.person FROM '/etc/passwd'")) {
                    SQLException e = assertThrows(SQLException.class, () -> sa.execute(sql), sql);
                    assertEquals("42501", e.getSQLState(), sql);
                }
                // Nothing shared is writable; the session's TEMP objects are its own.
                for (String sql : List.of("CREATE TABLE cdm.x(i INTEGER)", "CREATE TABLE x(i INTEGER)",
                        "INSERT INTO cdm.person SELECT * FROM cdm.person", "DELETE FROM vocab.concept",
                        "CREATE TABLE memory.main.x(i INTEGER)", "CREATE VIEW vocab.v AS SELECT 1",
                        "CREATE SCHEMA cdm.s")) {
                    assertThrows(SQLException.class, () -> sa.execute(sql), sql);
                    assertEquals("5", single(sa, "SELECT count(*) FROM cdm.person"), "usable after " + sql);
                }
                sa.execute("CREATE TEMP TABLE scratch AS SELECT 1 AS i");
                assertEquals(seen, observe(sb));
            }
        }
        handler.close(); // DuckDB's files are closed: nothing is left to be written
        assertEquals(before, hashes(data), "no file in the data folder created, changed or removed");
    }

    @Test
    void extensionsComeOnlyFromTheConfiguredFolder() throws Exception {
        try (Connection c = connect("cdm", "preferQueryMode=extended"); Statement s = c.createStatement()) {
            // Without the extension the feature fails at once (nothing is downloaded or auto-loaded).
            SQLException e = assertThrows(SQLException.class, () -> s.executeQuery("SELECT stem('running', 'porter')"));
            assertTrue(e.getMessage().contains("fts extension"), e.getMessage());
            String hint = ((PSQLException) e).getServerErrorMessage().getHint();
            assertTrue(hint.contains("extensions folder"), hint);
            assertEquals("5", single(s, "SELECT count(*) FROM cdm.person"));
        }
        // A folder with a file of that name: the server loads it from there (this one is not an extension).
        Path extensions = Files.createDirectories(elsewhere.resolve("extensions"));
        Files.writeString(extensions.resolve("fts.duckdb_extension"), "not an extension");
        stop();
        startServer(CachedbDuckDbConfig.of(data).withExtensionsFolder(extensions).withIdleClose(Duration.ZERO));
        PSQLException e = assertThrows(PSQLException.class, () -> connect("cdm", "preferQueryMode=simple"));
        assertEquals("3D000", e.getSQLState());
        assertTrue(e.getServerErrorMessage().getMessage().contains("cannot be opened"), e.getMessage());
        assertFalse(e.getMessage().contains(extensions.toString()), e.getMessage());
        // The same in the layout of DuckDB's extension_directory (where INSTALL puts it).
        Path installed;
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            installed = extensions.resolve(single(s, "SELECT library_version FROM pragma_version()"))
                    .resolve(single(s, "SELECT platform FROM pragma_platform()"));
        }
        Files.move(extensions.resolve("fts.duckdb_extension"),
                Files.createDirectories(installed).resolve("fts.duckdb_extension"));
        assertEquals("3D000", assertThrows(PSQLException.class, () -> connect("cdm", "preferQueryMode=simple"))
                .getSQLState());
        // An empty folder: nothing to load, the route is served.
        Files.delete(installed.resolve("fts.duckdb_extension"));
        try (Connection c = connect("cdm", "preferQueryMode=simple"); Statement s = c.createStatement()) {
            assertEquals("5", single(s, "SELECT count(*) FROM cdm.person"));
        }
    }

    /** The original service's test files: main.person with upper-case columns in both. */
    @Test
    void theOriginalServicesFixtureFiles() throws Exception {
        Path fixtures = Path.of(System.getProperty("buenavista.fixtures", Path.of("").toAbsolutePath().getParent()
                .resolveSibling("shared").resolve("fixtures").toString())).resolve("d2e-cachedb");
        Assumptions.assumeTrue(Files.isRegularFile(fixtures.resolve(CODE + "_testschema")),
                "shared fixtures not present: " + fixtures);
        for (String name : List.of(CODE + "_testschema", CODE + "_cdmvocab")) {
            Files.copy(fixtures.resolve(name), data.resolve(name));
        }
        try (Connection c = connect("fixture", "preferQueryMode=extended");
                PreparedStatement ps = c.prepareStatement("select * from testschema.person where person_id = ?")) {
            ps.setLong(1, 1);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertEquals(1, rs.getLong("PERSON_ID"));
                assertEquals(18, rs.getMetaData().getColumnCount());
            }
            try (Statement s = c.createStatement()) {
                assertEquals("5", single(s, "SELECT count(*) FROM person")); // the vocabulary file's main.person
            }
        }
    }

    // ---- helpers ----

    /**
     * Sweeps until the handler has {@code n} databases open: the server closes a session on its own thread once
     * the client's Terminate arrives, after the client's close has returned.
     */
    private void awaitOpenDatabases(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            handler.sweep();
            if (handler.openDatabases() == n || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(20);
        }
        assertEquals(n, handler.openDatabases());
    }

    /** Waits until the server has closed the sessions of the clients that left: it does so on its own threads. */
    private void awaitOpenSessions(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (handler.openSessions() != n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(n, handler.openSessions());
    }

    private Connection connect(String database, String params) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port() + "/" + database
                + "?user=tester&sslmode=disable&" + params);
    }

    /** A cdm file: main.person with upper-case columns as the platform's caches have, persons 1..n. */
    private static Path writePersons(Path file, int n) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE person(\"PERSON_ID\" BIGINT, \"YEAR_OF_BIRTH\" BIGINT, \"GENDER_CONCEPT_ID\" BIGINT)");
            s.execute("INSERT INTO person SELECT i, 1980 + i, 8507 FROM range(1, " + (n + 1) + ") r(i)");
        }
        return file;
    }

    /** A vocabulary file: main.concept with three rows. */
    private static Path writeConcepts(Path file) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE concept(\"CONCEPT_ID\" BIGINT, \"CONCEPT_NAME\" VARCHAR)");
            s.execute("INSERT INTO concept VALUES (8507, 'MALE'), (8532, 'FEMALE'), (0, 'No matching concept')");
        }
        return file;
    }

    /** What another session depends on: the settings the holes aimed at, its path and its data. */
    private static Map<String, String> observe(Statement s) throws SQLException {
        Map<String, String> seen = new TreeMap<>();
        for (String name : List.of("threads", "memory_limit", "enable_external_access", "lock_configuration",
                "TimeZone", "checkpoint_on_shutdown")) {
            seen.put(name, single(s, "SELECT current_setting('" + name + "')::VARCHAR"));
        }
        seen.put("search_path", single(s, "SHOW search_path"));
        seen.put("persons", single(s, "SELECT string_agg(\"PERSON_ID\"::VARCHAR, ',' ORDER BY 1) FROM cdm.person"));
        seen.put("concepts", single(s, "SELECT count(*) FROM concept"));
        seen.put("schemas", single(s, "SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace"));
        return seen;
    }

    private static String single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getString(1);
        }
    }

    /** SHA-256 of every file in the folder (no subfolders are expected). */
    private static Map<String, String> hashes(Path folder) throws Exception {
        Map<String, String> hashes = new TreeMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path p : files.toList()) {
                hashes.put(p.getFileName().toString(), Files.isRegularFile(p) ? HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))) : "not a file");
            }
        }
        return hashes;
    }

    /** psql {@code -X -w -q -A -t} to this server, one {@code -c} per command; the output lines. */
    private List<String> psql(String database, String... commands) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ClientPrograms.path("psql"), "-h", "127.0.0.1", "-p",
                Integer.toString(server.port()), "-U", "tester", "-d", database, "-X", "-w", "-q", "-A", "-t"));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Path out = Files.createTempFile(elsewhere, "psql", ".out");
        Path err = Files.createTempFile(elsewhere, "psql", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("psql did not finish");
        }
        assertEquals(0, p.exitValue(), () -> "psql failed: " + read(err));
        return Files.readAllLines(out).stream().filter(l -> !l.isEmpty()).toList();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
