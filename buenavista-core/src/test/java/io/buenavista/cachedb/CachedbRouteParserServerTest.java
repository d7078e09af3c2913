package io.buenavista.cachedb;

import io.buenavista.api.QueryHandler;
import io.buenavista.api.QuerySession;
import io.buenavista.api.Route;
import io.buenavista.api.SessionContext;
import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.ClientPrograms;
import io.buenavista.testing.TestHandler;
import io.buenavista.testing.WireClient;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

import java.io.File;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cachedb parser in a real server, found by discovery under its name: malformed database strings end the
 * connection with FATAL 3D000 before any credential is asked for, as pgjdbc, psql and the raw client see it; a
 * well-formed one reaches its dialect's handler with the parsed route.
 */
class CachedbRouteParserServerTest {
    private static final String JWT = "eyJhbGciOiJFUzM4NCIsImtpZCI6ImsxIn0.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz";

    /** Records the routes it opens sessions on and serves them with the test handler. */
    private static final class RecordingHandler implements QueryHandler {
        private final String name;
        private final TestHandler inner = new TestHandler();
        final List<Route> routes = new CopyOnWriteArrayList<>();

        RecordingHandler(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public QuerySession open(SessionContext context) {
            routes.add(context.route());
            return inner.open(context);
        }
    }

    private final RecordingHandler postgresql = new RecordingHandler("cachedb-postgresql");

    private BuenaVistaServer start() {
        return BuenaVistaServer.builder().port(0).discoverProviders(true).parserName("cachedb")
                .handler(postgresql).build().start();
    }

    private static String url(BuenaVistaServer server, String database) {
        return "jdbc:postgresql://127.0.0.1:" + server.port() + "/" + URLEncoder.encode(database, StandardCharsets.UTF_8)
                + "?user=tester&sslmode=disable";
    }

    @Test
    void pgjdbcGetsFatal3D000WithTheExpectedFormat() throws Exception {
        try (BuenaVistaServer server = start()) {
            for (String database : List.of("B|postgresql|code;drop", "C|duckdb|x", "A|mysql|" + UUID.randomUUID(),
                    "A|duckdb", "B|duckdb|code", "B|duckdb|../../etc|x|y", "B|postgresql|code|s|v|extra",
                    "B|postgresql|" + "a".repeat(64))) {
                PSQLException e = assertThrows(PSQLException.class, () -> DriverManager.getConnection(url(server,
                        database)).close(), database);
                assertEquals("3D000", e.getSQLState(), database);
                assertEquals("FATAL", e.getServerErrorMessage().getSeverity(), database);
                assertTrue(e.getServerErrorMessage().getMessage().contains(CachedbRouteParser.EXPECTED_FORMAT),
                        e.getServerErrorMessage().getMessage());
            }
            assertEquals(List.of(), postgresql.routes);
        }
    }

    @Test
    void aWellFormedStringReachesItsDialectsHandler() throws Exception {
        try (BuenaVistaServer server = start();
                Connection c = DriverManager.getConnection(url(server, "B|postgresql|write|alpdev_pg|cdm"));
                ResultSet rs = c.createStatement().executeQuery("rows 1")) {
            assertTrue(rs.next());
            assertEquals(List.of(new DatabaseRoute(Dialect.POSTGRESQL, ConnectionType.WRITE, "alpdev_pg",
                    Optional.of("cdm"), Optional.empty(), Optional.empty())), postgresql.routes);
        }
    }

    @Test
    void theRawClientSeesTheErrorBeforeAnyAuthenticationRequest() {
        try (BuenaVistaServer server = start(); WireClient c = WireClient.connect("127.0.0.1", server.port())) {
            c.startup(Map.of("user", JWT, "database", "B|postgresql|code;drop"));
            ErrorResponse e = c.expectError("3D000");
            assertEquals("FATAL", e.severity());
            assertEquals("invalid database name \"B|postgresql|code;drop\": \"code;drop\" is not an identifier "
                    + "([A-Za-z_][A-Za-z0-9_]*, at most 63 characters); " + CachedbRouteParser.EXPECTED_FORMAT,
                    e.message());
            c.expectClosed();
        }
        try (BuenaVistaServer server = start(); WireClient c = WireClient.connect("127.0.0.1", server.port())) {
            c.startup(Map.of("user", JWT));
            ErrorResponse e = c.expectError("3D000");
            assertEquals("no database name given; " + CachedbRouteParser.EXPECTED_FORMAT, e.message());
            c.expectClosed();
        }
    }

    @Test
    void psqlShowsTheFatalMessageAndNeverTheToken() throws Exception {
        try (BuenaVistaServer server = start()) {
            String base = "host=127.0.0.1 port=" + server.port() + " sslmode=disable ";
            Result malformed = psql(base + "user=tester dbname='B|duckdb|../../etc|x|y'");
            assertEquals(2, malformed.exitCode, malformed.toString());
            assertTrue(malformed.stderr.contains("FATAL:  invalid database name \"B|duckdb|../../etc|x|y\": "
                    + "\"../../etc\" is not an identifier"), malformed.toString());
            assertTrue(malformed.stderr.contains(CachedbRouteParser.EXPECTED_FORMAT), malformed.toString());

            // No dbname: libpq sends the user name, here the token, as the database; it is not echoed.
            Result token = psql(base + "user=" + JWT);
            assertEquals(2, token.exitCode, token.toString());
            assertTrue(token.stderr.contains("FATAL:  invalid database name (not shown: it looks like a token)"),
                    token.toString());
            assertFalse(token.stderr.contains("eyJ"), token.toString());
            assertEquals(List.of(), postgresql.routes);
        }
    }

    @Test
    void aDiscoveredParserRoutesOnlyWhenNamed() throws Exception {
        // The bundled cachedb parser is on the class path, but a server that does not name it keeps routing every
        // connection to its one handler.
        try (BuenaVistaServer server = BuenaVistaServer.builder().port(0).discoverProviders(true)
                .handler(postgresql).build().start();
                Connection c = DriverManager.getConnection(url(server, "plain_db"));
                ResultSet rs = c.createStatement().executeQuery("rows 1")) {
            assertTrue(rs.next());
            assertEquals("plain_db", postgresql.routes.get(0).database());
            assertFalse(postgresql.routes.get(0) instanceof CachedbRoute);
        }
    }

    private record Result(int exitCode, String stdout, String stderr) {}

    private static Result psql(String conninfo) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(ClientPrograms.path("psql"), "-X", "-w", "-d", conninfo, "-c",
                "select 1");
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        pb.environment().put("PGCONNECT_TIMEOUT", "10");
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Path out = Files.createTempFile("psql", ".out");
        Path err = Files.createTempFile("psql", ".err");
        try {
            pb.redirectOutput(out.toFile());
            pb.redirectError(err.toFile());
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor();
                throw new AssertionError("psql did not finish");
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
