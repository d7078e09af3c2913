package io.buenavista.examples;

import io.buenavista.testing.ClientPrograms;
import io.buenavista.testing.http.FakeOpenIdIssuer;
import io.buenavista.testing.http.FakePlatform;
import io.buenavista.testing.http.FakePortal;
import io.buenavista.testing.http.FakeUserManagement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code buenavista.jar cachedb} as the platform runs it, configured by the environment alone: the fake issuer, user
 * management and portal over real HTTP; a database of the test's own on the shared PostgreSQL, whose read and write
 * logins are roles with SCRAM passwords; and a data folder with the DuckDB files of the same database code. Real
 * clients (psql, pgjdbc in every query mode, psycopg, psycopg2, SQLAlchemy, asyncpg, node-postgres) log in with a
 * token minted by the issuer and read person 2 by parameter on protocol A and B of both dialects; each dialect's
 * person 2 has its own year of birth, so every answer shows which database gave it. Read logins get the read role,
 * which cannot write, write logins the admin user; a duckdb route without its files is served by postgresql. pg_isready
 * is the health check, and SIGTERM stops the server cleanly without a token or password in its output.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CachedbJarIT {
    private static final String PG = "jdbc:postgresql://127.0.0.1:5432/";
    private static final String SUFFIX = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    private static final String DATABASE = "bv_jar_it_" + SUFFIX;
    private static final String READER = "bv_jar_it_r_" + SUFFIX;
    private static final String WRITER = "bv_jar_it_w_" + SUFFIX;
    private static final String CODE = "alpdev";
    private static final String SCHEMA = "cdmdefault";
    private static final String VOCAB = "cdmvocab";
    private static final UUID DATASET = UUID.fromString("11111111-2222-3333-4444-555555555555");
    /** Person 2's year of birth in PostgreSQL and in the DuckDB cache: the answer names its database. */
    private static final int PG_YEAR = 1985;
    private static final int DUCKDB_YEAR = 1992;
    private static final Path CLIENTS = Path.of("src", "test", "clients");
    /** Debian's interpreter, which sees the python3-* packages. */
    private static final String PYTHON = System.getProperty("buenavista.python", "/usr/bin/python3");
    private static final String RESEARCHER = "researcher-1";
    private static final String ADMIN = "admin-1";

    /** A route, the year of birth of person 2 there, and who logs in to it. */
    private record Case(String database, int year) {
        String argument() {
            return database + "=" + year;
        }

        /** A researcher of the dataset on protocol A; protocol B is for system administrators. */
        String user() {
            return database.startsWith("A|") ? RESEARCHER : ADMIN;
        }

        String token() {
            return database.startsWith("A|") ? researcherToken : adminToken;
        }
    }

    /** Protocol A, which the portal resolves. */
    private static final List<Case> PROTOCOL_A = List.of(new Case("A|duckdb|" + DATASET, DUCKDB_YEAR),
            new Case("A|postgresql|" + DATASET, PG_YEAR));
    private static final List<Case> PROTOCOL_B = List.of(
            new Case("B|duckdb|" + CODE + "|" + SCHEMA + "|" + VOCAB, DUCKDB_YEAR),
            new Case("B|postgresql|" + CODE + "|" + SCHEMA, PG_YEAR));

    /** The data folder (work/data, the DuckDB files only) and the psql script. */
    @TempDir
    static Path work;
    private static Path data;

    private static FakeOpenIdIssuer issuer;
    private static FakeUserManagement usermgmt;
    private static FakePortal portal;
    private static JarProcess cachedb;
    private static String researcherToken;
    private static String adminToken;

    @BeforeAll
    static void start() throws Exception {
        try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", "");
                Statement s = c.createStatement()) {
            s.execute("set password_encryption = 'scram-sha-256'");
            s.execute("create role " + READER + " login password 'read-pw'");
            s.execute("create role " + WRITER + " login password 'write-pw'");
            s.execute("create database " + DATABASE);
        }
        try (Connection c = DriverManager.getConnection(PG + DATABASE, "postgres", "");
                Statement s = c.createStatement()) {
            s.execute("create schema " + SCHEMA);
            s.execute("create table " + SCHEMA + ".person (person_id bigint primary key, year_of_birth integer)");
            s.execute("insert into " + SCHEMA + ".person values (1, 1970), (2, " + PG_YEAR + ")");
            s.execute("grant usage on schema " + SCHEMA + " to " + READER + ", " + WRITER);
            s.execute("grant select on all tables in schema " + SCHEMA + " to " + READER);
            s.execute("grant all on all tables in schema " + SCHEMA + " to " + WRITER);
        }
        data = Files.createDirectory(work.resolve("data"));
        // The cache files as the platform writes them: {code}_{schema}, {code}_{vocab}, upper-case column names.
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + data.resolve(CODE + "_" + SCHEMA));
                Statement s = c.createStatement()) {
            s.execute("create table person (\"PERSON_ID\" bigint, \"YEAR_OF_BIRTH\" integer)");
            s.execute("insert into person values (1, 1971), (2, " + DUCKDB_YEAR + ")");
        }
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + data.resolve(CODE + "_" + VOCAB));
                Statement s = c.createStatement()) {
            s.execute("create table concept (\"CONCEPT_ID\" bigint, \"CONCEPT_NAME\" varchar)");
            s.execute("insert into concept values (8507, 'MALE'), (8532, 'FEMALE')");
        }

        issuer = FakeOpenIdIssuer.start();
        usermgmt = FakeUserManagement.start();
        portal = FakePortal.start();
        usermgmt.researcher(RESEARCHER, DATASET);
        usermgmt.admin(ADMIN);
        portal.dataset(DATASET, CODE, SCHEMA, VOCAB);
        researcherToken = issuer.token(RESEARCHER, "cachedb-scope").compact();
        adminToken = issuer.token(ADMIN, "cachedb-scope").compact();
        Map<String, String> env = Map.of(
                "SERVICE_ROUTES", "{\"idIssuerUrl\": \"" + issuer.url() + "\", \"usermgmt\": \"" + usermgmt.url()
                        + "\", \"portalServer\": \"" + portal.url() + "\"}",
                "IDP__SCOPE", "cachedb-scope",
                // The duckdb dialect's code needs a postgresql entry (its fallback when a file is missing).
                "DATABASE_CREDENTIALS", FakePlatform.postgresqlCredentials(CODE, "127.0.0.1", 5432, DATABASE, READER,
                        "read-pw", WRITER, "write-pw"),
                "DUCKDB__DATA_FOLDER", data.toString(),
                "CACHEDB__PORT", "0",
                "CACHEDB__BIND", "127.0.0.1",
                "CACHEDB__POOL_SIZE", "2");
        cachedb = JarProcess.start(env, List.of(), "cachedb");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!cachedb.output().contains("Stop with Ctrl-C.") && System.nanoTime() < deadline) {
            Thread.sleep(50); // the banner's last line, after which the server prints nothing on its own
        }
    }

    /** SIGTERM ends the server with exit code 0, and nothing it printed holds a token or a password. */
    @AfterAll
    static void stop() throws Exception {
        try {
            if (cachedb != null) {
                try (JarProcess server = cachedb) {
                    assertEquals(0, server.terminate(), () -> "exit code after SIGTERM; output: " + server.output());
                    List<String> output = new ArrayList<>(server.output());
                    for (String secret : List.of(researcherToken, adminToken, "read-pw", "write-pw")) {
                        assertFalse(output.stream().anyMatch(l -> l.contains(secret)), "a secret was logged");
                    }
                }
            }
        } finally {
            for (AutoCloseable c : new AutoCloseable[] {portal, usermgmt, issuer}) {
                if (c != null) {
                    c.close();
                }
            }
            try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", "");
                    Statement s = c.createStatement()) {
                s.execute("drop database if exists " + DATABASE + " with (force)");
                s.execute("drop role if exists " + READER);
                s.execute("drop role if exists " + WRITER);
            }
        }
    }

    private record Run(int exitCode, String output) {}

    private static Run run(Map<String, String> env, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        pb.environment().put("PGCONNECT_TIMEOUT", "60"); // a guard against a hang, not a speed check
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command));
        return new Run(p.exitValue(), out);
    }

    /**
     * Runs a client script once per login: the researcher's token on protocol A, the administrator's on B. Each
     * script prints one "ok:" line per check, two per route at least.
     */
    private static void client(String... command) throws Exception {
        for (List<Case> cases : List.of(PROTOCOL_A, PROTOCOL_B)) {
            List<String> argv = new ArrayList<>(List.of(command));
            argv.add(String.valueOf(cachedb.port));
            argv.add(cases.get(0).user());
            cases.forEach(c -> argv.add(c.argument()));
            Run r = run(Map.of("CACHEDB_TOKEN", cases.get(0).token(), "PYTHONDONTWRITEBYTECODE", "1"),
                    argv.toArray(String[]::new));
            assertEquals(0, r.exitCode(), r.output());
            for (Case c : cases) {
                assertTrue(r.output().lines().filter(l -> l.startsWith("ok: " + c.database() + ":")).count() >= 2,
                        r.output());
            }
        }
    }

    private static String python(String script) {
        return CLIENTS.resolve("python").resolve(script).toString();
    }

    private static Connection login(String token, String database, String params) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "pgjdbc-client");
        p.setProperty("password", token);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + cachedb.port + "/"
                + URLEncoder.encode(database, StandardCharsets.UTF_8) + "?sslmode=disable&" + params, p);
    }

    private static String one(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getString(1);
        }
    }

    @Test
    @Order(1) // first, so that no other test's log lines can arrive while it watches the output
    void pgIsReadyAndABareConnectAnswerWithoutATokenAndLogNothing() throws Exception {
        int before = cachedb.output().size();
        String port = String.valueOf(cachedb.port);
        // The platform's health checks: pg_isready (a made-up user and database, no token) and a bare TCP
        // connect-and-close. Both count as up and log nothing.
        Run ready = run(Map.of(), ClientPrograms.path("pg_isready"), "-h", "127.0.0.1", "-p", port);
        assertEquals(0, ready.exitCode(), ready.output());
        assertTrue(ready.output().contains("accepting connections"), ready.output());
        Run readyRoute = run(Map.of(), ClientPrograms.path("pg_isready"), "-h", "127.0.0.1", "-p", port,
                "-U", "probe", "-d", "A|postgresql|" + DATASET);
        assertEquals(0, readyRoute.exitCode(), readyRoute.output());
        new Socket("127.0.0.1", cachedb.port).close();
        Thread.sleep(500); // let a log line of the probes, if any, reach the output
        assertEquals(List.of(), cachedb.output().subList(before, cachedb.output().size()), "the probes logged");
    }

    @Test
    void psqlWithTheTokenAsPasswordOrAsUserName() throws Exception {
        // psql's own parameter style, :name, is interpolated in scripts (not in -c commands).
        Path script = Files.writeString(work.resolve("person.sql"), "select *, current_setting('cachedb.user_id')"
                + " from cdmdefault.person where person_id = :id;\n");
        for (List<Case> cases : List.of(PROTOCOL_A, PROTOCOL_B)) {
            for (Case c : cases) {
                String target = "host=127.0.0.1 port=" + cachedb.port + " sslmode=disable dbname='" + c.database()
                        + "'";
                // The token as the password (PGPASSWORD), or as the user name with no password at all.
                for (boolean asUser : new boolean[] {false, true}) {
                    Run psql = run(asUser ? Map.of() : Map.of("PGPASSWORD", c.token()), ClientPrograms.path("psql"),
                            "-X", "-w", "-q", "-A", "-t", "-v", "id=2",
                            "-d", target + " user=" + (asUser ? c.token() : "psql-client"), "-f", script.toString());
                    assertEquals(0, psql.exitCode(), psql.output());
                    assertEquals("2|" + c.year() + "|" + c.user() + "\n", psql.output(),
                            c.database() + (asUser ? ", token as user name" : ", token as password"));
                }
            }
        }
    }

    @Test
    void pgjdbcInEveryQueryModeAndTheDuckdbRouteWithoutItsFilesFallsBackToPostgresql() throws Exception {
        List<Case> cases = new ArrayList<>(PROTOCOL_A);
        cases.addAll(PROTOCOL_B);
        cases.add(new Case("B|duckdb|" + CODE + "|" + SCHEMA + "|novocab", PG_YEAR));
        for (String mode : List.of("simple", "extended", "extendedForPrepared", "extendedCacheEverything")) {
            for (Case c : cases) {
                String what = c.database() + ", " + mode;
                try (Connection conn = login(c.token(), c.database(),
                        "preferQueryMode=" + mode + "&prepareThreshold=1");
                        PreparedStatement ps = conn.prepareStatement(
                                "select * from " + SCHEMA + ".person where person_id = ?")) {
                    // Twice: past the prepare threshold the second runs as a named, binary statement.
                    for (int i = 0; i < 2; i++) {
                        ps.setLong(1, 2);
                        try (ResultSet rs = ps.executeQuery()) {
                            assertTrue(rs.next(), what);
                            assertEquals(2L, rs.getLong(1), what);
                            assertEquals(c.year(), rs.getInt(2), what);
                            assertFalse(rs.next(), what);
                        }
                    }
                    assertEquals(c.user(), one(conn, "select current_setting('cachedb.user_id')"), what);
                }
            }
        }
    }

    @Test
    void readLoginsUseTheReadRoleWhichCannotWriteAndWriteLoginsTheAdminUser() throws Exception {
        try (Connection read = login(adminToken, "B|postgresql|" + CODE + "|" + SCHEMA, "");
                Connection write = login(adminToken, "B|postgresql|write|" + CODE + "|" + SCHEMA, "")) {
            assertEquals(READER, one(read, "select current_user"));
            assertEquals(WRITER, one(write, "select current_user"));
            SQLException refused = assertThrows(SQLException.class,
                    () -> one(read, "insert into person values (9, 2000) returning person_id"));
            assertEquals("42501", refused.getSQLState(), refused.getMessage());
            assertEquals("1", one(read, "select count(*) from person where person_id = 1"),
                    "the read session lives on");
            assertEquals("9", one(write, "insert into person values (9, 2000) returning person_id"));
            assertEquals("1", one(read, "select count(*) from person where person_id = 9"), "the write is committed");
            assertEquals("1", one(write, "delete from person where person_id = 9 returning 1"));
            assertEquals(ADMIN, one(write, "select current_setting('cachedb.user_id')"));
        }
        // The same dataset through protocol A: a write login on duckdb is refused, the files being read-only.
        SQLException duckdbWrite = assertThrows(SQLException.class,
                () -> login(adminToken, "A|duckdb|write|" + DATASET, "").close());
        assertEquals("0A000", duckdbWrite.getSQLState(), duckdbWrite.getMessage());
    }

    @Test
    void psycopg2() throws Exception {
        client(PYTHON, python("psycopg2_cachedb.py"));
    }

    @Test
    void psycopg() throws Exception {
        client(PYTHON, python("psycopg_cachedb.py"));
    }

    @Test
    void sqlAlchemyOverPsycopg2() throws Exception {
        client(PYTHON, python("sqlalchemy_cachedb.py"));
    }

    @Test
    void asyncpg() throws Exception {
        client(PYTHON, python("asyncpg_cachedb.py"));
    }

    @Test
    void nodePostgresWithThePlatformsSetSearchPathOnConnect() throws Exception {
        if (!Files.isDirectory(CLIENTS.resolve(Path.of("node", "node_modules", "pg")))) {
            throw new IllegalStateException("run `npm ci` in " + CLIENTS.resolve("node") + " first");
        }
        client("node", CLIENTS.resolve("node/cachedb.js").toString());
    }
}
