package io.buenavista.core.server;

import io.buenavista.api.AuthExchange;
import io.buenavista.api.Authenticator;
import io.buenavista.api.Principal;
import io.buenavista.api.QueryHandler;
import io.buenavista.api.QuerySession;
import io.buenavista.api.Route;
import io.buenavista.api.SessionContext;
import io.buenavista.api.StartupRequest;
import io.buenavista.core.auth.ScramSecrets;
import io.buenavista.testing.Frontend;
import io.buenavista.testing.FrontendMessage;
import io.buenavista.testing.TestHandler;
import io.buenavista.testing.WireClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS after SSLRequest, with a self-signed certificate made by keytool at test time: WireClient, pgjdbc and psql
 * connect encrypted, the handler sees {@code tls = true}, and plaintext smuggled in behind the SSLRequest is refused.
 */
class TlsTest {
    private static final char[] STORE_PASSWORD = "changeit".toCharArray();
    private static final String USER = "tester";
    private static final String PASSWORD = "tls-and-scram";

    @TempDir
    static Path dir;
    static SSLContext serverContext;
    static SSLContext clientContext;
    static final List<Boolean> sessionsTls = new CopyOnWriteArrayList<>();
    static BuenaVistaServer server;

    @BeforeAll
    static void start() throws Exception {
        Path keystore = dir.resolve("server.p12");
        generateSelfSigned(keystore);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, STORE_PASSWORD);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, STORE_PASSWORD);
        serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);

        // The client trusts exactly this certificate.
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", ks.getCertificate("server"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, tmf.getTrustManagers(), null);

        server = TestServers.builder(new TlsObservingHandler(new TestHandler())).sslContext(serverContext).build()
                .start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static void generateSelfSigned(Path keystore) throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", new String(STORE_PASSWORD), "-keypass", new String(STORE_PASSWORD))
                .redirectErrorStream(true).redirectOutput(dir.resolve("keytool.log").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "keytool did not finish");
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("keytool.log")));
    }

    /** Records, for every session opened, whether its startup request says TLS. */
    private static final class TlsObservingHandler implements QueryHandler {
        private final QueryHandler delegate;

        TlsObservingHandler(QueryHandler delegate) {
            this.delegate = delegate;
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public QuerySession open(SessionContext context) {
            sessionsTls.add(context.startup().tls());
            return delegate.open(context);
        }
    }

    private static boolean lastSessionTls() {
        assertTrue(!sessionsTls.isEmpty(), "no session was opened");
        return sessionsTls.get(sessionsTls.size() - 1);
    }

    @Test
    void wireClientUpgradesAfterSslRequestAndLogsIn() {
        try (WireClient c = WireClient.connect("127.0.0.1", server.port())) {
            assertEquals('S', c.sslRequest());
            // The handshake only succeeds against a TLS server presenting the certificate the client trusts.
            c.startTls(clientContext.getSocketFactory());
            c.login(USER, "test");
            assertTrue(lastSessionTls());
            c.send(Frontend.query("rows 1"));
            c.expectRowDescription("n");
            c.expectDataRow("1");
            c.expectCommandComplete("SELECT 1");
            c.expectReadyForQuery('I');
        }
        try (WireClient c = WireClient.connect("127.0.0.1", server.port())) {
            // Without SSLRequest the same server serves plaintext, and says so to the handler.
            c.login(USER, "test");
            assertEquals(false, lastSessionTls());
        }
    }

    /**
     * Over TLS libpq and pgjdbc could bind the channel but are offered no {@code -PLUS}: they send the gs2 flag
     * {@code y} and {@code c=eSws}, which is accepted, while WireClient sends {@code n}.
     */
    @Test
    void scramWorksOverTls() throws Exception {
        Authenticator scram = new Authenticator() {
            @Override
            public String name() {
                return "scram";
            }

            @Override
            public AuthExchange exchange(StartupRequest request, Route route) {
                return new AuthExchange.ScramSha256(ScramSecrets.fromPassword(PASSWORD), Principal.of(request.user()));
            }
        };
        try (BuenaVistaServer scramServer = TestServers.builder(new TestHandler()).sslContext(serverContext)
                .authenticator(scram).build().start();
                WireClient c = WireClient.connect("127.0.0.1", scramServer.port())) {
            assertEquals('S', c.sslRequest());
            c.startTls(clientContext.getSocketFactory());
            c.login(USER, "test", PASSWORD);
        }
        try (BuenaVistaServer scramServer = TestServers.builder(new TestHandler()).sslContext(serverContext)
                .authenticator(scram).build().start()) {
            String url = "jdbc:postgresql://127.0.0.1:" + scramServer.port() + "/test?user=" + USER
                    + "&sslmode=require&password=" + PASSWORD;
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("rows 1")) {
                assertTrue(rs.next());
            }
            PsqlRunner.Result r = PsqlRunner.run("host=127.0.0.1 port=" + scramServer.port() + " user=" + USER
                    + " dbname=test sslmode=require", Map.of("PGPASSWORD", PASSWORD), "-c", "rows 1");
            assertEquals(0, r.exitCode(), r.toString());
            assertEquals("1\n", r.stdout(), r.toString());
        }
    }

    @Test
    void pgjdbcWithSslmodeRequireConnectsAndQueries() throws SQLException {
        String url = "jdbc:postgresql://127.0.0.1:" + server.port() + "/test?user=" + USER + "&sslmode=require";
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("rows 2")) {
            assertTrue(lastSessionTls());
            assertTrue(rs.next());
            assertTrue(rs.next());
            assertEquals(2, rs.getLong(1));
        }
        // The same client refuses a server that answers SSLRequest with 'N'.
        try (BuenaVistaServer plain = TestServers.start(new TestHandler())) {
            String plainUrl = "jdbc:postgresql://127.0.0.1:" + plain.port() + "/test?user=" + USER
                    + "&sslmode=require";
            assertThrows(SQLException.class, () -> DriverManager.getConnection(plainUrl).close());
        }
    }

    @Test
    void psqlWithSslmodeRequireConnectsEncrypted() throws Exception {
        String conninfo = "host=127.0.0.1 port=" + server.port() + " user=" + USER + " dbname=test sslmode=require";
        PsqlRunner.Result r = PsqlRunner.run(conninfo, Map.of(), "-c", "\\conninfo", "-c", "rows 1");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.stdout().contains("SSL connection (protocol: TLSv1."), r.toString());
        assertTrue(r.stdout().endsWith("\n1\n"), r.toString());
        assertTrue(lastSessionTls());
    }

    @Test
    void plaintextSentBehindTheSslRequestIsFatal08P01() throws Exception {
        // CVE-2021-23214: bytes that arrive with the SSLRequest, before the handshake, must not be read as if they
        // had come over TLS. SSLRequest and StartupMessage go out in one write, so both are there before the server
        // answers; it answers with the error instead of 'S'.
        ByteArrayOutputStream stuffed = new ByteArrayOutputStream();
        stuffed.write(new FrontendMessage.SslRequest().encode());
        stuffed.write(Frontend.startup(Map.of("user", USER, "database", "test")).encode());
        byte[] answer = exchangeRaw(stuffed.toByteArray());
        assertTrue(answer.length > 1 && answer[0] == 'E', describe(answer));
        String text = new String(answer, StandardCharsets.ISO_8859_1);
        assertTrue(text.contains("SFATAL\0") && text.contains("C08P01\0")
                && text.contains("received unencrypted data after SSL request"), describe(answer));
    }

    @Test
    void plaintextInsteadOfTheHandshakeClosesTheConnection() throws Exception {
        // SSLRequest, wait for 'S', then a StartupMessage in clear: the handshake fails and nothing is served.
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write(new FrontendMessage.SslRequest().encode());
            out.flush();
            InputStream in = s.getInputStream();
            assertEquals('S', in.read());
            out.write(Frontend.startup(Map.of("user", USER, "database", "test")).encode());
            out.flush();
            byte[] rest = in.readAllBytes();
            // Nothing, or a TLS alert record (content type 21) — never a protocol message such as 'R' or 'E'.
            assertTrue(rest.length == 0 || rest[0] == 21, describe(rest));
        }
    }

    private static byte[] exchangeRaw(byte[] bytes) throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(60_000);
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            return s.getInputStream().readAllBytes();
        }
    }

    private static String describe(byte[] bytes) {
        return bytes.length + " bytes: " + new String(bytes, StandardCharsets.ISO_8859_1).replace('\0', '|');
    }
}
