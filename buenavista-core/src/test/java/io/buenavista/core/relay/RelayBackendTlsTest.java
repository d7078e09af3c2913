package io.buenavista.core.relay;

import io.buenavista.api.Authenticator;
import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.BackendMessage;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.WireClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS between the relay and its backend, as {@code sslmode} in the backend URL asks: a private cluster with a
 * certificate for {@code localhost} signed by the test's own authority, and a user the cluster lets in over TLS
 * only. Verification failures and a backend without TLS end the client's login with a clean FATAL 08006.
 */
class RelayBackendTlsTest {
    private static final String SUPERUSER_PASSWORD = "su-Secret-2";
    private static final String TLS_USER_PASSWORD = "tls-Only-pw";
    private static PrivateCluster cluster;
    @TempDir
    static Path certificates;
    private static Path rootCert;
    private static Path otherRootCert;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = PrivateCluster.start(SUPERUSER_PASSWORD, List.of(
                "hostssl all tlsonly 127.0.0.1/32 scram-sha-256",
                "hostnossl all tlsonly 127.0.0.1/32 reject"));
        Files.createDirectories(certificates.resolve("ours"));
        Files.createDirectories(certificates.resolve("other"));
        TestCertificates ours = TestCertificates.generate(certificates.resolve("ours"), "dns:localhost");
        TestCertificates other = TestCertificates.generate(certificates.resolve("other"), "dns:localhost");
        rootCert = Files.writeString(certificates.resolve("root.pem"), ours.caPem());
        otherRootCert = Files.writeString(certificates.resolve("other-root.pem"), other.caPem());
        Path cert = cluster.writePrivateFile("server.crt", ours.serverPem());
        Path key = cluster.writePrivateFile("server.key", ours.serverKeyPem());
        superuser("create role tlsonly login password '" + TLS_USER_PASSWORD + "'");
        superuser("alter system set ssl_cert_file = '" + cert + "'");
        superuser("alter system set ssl_key_file = '" + key + "'");
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private static void superuser(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(cluster.jdbcUrl("postgres", SUPERUSER_PASSWORD));
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Turns the backend's TLS on or off (a reload suffices) and waits until new connections see it. */
    private static void backendTls(boolean on) throws Exception {
        superuser("alter system set ssl = " + on);
        superuser("select pg_reload_conf()");
        for (int i = 0; i < 500; i++) {
            try (Connection c = DriverManager.getConnection(cluster.jdbcUrl("postgres", SUPERUSER_PASSWORD));
                    Statement s = c.createStatement(); ResultSet rs = s.executeQuery("show ssl")) {
                rs.next();
                if (rs.getString(1).equals(on ? "on" : "off")) {
                    return;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the backend did not turn ssl " + (on ? "on" : "off") + "; see its log: "
                + Files.readString(cluster.dir.resolve("log")));
    }

    /** A relay to the private cluster, as the {@code proxy} command builds it from a URL. */
    private int proxy(String url, String user, String password) {
        RelayHandler handler = new RelayHandler(Backend.parse(url, user, password),
                RelayConfig.defaults().withPoolSize(2).withPoolWait(Duration.ofSeconds(5)));
        BuenaVistaServer server = BuenaVistaServer.builder().port(0).discoverProviders(false).handler(handler)
                .authenticator(Authenticator.trust()).build().start();
        toClose.add(server);
        return server.port();
    }

    private static String url(String host, String params) {
        return "postgresql://" + host + ":" + cluster.port + "/postgres?" + params;
    }

    /** Whether the backend connection serving this relayed client is encrypted, as the backend sees it. */
    private String backendSsl(int port) {
        WireClient c = WireClient.connect("127.0.0.1", port).setReadTimeout(Duration.ofSeconds(20));
        toClose.add(c);
        c.login("anyone", "anydb");
        return c.simpleQuery("select ssl from pg_stat_ssl where pid = pg_backend_pid()").stream()
                .filter(BackendMessage.DataRow.class::isInstance)
                .map(m -> ((BackendMessage.DataRow) m).text(0)).findFirst().orElseThrow();
    }

    /** A login through the relay that fails: FATAL 08006 before anything else, then the connection closes. */
    private static ErrorResponse refusedLogin(int port) {
        try (WireClient c = WireClient.connect("127.0.0.1", port).setReadTimeout(Duration.ofSeconds(20))) {
            c.startup(Map.of("user", "anyone", "database", "anydb"));
            ErrorResponse e = c.expect(ErrorResponse.class);
            assertEquals("08006", e.sqlState(), e.toString());
            assertEquals("FATAL", e.severity());
            c.expectClosed();
            return e;
        }
    }

    @Test
    void everyModeThatAsksForTlsGetsItAndVerifiesWhatItShould() throws Exception {
        backendTls(true);
        assertEquals("t", backendSsl(proxy(url("127.0.0.1", "sslmode=require"), "tlsonly", TLS_USER_PASSWORD)));
        assertEquals("t", backendSsl(proxy(url("127.0.0.1", "sslmode=prefer"), "tlsonly", TLS_USER_PASSWORD)));
        assertEquals("t", backendSsl(proxy(url("127.0.0.1", "sslmode=verify-ca&sslrootcert=" + rootCert),
                "tlsonly", TLS_USER_PASSWORD)));
        int verified = proxy("jdbc:" + url("localhost", "sslmode=verify-full&sslrootcert=" + rootCert), "tlsonly",
                TLS_USER_PASSWORD);
        assertEquals("t", backendSsl(verified));

        // Rows stream through the TLS leg as through plain TCP (pgjdbc, fetch size, binary after a few runs).
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + verified
                + "/x?user=anyone&sslmode=disable")) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setFetchSize(5000);
                long rows = 0;
                long sum = 0;
                try (ResultSet rs = s.executeQuery("select g, md5(g::text) from generate_series(1, 200000) g")) {
                    while (rs.next()) {
                        rows++;
                        sum += rs.getLong(1);
                        assertEquals(32, rs.getString(2).length());
                    }
                }
                assertEquals(200000, rows);
                assertEquals(200000L * 200001 / 2, sum);
            }
            c.commit();
        }

