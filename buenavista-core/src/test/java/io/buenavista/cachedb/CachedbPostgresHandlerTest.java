package io.buenavista.cachedb;

import io.buenavista.api.QueryHandler;
import io.buenavista.core.relay.Backend;
import io.buenavista.core.relay.PrivateCluster;
import io.buenavista.core.relay.RelayConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code cachedb-postgresql} route end to end: pgjdbc logs in to a Buena Vista server with a token (the cachedb
 * authenticator over fake services), and the session is relayed to a database of its own on the shared PostgreSQL,
 * whose read and write logins are roles with SCRAM passwords, holding an OMOP-like {@code cdmdefault.person}.
 */
class CachedbPostgresHandlerTest {
    private static final String PG = "jdbc:postgresql://127.0.0.1:5432/";
    private static final String SUFFIX = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    private static final String DATABASE = "bv_pgroute_" + SUFFIX;
    private static final String READER = "bv_pgroute_r_" + SUFFIX;
    private static final String WRITER = "bv_pgroute_w_" + SUFFIX;
    private static final String CODE = "alpdev_pg";
    private static final UUID DATASET = UUID.fromString("11111111-2222-3333-4444-555555555555");
    private static final String A_READ = "A|postgresql|" + DATASET;

    private final CachedbWorld world = new CachedbWorld();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void createDatabase() throws SQLException {
        try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", "");
                Statement s = c.createStatement()) {
            s.execute("set password_encryption = 'scram-sha-256'");
            s.execute("create role " + READER + " login password 'read-pw'");
            s.execute("create role " + WRITER + " login password 'write-pw'");
            s.execute("create database " + DATABASE);
        }
        try (Connection c = DriverManager.getConnection(PG + DATABASE, "postgres", "");
                Statement s = c.createStatement()) {
            s.execute("create schema cdmdefault");
            s.execute("create schema cdmvocab");
            s.execute("create schema other");
            s.execute("create table cdmdefault.person (person_id bigint primary key, gender_concept_id integer,"
                    + " year_of_birth integer, person_source_value varchar(50))");
            s.execute("insert into cdmdefault.person values (1, 8507, 1970, 'p-1'), (2, 8532, 1985, 'p-2'),"
                    + " (3, 8532, 2001, 'p-3')");
            s.execute("create table cdmvocab.concept (concept_id integer primary key, concept_name text)");
            s.execute("insert into cdmvocab.concept values (8507, 'MALE'), (8532, 'FEMALE')");
            s.execute("create table other.person (person_id bigint primary key, year_of_birth integer)");
            s.execute("insert into other.person values (1, 1900)");
            for (String schema : List.of("cdmdefault", "cdmvocab", "other")) {
                s.execute("grant usage on schema " + schema + " to " + READER + ", " + WRITER);
                s.execute("grant select on all tables in schema " + schema + " to " + READER);
                s.execute("grant all on all tables in schema " + schema + " to " + WRITER);
            }
        }
    }

    @AfterAll
    static void dropDatabase() throws SQLException {
        try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", "");
                Statement s = c.createStatement()) {
            s.execute("drop database if exists " + DATABASE + " with (force)");
            s.execute("drop role if exists " + READER);
            s.execute("drop role if exists " + WRITER);
        }
    }

    private static String credentialsJson(String code) {
        return """
                [{"type": "postgresql", "tags": ["analytics"], "values": {"code": "%s", "dialect": "postgresql",
                  "host": "127.0.0.1", "port": 5432, "databaseName": "%s",
                  "credentials": {"user": "%s", "password": "read-pw", "adminUser": "%s",
                                  "adminPassword": "write-pw"}}}]
                """.formatted(code, DATABASE, READER, WRITER);
    }

    private CachedbPostgresHandler start(int poolSize) {
        CachedbPostgresHandler handler = new CachedbPostgresHandler(DatabaseCredentials.parse(credentialsJson(CODE)),
                RelayConfig.defaults().withPoolSize(poolSize).withPoolWait(Duration.ofSeconds(20)));
        toClose.add(handler);
        world.start(s -> s, List.<QueryHandler>of(handler));
        world.usermgmt.researcher("researcher-1", DATASET);
        world.usermgmt.researcher("researcher-2", DATASET);
        world.usermgmt.admin("admin-1");
        world.portal.dataset(DATASET, CODE, "cdmdefault", "cdmvocab");
        return handler;
    }

    @AfterEach
    void stop() throws Exception {
        world.close();
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    /** Logs in with the token as the password, as the platform's clients should. */
    private Connection login(String userId, String database) throws SQLException {
        return world.connect("cachedb-client", world.token(userId).compact(), database);
    }

    private static String one(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getString(1);
        }
    }

    @Test
    void aResearcherReadsPersonByParameterFromTheDatasetsDatabase() throws SQLException {
        start(2);
        try (Connection c = login("researcher-1", A_READ);
                PreparedStatement ps = c.prepareStatement("select * from cdmdefault.person where person_id = ?")) {
            // Past pgjdbc's prepare threshold too, so the binary path of a named statement is relayed as well.
            for (int i = 0; i < 7; i++) {
                ps.setLong(1, 2);
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(2, rs.getLong("person_id"));
                    assertEquals(1985, rs.getInt("year_of_birth"));
                    assertEquals("p-2", rs.getString("person_source_value"));
                    assertTrue(!rs.next());
                }
            }
            assertEquals(DATABASE, one(c, "select current_database()"));
        }
    }

    @Test
    void theRoutesSchemaThenItsVocabularyThenPublicAreTheDefaultSearchPath() throws SQLException {
        start(2);
        try (Connection c = login("researcher-1", A_READ)) {
            assertEquals("cdmdefault, cdmvocab, public", one(c, "show search_path"));
            assertEquals("3", one(c, "select count(*) from person"));
            assertEquals("FEMALE", one(c, "select c.concept_name from person p join concept c"
                    + " on c.concept_id = p.gender_concept_id where p.person_id = 3"));
        }
    }

    @Test
    void theClientCanStillSetSearchPathAsTheNodePostgresClientsDoOnConnect() throws SQLException {
        start(2);
        try (Connection c = login("researcher-1", A_READ)) {
            try (Statement s = c.createStatement()) {
                s.execute("SET search_path TO other");
            }
            assertEquals("1900", one(c, "select year_of_birth from person where person_id = 1"));
            try (Statement s = c.createStatement()) {
                s.execute("RESET search_path");
            }
            // RESET goes back to the backend connection's own default (the server's), not the route's: the route's
            // path is set when the pooled connection is taken, not in its startup packet.
            assertEquals("\"$user\", public", one(c, "show search_path"));
        }
    }

    @Test
    void aStartupSearchPathOfTheClientWinsOverTheRoutesDefault() throws SQLException {
        start(2);
        Properties p = new Properties();
        p.setProperty("user", "cachedb-client");
        p.setProperty("password", world.token("researcher-1").compact());
        p.setProperty("currentSchema", "other");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + world.port() + "/"
                + URLEncoder.encode(A_READ, StandardCharsets.UTF_8), p)) {
            assertEquals("other", one(c, "show search_path"));
            assertEquals("1900", one(c, "select year_of_birth from person"));
        }
    }

    @Test
    void readSessionsUseTheReadLoginAndWriteSessionsTheAdminLogin() throws SQLException {
        CachedbPostgresHandler handler = start(2);
        try (Connection read = login("admin-1", A_READ);
                Connection write = login("admin-1", "A|postgresql|write|" + DATASET)) {
            assertEquals(READER, one(read, "select current_user"));
            assertEquals(READER, one(read, "select session_user"));
            assertEquals(WRITER, one(write, "select current_user"));
            PSQLException e = assertThrows(PSQLException.class, () -> one(read,
                    "insert into cdmdefault.person values (9, 0, 2000, 'x') returning person_id"));
            assertEquals("42501", e.getSQLState());
            assertEquals("9", one(write, "insert into cdmdefault.person values (9, 0, 2000, 'x') returning person_id"));
            assertEquals("1", one(write, "delete from cdmdefault.person where person_id = 9 returning 1"));
        }
        assertTrue(handler.pool(CODE, ConnectionType.READ).isPresent());
        assertTrue(handler.pool(CODE, ConnectionType.WRITE).isPresent());
        assertEquals(READER, handler.pool(CODE, ConnectionType.READ).get().backend().user());
        assertEquals(WRITER, handler.pool(CODE, ConnectionType.WRITE).get().backend().user());
    }

    @Test
    void thePrincipalsUserIdIsACustomSettingOnTheBackendThatStartupOptionsCannotReplace() throws SQLException {
        start(2);
        try (Connection c = login("researcher-1", A_READ)) {
            assertEquals("researcher-1", one(c, "select current_setting('cachedb.user_id')"));
            assertEquals("researcher-1", one(c, "show cachedb.user_id"));
        }
        Properties p = new Properties();
        p.setProperty("user", "cachedb-client");
        p.setProperty("password", world.token("researcher-2").compact());
        p.setProperty("options", "-c cachedb.user_id=someone-else");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + world.port() + "/"
                + URLEncoder.encode(A_READ, StandardCharsets.UTF_8), p)) {
            assertEquals("researcher-2", one(c, "select current_setting('cachedb.user_id')"));
        }
        // A user id is data, never SQL: quotes and backslashes arrive as they are.
        String odd = "o'brien\\'); select pg_sleep(60); --";
        world.usermgmt.researcher(odd, DATASET);
        try (Connection c = login(odd, A_READ)) {
            assertEquals(odd, one(c, "select current_setting('cachedb.user_id')"));
        }
    }

    @Test
    void anUnknownDatabaseCodeIsRefusedWith3D000NamingIt() {
        start(2);
        PSQLException e = assertThrows(PSQLException.class, () -> login("admin-1", "B|postgresql|nosuchcode").close());
        assertEquals("3D000", e.getSQLState());
        assertEquals("FATAL", e.getServerErrorMessage().getSeverity());
        assertTrue(e.getServerErrorMessage().getMessage().contains("\"nosuchcode\""), e.getMessage());
    }

    @Test
    void aSecondClientOnAReusedBackendSeesNeitherTheFirstOnesUserIdNorItsSettings() throws Exception {
        start(1); // one connection: the second client must get the first one's backend
        String firstPid;
        try (Connection c = login("researcher-1", A_READ); Statement s = c.createStatement()) {
            firstPid = one(c, "select pg_backend_pid()");
            s.execute("SET search_path TO other");
            s.execute("SET cachedb.note = 'left by researcher-1'");
            s.execute("SET application_name = 'first'");
            s.execute("PREPARE leftover AS select 1");
            assertEquals("researcher-1", one(c, "select current_setting('cachedb.user_id')"));
        }
        try (Connection c = login("researcher-2", A_READ)) {
            assertEquals(firstPid, one(c, "select pg_backend_pid()"), "the pool of one reused its connection");
            assertEquals("researcher-2", one(c, "select current_setting('cachedb.user_id')"));
            assertEquals("cdmdefault, cdmvocab, public", one(c, "show search_path"));
            String note = one(c, "select current_setting('cachedb.note', true)");
            assertTrue(note == null || note.isEmpty(), "the first client's setting leaked: " + note);
            assertNotEquals("first", one(c, "show application_name"));
            assertEquals("0", one(c, "select count(*) from pg_prepared_statements where name = 'leftover'"));
        }
    }

    @Test
    void theEntrysPasswordsLogInToABackendThatRequiresScramAndAWrongOneIsRefused() throws Exception {
        try (PrivateCluster cluster = PrivateCluster.start("superuser-pw", List.of())) {
            try (Connection c = DriverManager.getConnection(cluster.jdbcUrl("postgres", "superuser-pw"));
                    Statement s = c.createStatement()) {
                s.execute("set password_encryption = 'scram-sha-256'");
                s.execute("create role reader login password 'Read-pw'");
                s.execute("create role writer login password 'Write-pw'");
            }
            String json = """
                    [{"tags": ["analytics"], "values": {"code": "scram", "dialect": "postgresql", "host": "127.0.0.1",
                      "port": %1$d, "databaseName": "postgres", "credentials": {"user": "reader", "password":
                      "Read-pw", "adminUser": "writer", "adminPassword": "Write-pw"}}},
                     {"tags": ["analytics"], "values": {"code": "wrongpw", "dialect": "postgresql",
                      "host": "127.0.0.1", "port": %1$d, "databaseName": "postgres", "credentials": {"user":
                      "reader", "password": "Not-the-pw"}}}]
                    """.formatted(cluster.port);
            CachedbPostgresHandler handler = new CachedbPostgresHandler(DatabaseCredentials.parse(json),
                    RelayConfig.defaults().withPoolSize(2).withPoolWait(Duration.ofSeconds(20)));
            toClose.add(handler);
            world.start(s -> s, List.<QueryHandler>of(handler));
            world.usermgmt.admin("admin-1");
            try (Connection read = login("admin-1", "B|postgresql|scram");
                    Connection write = login("admin-1", "B|postgresql|write|scram")) {
                assertEquals("reader", one(read, "select current_user"));
                assertEquals("writer", one(write, "select current_user"));
                assertEquals("admin-1", one(write, "select current_setting('cachedb.user_id')"));
            }
            PSQLException e = assertThrows(PSQLException.class, () -> login("admin-1", "B|postgresql|wrongpw").close());
            assertEquals("FATAL", e.getServerErrorMessage().getSeverity());
            assertEquals("08006", e.getSQLState());
            assertTrue(!e.getMessage().contains("Not-the-pw"), e.getMessage());
        }
    }

    @Test
    void anEntrysTlsSettingsChooseTheBackendsSslModeAndAnUnreadableTrustStoreRefusesOnlyThatEntry() throws Exception {
        DatabaseLogin login = new DatabaseLogin("u", "p");
        DatabaseEntry plain = new DatabaseEntry("c", Dialect.POSTGRESQL, "h", 5432, "d", Optional.of(login),
                Optional.empty(), false, false, Optional.empty(), Optional.empty());
        assertEquals(Backend.SslMode.DISABLE,
                CachedbPostgresHandler.backend(plain, login).sslMode());
        DatabaseEntry encrypted = new DatabaseEntry("c", Dialect.POSTGRESQL, "h", 5432, "d",
                Optional.of(login), Optional.empty(), true, false, Optional.empty(),
                Optional.empty());
        assertEquals(Backend.SslMode.REQUIRE,
                CachedbPostgresHandler.backend(encrypted, login).sslMode());
        DatabaseEntry verified = new DatabaseEntry("c", Dialect.POSTGRESQL, "h", 5432, "d",
                Optional.of(login), Optional.empty(), true, true,
                Optional.of("/no/such/ca.pem"), Optional.empty());
        Backend b = CachedbPostgresHandler.backend(verified, login);
        assertEquals(Backend.SslMode.VERIFY_FULL, b.sslMode());
        assertEquals(Path.of("/no/such/ca.pem"), b.sslRootCert());

        String json = credentialsJson(CODE).strip();
        json = json.substring(0, json.length() - 1) + """
                , {"tags": ["analytics"], "values": {"code": "badtls", "dialect": "postgresql", "host": "127.0.0.1",
                  "port": 5432, "databaseName": "postgres", "encrypt": true, "validateCertificate": true,
                  "sslTrustStore": "/no/such/ca.pem", "credentials": {"user": "postgres", "password": "x"}}}]
                """;
        CachedbPostgresHandler handler = new CachedbPostgresHandler(DatabaseCredentials.parse(json),
                RelayConfig.defaults().withPoolSize(2));
        toClose.add(handler);
        world.start(s -> s, List.<QueryHandler>of(handler));
        world.usermgmt.admin("admin-1");
        PSQLException e = assertThrows(PSQLException.class, () -> login("admin-1", "B|postgresql|badtls").close());
        assertEquals("08006", e.getSQLState());
        assertTrue(e.getServerErrorMessage().getMessage().contains("\"badtls\""), e.getMessage());
        try (Connection c = login("admin-1", "B|postgresql|" + CODE)) {
            assertEquals(READER, one(c, "select current_user"));
        }
    }

    @Test
    void concurrentSessionsOnReadAndWriteRoutesShareBoundedPoolsAndEachSeesOnlyItsOwnUserId() throws Exception {
        CachedbPostgresHandler handler = start(3);
        int clients = 12;
        int rounds = 8;
        for (int i = 0; i < clients; i++) {
            world.usermgmt.admin("admin-" + i);
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
        try {
            List<java.util.concurrent.Future<Integer>> done = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                String user = "admin-" + i;
                String database = i % 2 == 0 ? A_READ : "A|postgresql|write|" + DATASET;
                String role = i % 2 == 0 ? READER : WRITER;
                done.add(pool.submit(() -> {
                    int ok = 0;
                    for (int r = 0; r < rounds; r++) {
                        try (Connection c = login(user, database);
                                PreparedStatement ps = c.prepareStatement("select current_setting('cachedb.user_id'),"
                                        + " current_user, year_of_birth from person where person_id = ?")) {
                            ps.setLong(1, 1);
                            try (ResultSet rs = ps.executeQuery()) {
                                assertTrue(rs.next());
                                assertEquals(user, rs.getString(1));
                                assertEquals(role, rs.getString(2));
                                assertEquals(1970, rs.getInt(3));
                            }
                            try (Statement s = c.createStatement()) {
                                s.execute("SET cachedb.left_by = '" + user + "'");
                            }
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            for (java.util.concurrent.Future<Integer> f : done) {
                assertEquals(rounds, f.get(120, java.util.concurrent.TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        // At most the pool size per login is open on the backend, idle now; closing the handler closes them all.
        assertTrue(backendsOf(READER) <= 3 && backendsOf(WRITER) <= 3, backendsOf(READER) + "/" + backendsOf(WRITER));
        assertTrue(handler.pool(CODE, ConnectionType.READ).orElseThrow().idleCount() <= 3);
        handler.close();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while ((backendsOf(READER) > 0 || backendsOf(WRITER) > 0) && System.nanoTime() < deadline) {
            Thread.sleep(100); // the backends notice the closed sockets asynchronously
        }
        assertEquals(0, backendsOf(READER) + backendsOf(WRITER), "backend connections left open");
    }

    private static int backendsOf(String role) throws SQLException {
        try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", "");
                PreparedStatement ps = c.prepareStatement("select count(*) from pg_stat_activity where usename = ?")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
