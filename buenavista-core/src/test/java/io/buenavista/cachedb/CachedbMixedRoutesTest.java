package io.buenavista.cachedb;

import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.http.FakeOpenIdIssuer;
import io.buenavista.testing.http.FakePortal;
import io.buenavista.testing.http.FakeUserManagement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fifty clients at once on the three kinds of duckdb and postgresql route of one cachedb server: a duckdb file set,
 * the postgresql database of the same code, and a duckdb route without files that falls back to it. Every session
 * answers from the right database, none fails, and when the server closes no backend connection is left behind.
 */
class CachedbMixedRoutesTest {
    private static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&sslmode=disable";
    private static final String SUFFIX = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    private static final String SCHEMA = "bvmix_" + SUFFIX;
    private static final String VOCAB = "bvmixv_" + SUFFIX;
    private static final String CREDENTIALS = """
            [{"tags": ["analytics"], "values": {"code": "shared", "dialect": "postgresql",
              "host": "127.0.0.1", "port": 5432, "databaseName": "test",
              "credentials": {"user": "postgres", "password": "unused-with-trust"}}}]
            """;
    private static final int CLIENTS = 50;
    private static final int SESSIONS_EACH = 6;

    @BeforeAll
    static void createTables() throws SQLException {
        try (Connection c = DriverManager.getConnection(PG_URL); Statement s = c.createStatement()) {
            s.execute("create schema " + SCHEMA);
            s.execute("create table " + SCHEMA + ".person as select g as person_id from generate_series(1, 5) g");
        }
    }

    @AfterAll
    static void dropTables() throws SQLException {
        try (Connection c = DriverManager.getConnection(PG_URL); Statement s = c.createStatement()) {
            s.execute("drop schema if exists " + SCHEMA + " cascade");
        }
    }

    private static void duckDbFile(Path file, int rows) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement s = c.createStatement()) {
            s.execute("create table person as select i + 1 as person_id from range(" + rows + ") r(i)");
        }
    }

    /** The client connections of database test, apart from the one asking. */
    private static int backends(Connection monitor) throws SQLException {
        try (Statement s = monitor.createStatement(); ResultSet rs = s.executeQuery("select count(*) from"
                + " pg_stat_activity where datname = 'test' and backend_type = 'client backend'"
                + " and pid <> pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void fiftyClientsOnMixedRoutesAllAnswerAndNoBackendIsLeftBehind(@TempDir Path data) throws Exception {
        duckDbFile(data.resolve("shared_" + SCHEMA), 3);
        duckDbFile(data.resolve("shared_" + VOCAB), 1);
        // Route and the person count it must see: DuckDB's 3 rows, PostgreSQL's 5 (directly and as the fallback).
        record Case(String database, int persons) {}
        List<Case> cases = List.of(new Case("B|duckdb|shared|" + SCHEMA + "|" + VOCAB, 3),
                new Case("B|postgresql|shared|" + SCHEMA + "|" + VOCAB, 5),
                new Case("B|duckdb|shared|" + SCHEMA + "|nofile_" + SUFFIX, 5));
        try (Connection monitor = DriverManager.getConnection(PG_URL);
                FakeOpenIdIssuer issuer = FakeOpenIdIssuer.start(); FakeUserManagement usermgmt = FakeUserManagement.start();
                FakePortal portal = FakePortal.start()) {
            int before = backends(monitor);
            usermgmt.admin("admin-1");
            String token = issuer.token("admin-1", "scope").compact();
            CachedbServer.Config config = new CachedbServer.Config(
                    CachedbSettings.defaults(new CachedbSettings.ServiceRoutes(issuer.url(), usermgmt.url(),
                            portal.url()), "scope"),
                    DatabaseCredentials.parse(CREDENTIALS), InetAddress.getLoopbackAddress(), 0, Optional.of(data),
                    Optional.empty(), 10);
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            int sessions;
            try (BuenaVistaServer server = CachedbServer.builder(config).maxConnections(CLIENTS + 10).build()
                    .start()) {
                ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
                CountDownLatch go = new CountDownLatch(1);
                for (int i = 0; i < CLIENTS; i++) {
                    int client = i;
                    clients.execute(() -> {
                        try {
                            go.await();
                            for (int n = 0; n < SESSIONS_EACH; n++) {
                                Case c = cases.get((client + n) % cases.size());
                                Properties p = new Properties();
                                p.setProperty("user", "client-" + client);
                                p.setProperty("password", token);
                                String url = "jdbc:postgresql://127.0.0.1:" + server.port() + "/"
                                        + URLEncoder.encode(c.database(), StandardCharsets.UTF_8);
                                try (Connection conn = DriverManager.getConnection(url, p);
                                        PreparedStatement s = conn.prepareStatement(
                                                "select count(*) from " + SCHEMA + ".person where person_id >= ?")) {
                                    s.setInt(1, 1);
                                    try (ResultSet rs = s.executeQuery()) {
                                        rs.next();
                                        if (rs.getInt(1) != c.persons()) {
                                            failures.add(c.database() + ": " + rs.getInt(1) + " persons");
                                        }
                                    }
                                }
                            }
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                    });
                }
                go.countDown();
                clients.shutdown();
                assertTrue(clients.awaitTermination(5, TimeUnit.MINUTES), "the clients finished");
                sessions = CLIENTS * SESSIONS_EACH;
            }
            assertEquals(List.of(), List.copyOf(failures), "every one of " + sessions + " sessions answered");
            // The server closed its pools: their backends end (asynchronously, so wait for them).
            int after = backends(monitor);
            for (int i = 0; i < 100 && after > before; i++) {
                Thread.sleep(100);
                after = backends(monitor);
            }
            assertTrue(after <= before, "backends before " + before + ", after the server closed " + after);
        }
    }
}
