package io.buenavista.examples;

import io.buenavista.testing.BackendMessage;
import io.buenavista.testing.Frontend;
import io.buenavista.testing.TestCertificate;
import io.buenavista.testing.WireClient;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's main job: the {@code duckdb} subcommand serving psql, pgjdbc and pgbench. */
class DuckDbJarIT {

    record Result(int exitCode, String stdout, String stderr) {}

    static Result run(List<String> command, Path dir) throws IOException, InterruptedException {
        Path out = dir.resolve("out-" + System.nanoTime());
        Path err = dir.resolve("err-" + System.nanoTime());
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("PGPASSWORD");
        pb.environment().put("PGCONNECT_TIMEOUT", "10");
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + command);
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    static List<String> psql(int port, String... args) {
        List<String> c = new ArrayList<>(List.of("psql", "-X", "-q", "-A", "-t", "-h", "127.0.0.1", "-p",
                Integer.toString(port), "-U", "someone", "-d", "anydb"));
        c.addAll(List.of(args));
        return c;
    }

    @Test
    void fileDatabaseServesPsqlAndPgjdbcAndSurvivesARestart(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("data.duckdb");
        try (JarProcess server = JarProcess.start(List.of(), "duckdb", db.toString(), "--port", "0")) {
            Result r = run(psql(server.port, "-v", "ON_ERROR_STOP=1", "-c",
                    "create table t(a int, b text); insert into t values (1, 'x'), (2, 'y'); select sum(a) from t"),
                    dir);
            assertEquals(0, r.exitCode(), r.stderr());
            assertEquals("3", r.stdout().trim());

            Result bad = run(psql(server.port, "-c", "select * from no_such_table"), dir);
            assertEquals(1, bad.exitCode());
            assertTrue(bad.stderr().contains("ERROR:"), bad.stderr());

            try (Connection c = DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:" + server.port + "/x?user=y&sslmode=disable");
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select b from t order by a")) {
                assertTrue(rs.next());
                assertEquals("x", rs.getString(1));
            }
            assertEquals(0, server.terminate(), "SIGTERM ends the JVM with 0 after the graceful shutdown");
        }
        try (JarProcess server = JarProcess.start(List.of(), "duckdb", db.toString(), "--read-only", "--port", "0")) {
            Result r = run(psql(server.port, "-c", "select count(*) from t"), dir);
            assertEquals(0, r.exitCode(), r.stderr());
            assertEquals("2", r.stdout().trim());
            server.terminate();
        }
    }

    /**
     * {@code --tls-cert}/{@code --tls-key}: psql with {@code sslmode=verify-full} trusting only that certificate
     * gets an encrypted session; a client that does not ask for TLS still connects, as with PostgreSQL's
     * {@code ssl = on}.
     */
    @Test
    void psqlVerifiesTheServersCertificate(@TempDir Path dir) throws Exception {
        TestCertificate cert = TestCertificate.selfSigned(dir, "RSA");
        try (JarProcess server = JarProcess.start(List.of(), "duckdb", "--port", "0", "--tls-cert",
                cert.certificate().toString(), "--tls-key", cert.privateKey().toString())) {
            Result r = run(List.of("psql", "-X", "-A", "-t", "-c", "select 42", "-c", "\\conninfo",
                    "host=localhost port=" + server.port + " user=someone dbname=anydb sslmode=verify-full sslrootcert="
                            + cert.certificate()), dir);
            assertEquals(0, r.exitCode(), r.stderr());
            assertTrue(r.stdout().startsWith("42\n"), r.stdout());
            assertTrue(r.stdout().contains("SSL connection (protocol: TLSv1."), r.stdout());
            Result plain = run(List.of("psql", "-X", "-A", "-t", "-c", "select 43", "host=127.0.0.1 port="
                    + server.port + " user=someone dbname=anydb sslmode=disable"), dir);
            assertEquals(0, plain.exitCode(), plain.stderr());
            assertEquals("43", plain.stdout().trim());
            server.terminate();
        }
    }

    /**
     * SIGTERM while one client reads a big result slowly and another waits for a long query: after the grace
     * period each reads FATAL 57P01 (behind the rows already sent), as PostgreSQL's backends send on shutdown, and
     * the process exits with 0 as {@code --help} promises.
     */
    @Test
    void sigtermEndsAStreamAndARunningQueryWithFatal57P01AndExitsWithZero(@TempDir Path dir) throws Exception {
        try (JarProcess server = JarProcess.start(List.of(), "duckdb", dir.resolve("db.duckdb").toString(),
                "--port", "0");
                WireClient streaming = WireClient.connect("127.0.0.1", server.port);
                WireClient running = WireClient.connect("127.0.0.1", server.port)) {
            for (WireClient c : List.of(streaming, running)) {
                c.setReadTimeout(Duration.ofSeconds(60));
                c.login("someone", "anydb");
            }
            streaming.send(Frontend.query("SELECT i, repeat('x', 20) FROM range(1000000000000) t(i)"));
            streaming.expect(BackendMessage.RowDescription.class);
            streaming.readRowsFor(Duration.ofMillis(500), 1_600, Duration.ofMillis(20));
            running.send(Frontend.query("SELECT count(*) FROM range(1000000000000) t(i) WHERE i % 7 = 3"));
            server.process.destroy(); // SIGTERM
            streaming.skipRows(1_600, Duration.ofMillis(20), Duration.ofSeconds(60));
            for (WireClient c : List.of(streaming, running)) {
                BackendMessage.ErrorResponse e = c.expectError("57P01");
                assertEquals("FATAL", e.severity());
                assertEquals("terminating connection due to administrator command", e.field('M'));
                c.expectClosed();
            }
            assertEquals(0, server.terminate(), () -> "exit code after SIGTERM; output: " + server.output());
        }
    }

