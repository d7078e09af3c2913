package io.buenavista.core.server;

import io.buenavista.testing.TestCertificate;
import io.buenavista.testing.TestHandler;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server's TLS identity from PEM files, as operators keep them for PostgreSQL: pgjdbc connects with
 * {@code sslmode=verify-full} trusting only the certificate, for RSA and EC keys; files that cannot serve are refused
 * at once with the file and the reason, never the key.
 */
class PemServerTlsTest {
    @TempDir
    static Path dir;
    static TestCertificate ec;
    static TestCertificate rsa;

    @BeforeAll
    static void certificates() throws Exception {
        ec = TestCertificate.selfSigned(dir, "EC");
        rsa = TestCertificate.selfSigned(dir, "RSA");
    }

    @ParameterizedTest
    @ValueSource(strings = {"EC", "RSA"})
    void pgjdbcVerifiesTheServersCertificate(String algorithm) throws Exception {
        TestCertificate cert = algorithm.equals("EC") ? ec : rsa;
        try (BuenaVistaServer server = TestServers.builder(new TestHandler())
                .sslContext(PemServerTls.context(cert.certificate(), cert.privateKey())).build().start()) {
            Properties p = new Properties();
            p.setProperty("user", "tester");
            p.setProperty("sslmode", "verify-full");
            p.setProperty("sslrootcert", cert.certificate().toString());
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + server.port() + "/x", p);
                    Statement s = c.createStatement(); ResultSet rs = s.executeQuery("rows 2")) {
                assertTrue(rs.next());
                assertEquals(1, rs.getLong(1));
            }
            // A client that trusts another certificate refuses this server.
            p.setProperty("sslrootcert", (algorithm.equals("EC") ? rsa : ec).certificate().toString());
            assertThrows(SQLException.class,
                    () -> DriverManager.getConnection("jdbc:postgresql://localhost:" + server.port() + "/x", p)
                            .close());
        }
    }

    @Test
    void aKeyOfAnotherCertificateIsRefusedBeforeAnyClientSeesIt() {
        var e = assertThrows(PemServerTls.InvalidPemException.class,
                () -> PemServerTls.context(ec.certificate(), rsa.privateKey()));
        assertEquals(rsa.privateKey() + ": the key does not belong to the certificate in " + ec.certificate(),
                e.getMessage());
        TestCertificate otherEc = anotherEcCertificate();
        e = assertThrows(PemServerTls.InvalidPemException.class,
                () -> PemServerTls.context(ec.certificate(), otherEc.privateKey()));
        assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
    }

    private static TestCertificate anotherEcCertificate() {
        try {
            Path other = Files.createDirectories(dir.resolve("other"));
            return TestCertificate.selfSigned(other, "EC");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void filesThatCannotServeAreNamedWithTheReasonButNeverTheirContent() throws Exception {
        Path traditional = dir.resolve("traditional.key");
        String secret = "MIIEowIBAAKCAQEAsecretsecretsecret";
        Files.writeString(traditional, "-----BEGIN RSA PRIVATE KEY-----\n" + secret
                + "\n-----END RSA PRIVATE KEY-----\n");
        var e = assertThrows(PemServerTls.InvalidPemException.class,
                () -> PemServerTls.context(rsa.certificate(), traditional));
        assertEquals(traditional + ": holds a RSA PRIVATE KEY; give an unencrypted PKCS#8 key "
                + "(openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8)", e.getMessage());

        Path notAKey = dir.resolve("not-a-key.key");
        Files.writeString(notAKey, "-----BEGIN PRIVATE KEY-----\n" + secret + "\n-----END PRIVATE KEY-----\n");
        e = assertThrows(PemServerTls.InvalidPemException.class, () -> PemServerTls.context(rsa.certificate(), notAKey));
        assertEquals(notAKey + ": the private key is not an RSA, EC or Ed25519 key", e.getMessage());
        assertFalse(e.getMessage().contains(secret));

        Path empty = Files.writeString(dir.resolve("empty.pem"), "nothing here");
        e = assertThrows(PemServerTls.InvalidPemException.class, () -> PemServerTls.context(empty, rsa.privateKey()));
        assertEquals(empty + ": holds no PEM certificate", e.getMessage());
        e = assertThrows(PemServerTls.InvalidPemException.class, () -> PemServerTls.context(rsa.certificate(), empty));
        assertEquals(empty + ": holds no PEM private key", e.getMessage());
        Path missing = dir.resolve("missing.pem");
        e = assertThrows(PemServerTls.InvalidPemException.class, () -> PemServerTls.context(missing, rsa.privateKey()));
        assertEquals(missing + ": cannot be read", e.getMessage());
        // The certificate given as the key, and the key as the certificate.
        e = assertThrows(PemServerTls.InvalidPemException.class,
                () -> PemServerTls.context(rsa.privateKey(), rsa.certificate()));
        assertEquals(rsa.privateKey() + ": holds no PEM certificate", e.getMessage());
    }
}
