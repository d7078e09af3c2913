package io.buenavista.core.relay;

import io.buenavista.api.Authenticator;
import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.WireClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.buenavista.testing.Frontend.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A client that negotiated TLS with Buena Vista is relayed like any other: the frames go through the TLS socket. */
class RelayTlsTest {
    private static final char[] STORE_PASSWORD = "changeit".toCharArray();

    @Test
    void pgjdbcAndARawClientOverTls(@TempDir Path dir) throws Exception {
        Path keystore = dir.resolve("server.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", new String(STORE_PASSWORD), "-keypass", new String(STORE_PASSWORD))
                .redirectErrorStream(true).redirectOutput(dir.resolve("keytool.log").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("keytool.log")));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, STORE_PASSWORD);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, STORE_PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);

        RelayHandler handler = new RelayHandler(new Backend("127.0.0.1", 5432, "test", "postgres", null),
                RelayConfig.defaults().withPoolSize(1));
        try (BuenaVistaServer server = BuenaVistaServer.builder().port(0).discoverProviders(false).handler(handler)
                .authenticator(Authenticator.trust()).sslContext(context).build().start()) {
            // A plain client's session runs on a relay loop, which leaves the backend's socket non-blocking when it
            // gives it back; the TLS client below, with the same startup, takes it with nothing to set, and its
            // relay threads read and write it as blocking streams.
            try (WireClient w = WireClient.connect("127.0.0.1", server.port())) {
                w.setReadTimeout(Duration.ofSeconds(20));
                w.login("postgres", "test");
                selectThenTerminate(w, "plain");
            }
            rawClientOverTls(server.port());
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port()
                    + "/x?user=postgres&sslmode=require&sslfactory=org.postgresql.ssl.NonValidatingFactory")) {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.setFetchSize(5000);
                    long rows = 0;
                    try (ResultSet rs = s.executeQuery("select g, md5(g::text), (select ssl from pg_stat_ssl where pid = pg_backend_pid())"
                            + " from generate_series(1, 100000) g")) {
                        while (rs.next()) {
                            rows++;
                            // No sslmode in the backend URL: the backend leg is plain TCP (RelayBackendTlsTest covers TLS there).
                            assertTrue(!rs.getBoolean(3));
                        }
                    }
                    assertEquals(100000, rows);
                }
                c.commit();
            }
            rawClientOverTls(server.port());
        }
    }

    private static void rawClientOverTls(int port) throws Exception {
        try (WireClient w = WireClient.connect("127.0.0.1", port)) {
            w.setReadTimeout(Duration.ofSeconds(20));
            assertEquals('S', w.sslRequest());
            w.startTls(trustingAnything().getSocketFactory());
            w.login("postgres", "test");
            w.setFragmentation(1, 5, 3);
            selectThenTerminate(w, "over tls");
        }
    }

    private static void selectThenTerminate(WireClient w, String text) {
        w.send(query("select '" + text + "' as t"));
        w.expectRowDescription("t");
        w.expectDataRow(text);
        w.expectCommandComplete("SELECT 1");
        w.expectReadyForQuery('I');
        w.send(io.buenavista.testing.Frontend.terminate());
    }

    private static SSLContext trustingAnything() throws Exception {
        javax.net.ssl.TrustManager trustAll = new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        };
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, new javax.net.ssl.TrustManager[] {trustAll}, null);
        return c;
    }
}