    /** The original cachedb's test file, from the shared fixtures beside the repository. */
    static Path cachedbFixture() {
        Path p = Path.of("..", "..", "shared", "fixtures", "d2e-cachedb", "testdbcode_testschema");
        Assumptions.assumeTrue(Files.isRegularFile(p), "shared fixtures not present beside the repository: " + p);
        return p.toAbsolutePath();
    }

    @Test
    void attachedCachedbFileIsReadableButClientSqlCannotTouchFiles(@TempDir Path dir) throws Exception {
        Path fixture = cachedbFixture();
        try (JarProcess server = JarProcess.start(List.of(), "duckdb", "--attach", "testschema=" + fixture,
                "--port", "0");
             Connection c = DriverManager.getConnection(
                     "jdbc:postgresql://127.0.0.1:" + server.port + "/x?user=y&sslmode=disable")) {
            try (java.sql.PreparedStatement ps = c.prepareStatement(
                    "SELECT * FROM testschema.person WHERE person_id = ?")) {
                ps.setInt(1, 1);
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next(), "person 1 exists");
                    assertEquals(1, rs.getLong("person_id"));
                    assertEquals(18, rs.getMetaData().getColumnCount());
                    assertFalse(rs.next());
                }
            }
            SQLException denied = assertThrows(SQLException.class,
                    () -> c.createStatement().executeQuery("SELECT * FROM read_csv('/etc/passwd')"));
            assertEquals("42501", denied.getSQLState(), denied.getMessage());
            SQLException readOnly = assertThrows(SQLException.class,
                    () -> c.createStatement().execute("DELETE FROM testschema.person"));
            assertEquals("25006", readOnly.getSQLState(), readOnly.getMessage());
            server.terminate();
        }
    }

    /**
     * psql cannot undo the lock-down: an attached file stays read-only and byte-for-byte unchanged, a global
     * setting is refused while another session keeps its own; {@code --allow-global-changes} lets them through.
     */
    @Test
    void psqlCannotUndoTheLockDownUnlessTheServerAllowsIt(@TempDir Path dir) throws Exception {
        Path other = dir.resolve("other.duckdb");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + other); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE person AS SELECT 1 AS person_id");
        }
        byte[] before = Files.readAllBytes(other);
        try (JarProcess server = JarProcess.start(List.of(), "duckdb", dir.resolve("main.duckdb").toString(),
                "--attach", "other=" + other, "--port", "0")) {
            for (String sql : List.of("DETACH other", "ATTACH '" + other + "' AS rw (READ_WRITE)",
                    "SET memory_limit = '50GB'", "SET threads = 300", "SET default_order = 'DESC'",
                    "SET lock_configuration = true", "PRAGMA enable_profiling", "SELECT path FROM duckdb_databases()")) {
                Result r = run(psql(server.port, "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose", "-c", sql),
                        dir);
                assertEquals(1, r.exitCode(), sql + ": " + r.stdout());
                assertTrue(r.stderr().contains("ERROR:  42501: permission denied"), sql + ": " + r.stderr());
            }
            Result r = run(psql(server.port, "-v", "ON_ERROR_STOP=1", "-c",
                    "SELECT count(*) FROM other.person", "-c", "SELECT current_setting('default_order')"), dir);
            assertEquals(0, r.exitCode(), r.stderr());
            assertEquals("1\nASCENDING", r.stdout().trim());
            server.terminate();
        }
        assertArrayEquals(before, Files.readAllBytes(other));
        try (JarProcess server = JarProcess.start(List.of(), "duckdb", "--allow-global-changes", "--port", "0")) {
            Result r = run(psql(server.port, "-v", "ON_ERROR_STOP=1", "-c", "SET threads = 3",
                    "-c", "SELECT current_setting('threads')"), dir);
            assertEquals(0, r.exitCode(), r.stderr());
            assertEquals("3", r.stdout().trim());
            server.terminate();
        }
    }

    @Test
    void pgbenchInEveryQueryMode(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("bench.sql");
        Files.writeString(script, "\\set n random(1, 100)\nselect count(*) from range(:n);\n");
        try (JarProcess server = JarProcess.start(List.of(), "duckdb", "--port", "0")) {
            for (String mode : List.of("simple", "extended", "prepared")) {
                Result r = run(List.of("pgbench", "-n", "-h", "127.0.0.1", "-p", Integer.toString(server.port),
                        "-U", "bench", "-M", mode, "-f", script.toString(), "-c", "2", "-t", "50", "bench"), dir);
                assertEquals(0, r.exitCode(), mode + ": " + r.stdout() + r.stderr());
                assertTrue(r.stdout().contains("number of transactions actually processed: 100/100"),
                        mode + ": " + r.stdout());
            }
            server.terminate();
        }
    }
}
