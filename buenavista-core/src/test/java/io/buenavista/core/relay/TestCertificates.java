package io.buenavista.core.relay;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority of the test's own and a server certificate it signed, made with the JDK's keytool (no
 * openssl needed), as PEM text a PostgreSQL server and the relay can read.
 *
 * @param caPem        the authority's certificate
 * @param serverPem    the server's certificate, signed by the authority
 * @param serverKeyPem the server's private key (PKCS#8)
 */
record TestCertificates(String caPem, String serverPem, String serverKeyPem) {
    private static final String PASSWORD = "changeit";

    /**
     * Generates an authority and a server certificate whose subject alternative names are {@code san} (keytool's
     * syntax, e.g. {@code dns:localhost}).
     */
    static TestCertificates generate(Path dir, String san) throws Exception {
        Path ca = dir.resolve("ca.p12");
        Path server = dir.resolve("server.p12");
        keytool(dir, "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=Buena Vista test CA", "-ext", "bc:c", "-validity", "2", "-storetype", "PKCS12", "-keystore",
                ca.toString(), "-storepass", PASSWORD);
        keytool(dir, "-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", PASSWORD,
                "-file", dir.resolve("ca.pem").toString());
        keytool(dir, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=buenavista-test-server", "-validity", "2", "-storetype", "PKCS12", "-keystore", server.toString(),
                "-storepass", PASSWORD);
        keytool(dir, "-certreq", "-alias", "server", "-keystore", server.toString(), "-storepass", PASSWORD,
                "-file", dir.resolve("server.csr").toString());
        keytool(dir, "-gencert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", PASSWORD,
                "-infile", dir.resolve("server.csr").toString(), "-outfile", dir.resolve("server.pem").toString(),
                "-ext", "san=" + san, "-validity", "2");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(server)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        PrivateKey key = (PrivateKey) ks.getKey("server", PASSWORD.toCharArray());
        String keyPem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        return new TestCertificates(Files.readString(dir.resolve("ca.pem")), Files.readString(dir.resolve("server.pem")),
                keyPem);
    }

    private static void keytool(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Path log = dir.resolve("keytool.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("keytool timed out: " + command);
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("keytool failed: " + command + "\n" + Files.readString(log));
        }
    }
}