        // The backend refuses this user without TLS: its own words reach the client.
        ErrorResponse plain = refusedLogin(proxy(url("127.0.0.1", "sslmode=disable"), "tlsonly", TLS_USER_PASSWORD));
        assertTrue(plain.message().contains("no encryption"), plain.message());
    }

    @Test
    void verifyFullRefusesAnotherAuthorityOrAnotherHostName() throws Exception {
        backendTls(true);
        // The certificate names localhost; 127.0.0.1 is the same server but not the name it was issued for.
        ErrorResponse wrongName = refusedLogin(proxy(url("127.0.0.1", "sslmode=verify-full&sslrootcert=" + rootCert),
                "tlsonly", TLS_USER_PASSWORD));
        assertTrue(wrongName.message().startsWith("TLS with the backend server 127.0.0.1:" + cluster.port),
                wrongName.message());
        assertTrue(wrongName.message().contains("127.0.0.1 found"), wrongName.message());

        for (String mode : List.of("verify-full", "verify-ca", "require")) {
            ErrorResponse wrongAuthority = refusedLogin(proxy(url("localhost", "sslmode=" + mode + "&sslrootcert="
                    + otherRootCert), "tlsonly", TLS_USER_PASSWORD));
            assertTrue(wrongAuthority.message().startsWith("TLS with the backend server localhost:" + cluster.port),
                    wrongAuthority.message());
            assertFalse(wrongAuthority.toString().contains(TLS_USER_PASSWORD));
        }
    }

    @Test
    void aBackendWithoutTlsIsRefusedWhenTlsIsRequiredAndUsedPlainWhenPreferred() throws Exception {
        backendTls(false);
        assertEquals("f", backendSsl(proxy(url("127.0.0.1", "sslmode=prefer"), "postgres", SUPERUSER_PASSWORD)));
        for (String mode : List.of("require", "verify-full&sslrootcert=" + rootCert)) {
            ErrorResponse e = refusedLogin(proxy(url("localhost", "sslmode=" + mode), "postgres", SUPERUSER_PASSWORD));
            assertEquals("could not connect to the backend server localhost:" + cluster.port
                    + ": server does not support SSL, but SSL was required", e.message());
        }
    }

    @Test
    void urlParametersOtherThanTheTlsOnesAreRefused() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Backend.parse("postgresql://h/db?sslmode=require&connect_timeout=3", "u", null));
        assertTrue(unknown.getMessage().contains("connect_timeout"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Backend.parse("postgresql://h/db?sslmode=allow", "u", null));
        assertThrows(IllegalArgumentException.class,
                () -> Backend.parse("postgresql://h/db?sslrootcert=/no/such/file.pem", "u", null));
        Backend b = Backend.parse("jdbc:postgresql://h:6543/db?sslmode=verify-full", "u", null);
        assertEquals(Backend.SslMode.VERIFY_FULL, b.sslMode());
        assertEquals("postgresql://u@h:6543/db?sslmode=verify-full", b.toString());
        assertEquals(Backend.SslMode.DISABLE, Backend.parse("postgresql://h/db", "u", null).sslMode());
    }
}
