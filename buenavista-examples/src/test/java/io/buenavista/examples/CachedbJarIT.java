package io.buenavista.examples;

import io.buenavista.testing.ClientPrograms;
import io.buenavista.testing.http.FakeOpenIdIssuer;
import io.buenavista.testing.http.FakePortal;
import io.buenavista.testing.http.FakeUserManagement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code buenavista.jar cachedb} as the platform runs it: configured by the environment alone (the fake issuer,
 * user management and portal over real HTTP; a database of the test's own on the shared PostgreSQL), psql logging in
 * with a token to the postgresql route, and pg_isready as the health check.
 */
class CachedbJarIT {
    private static final String PG = "jdbc:postgresql://127.0.0.1:5432/";
    private static final String DATABASE = "bv_pgroute_it_" + UUID.randomUUID().toString().replace("-", "")
            .substring(0, 10);
    private static final Path CLIENTS = Path.of("src", "test", "clients");
    /** Debian's interpreter, which sees the python3-* packages. */
    private static final String PYTHON = System.getProperty("buenavista.python", "/usr/bin/python3");
    private static final UUID DATASET = UUID.fromString("11111111-2222-3333-4444-555555555555");

    @BeforeAll
    static void createDatabase() throws SQLException {
        try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", "");
                Statement s = c.createStatement()) {
            s.execute("create database " + DATABASE);
        }
        try (Connection c = DriverManager.getConnection(PG + DATABASE, "postgres", "");
                Statement s = c.createStatement()) {
            s.execute("create schema cdmdefault");
            s.execute("create table cdmdefault.person (person_id bigint primary key, year_of_birth integer)");
            s.execute("insert into cdmdefault.person values (1, 1970), (2, 1985)");
        }
    }

    @AfterAll
    static void dropDatabase() throws SQLException {
        try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", "");
                Statement s = c.createStatement()) {
            s.execute("drop database if exists " + DATABASE + " with (force)");
        }
    }

    private record Run(int exitCode, String output) {}

    private static Run run(Map<String, String> env, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        pb.environment().put("PGCONNECT_TIMEOUT", "10");
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command));
        return new Run(p.exitValue(), out);
    }

    @Test
    void psqlWithATokenOnThePostgresqlRouteAndPgIsReadyWithoutOneThenSigtermStopsCleanly() throws Exception {
        try (FakeOpenIdIssuer issuer = FakeOpenIdIssuer.start(); FakeUserManagement usermgmt = FakeUserManagement.start();
                FakePortal portal = FakePortal.start()) {
            usermgmt.researcher("researcher-1", DATASET);
            portal.dataset(DATASET, "alpdev_pg", "cdmdefault", null);
            Map<String, String> env = Map.of(
                    "SERVICE_ROUTES", "{\"idIssuerUrl\": \"" + issuer.url() + "\", \"usermgmt\": \"" + usermgmt.url()
                            + "\", \"portalServer\": \"" + portal.url() + "\"}",
                    "IDP__SCOPE", "cachedb-scope",
                    "DATABASE_CREDENTIALS", "[{\"type\": \"postgresql\", \"tags\": [\"analytics\"], \"values\": {"
                            + "\"code\": \"alpdev_pg\", \"dialect\": \"postgresql\", \"host\": \"127.0.0.1\","
                            + " \"port\": 5432, \"databaseName\": \"" + DATABASE + "\", \"credentials\": {\"user\":"
                            + " \"postgres\", \"password\": \"unused-with-trust\"}}}]",
                    "CACHEDB__PORT", "0",
                    "CACHEDB__BIND", "127.0.0.1",
                    "CACHEDB__POOL_SIZE", "2");
            try (JarProcess cachedb = JarProcess.start(env, List.of(), "cachedb")) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!cachedb.output().contains("Stop with Ctrl-C.") && System.nanoTime() < deadline) {
                    Thread.sleep(50); // the banner's last line, after which the server prints nothing on its own
                }
                int startupLines = cachedb.output().size();
                String port = String.valueOf(cachedb.port);

                // The platform's health checks: pg_isready (a made-up user and database, no token) and a bare
                // TCP connect-and-close. Both count as up and log nothing.
                Run ready = run(Map.of(), ClientPrograms.path("pg_isready"), "-h", "127.0.0.1", "-p", port);
                assertEquals(0, ready.exitCode(), ready.output());
                assertTrue(ready.output().contains("accepting connections"), ready.output());
                Run readyRoute = run(Map.of(), ClientPrograms.path("pg_isready"), "-h", "127.0.0.1", "-p", port,
                        "-U", "probe", "-d", "A|postgresql|" + DATASET);
                assertEquals(0, readyRoute.exitCode(), readyRoute.output());
                new Socket("127.0.0.1", cachedb.port).close();
                Thread.sleep(500); // let a log line of the probes, if any, reach the output
                assertEquals(List.of(), cachedb.output().subList(startupLines, cachedb.output().size()),
                        "the probes logged");

                String token = issuer.token("researcher-1", "cachedb-scope").compact();
                Run psql = run(Map.of("PGPASSWORD", token), ClientPrograms.path("psql"), "-X", "-w", "-q", "-A",
                        "-t", "-d", "host=127.0.0.1 port=" + port + " sslmode=disable user=researcher dbname='A|"
                                + "postgresql|" + DATASET + "'",
                        "-c", "select year_of_birth, current_setting('cachedb.user_id'), current_database()"
                                + " from person where person_id = 2");
                assertEquals(0, psql.exitCode(), psql.output());
                assertEquals("1985|researcher-1|" + DATABASE + "\n", psql.output());

                // The platform's own clients: node-postgres (SET search_path on connect, then unqualified tables)
                // and psycopg2, each with the token as the password.
                String database = "A|postgresql|" + DATASET;
                if (!Files.isDirectory(CLIENTS.resolve(Path.of("node", "node_modules", "pg")))) {
                    throw new IllegalStateException("run `npm ci` in " + CLIENTS.resolve("node") + " first");
                }
                Run node = run(Map.of("CACHEDB_TOKEN", token), "node", CLIENTS.resolve("node/cachedb.js").toString(),
                        port, database, "researcher-1");
                assertEquals(0, node.exitCode(), node.output());
                assertTrue(node.output().contains("ok: unqualified person after SET search_path"), node.output());
                Run psycopg2 = run(Map.of("CACHEDB_TOKEN", token), PYTHON,
                        CLIENTS.resolve("python/psycopg2_cachedb.py").toString(), port, database, "researcher-1");
                assertEquals(0, psycopg2.exitCode(), psycopg2.output());
                assertTrue(psycopg2.output().contains("ok: schema-qualified person by parameter"), psycopg2.output());

                assertEquals(0, cachedb.terminate(), () -> "exit code after SIGTERM; output: " + cachedb.output());
                List<String> output = new ArrayList<>(cachedb.output());
                assertFalse(output.stream().anyMatch(l -> l.contains(token)), "the token was logged");
                assertFalse(output.stream().anyMatch(l -> l.contains("unused-with-trust")), "a password was logged");
            }
        }
    }
}
