package io.buenavista.cachedb;

import io.buenavista.api.AuthExchange;
import io.buenavista.api.PgException;
import io.buenavista.api.StartupRequest;
import io.buenavista.testing.http.FakeOpenIdIssuer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Outbound calls verify TLS: an issuer served over HTTPS with a certificate made for this test is trusted only
 * through {@code TLS__INTERNAL__CA_CRT}, only for the host it names, and anything goes with
 * {@code PYTHON_VERIFY_SSL=false}. A failed handshake is 08006, like any unreachable service.
 */
class CachedbServiceTlsTest {
    private static final String PASS = "test-only";
    private static final DatasetRoute ROUTE = new DatasetRoute(Dialect.DUCKDB, ConnectionType.READ,
            UUID.fromString("11111111-2222-3333-4444-555555555555"));

    /** A self-signed certificate for {@code san} made with the JDK's keytool: its key store and its PEM. */
    private record ServerCert(SSLContext context, String pem) {}

    private static ServerCert certificate(Path dir, String name, String san) throws Exception {
        Path store = dir.resolve(name + ".p12");
        run(List.of(keytool(), "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=" + name, "-ext", "san=" + san, "-validity", "2", "-keystore", store.toString(),
                "-storetype", "PKCS12", "-storepass", PASS, "-keypass", PASS));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, PASS.toCharArray());
        }
        String pem = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(ks.getCertificate(name).getEncoded()) + "\n-----END CERTIFICATE-----\n";
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASS.toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return new ServerCert(ctx, pem);
    }

    private static String keytool() {
        return Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    }

    private static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("keytool failed: " + out);
        }
        return out;
    }

    /** Verifies a client-credentials token: the only outbound call is the JWKS fetch over HTTPS. */
    private static AuthExchange login(FakeOpenIdIssuer issuer, String caPem, boolean verify) {
        URI nowhere = URI.create("http://127.0.0.1:9");
        CachedbSettings settings = CachedbSettings.defaults(
                new CachedbSettings.ServiceRoutes(issuer.url(), nowhere, nowhere), "scope")
                .withClientId("client").withJwksMinRefresh(Duration.ZERO)
                .withHttpTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(10)).withTls(caPem, verify);
        CachedbAuthenticator a = new CachedbAuthenticator(settings, Clock.systemUTC(), line -> { });
        String token = issuer.token("client", "scope").compact();
        return a.exchange(new StartupRequest(token, ROUTE.database(), "", Map.of(), Map.of(),
                new InetSocketAddress("127.0.0.1", 1), false), ROUTE);
    }

    @Test
    void theIssuersCertificateIsTrustedOnlyThroughTheConfiguredCaAndForItsHost(@TempDir Path dir)
            throws Exception {
        ServerCert good = certificate(dir, "issuer", "ip:127.0.0.1");
        try (FakeOpenIdIssuer issuer = FakeOpenIdIssuer.startTls(good.context())) {
            assertEquals("https", issuer.url().getScheme());
            assertEquals("08006", assertThrows(PgException.class, () -> login(issuer, null, true)).sqlState(),
                    "an unknown CA is refused");
            assertInstanceOf(AuthExchange.Trust.class, login(issuer, good.pem(), true));
        }
        ServerCert elsewhere = certificate(dir, "elsewhere", "dns:elsewhere.example");
        try (FakeOpenIdIssuer issuer = FakeOpenIdIssuer.startTls(elsewhere.context())) {
            assertEquals("08006", assertThrows(PgException.class,
                    () -> login(issuer, elsewhere.pem(), true)).sqlState(), "a certificate for another host");
            assertInstanceOf(AuthExchange.Trust.class, login(issuer, null, false));
        }
    }
}
