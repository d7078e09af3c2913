package io.buenavista.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed server certificate for {@code localhost} and {@code 127.0.0.1}, made by the JDK's keytool at test
 * time, in the forms servers and clients take: a PKCS#12 store, the certificate as PEM (a client's root certificate)
 * and the private key as unencrypted PKCS#8 PEM.
 *
 * @param keyStore    the PKCS#12 store holding the key under alias {@code server}
 * @param password    the store's and the key's password
 * @param certificate the certificate, PEM
 * @param privateKey  the private key, PKCS#8 PEM ({@code BEGIN PRIVATE KEY})
 */
public record TestCertificate(Path keyStore, String password, Path certificate, Path privateKey) {

    /**
     * Makes one in {@code dir}.
     *
     * @param keyAlgorithm keytool's {@code -keyalg}: {@code EC} (P-256) or {@code RSA} (2048 bits)
     */
    public static TestCertificate selfSigned(Path dir, String keyAlgorithm) throws IOException, InterruptedException,
            GeneralSecurityException {
        String password = "changeit";
        String name = "server-" + keyAlgorithm.toLowerCase();
        Path store = dir.resolve(name + ".p12");
        Path log = dir.resolve(name + "-keytool.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", keyAlgorithm,
                "-keysize", keyAlgorithm.equals("RSA") ? "2048" : "256", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", password, "-keypass", password)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool failed: " + Files.readString(log));
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, password.toCharArray());
        }
        Path certificate = dir.resolve(name + ".crt");
        Files.writeString(certificate, pem("CERTIFICATE", ks.getCertificate("server").getEncoded()),
                StandardCharsets.US_ASCII);
        Path key = dir.resolve(name + ".key");
        Files.writeString(key, pem("PRIVATE KEY", ks.getKey("server", password.toCharArray()).getEncoded()),
                StandardCharsets.US_ASCII);
        return new TestCertificate(store, password, certificate, key);
    }

    /** DER bytes as a PEM block of this label. */
    public static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }
}
