package io.buenavista.core.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The server's TLS identity from the PEM files operators already have for PostgreSQL ({@code ssl_cert_file},
 * {@code ssl_key_file}): the certificate chain, server certificate first, and an unencrypted PKCS#8 private key
 * ({@code BEGIN PRIVATE KEY}; RSA, EC or Ed25519). Give the result to {@link BuenaVistaServer.Builder#sslContext}.
 *
 * <p>Messages name the file and the problem, never the key's content.
 */
public final class PemServerTls {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)\\s*-----END \\1-----");

    private PemServerTls() {}

    /** The certificate or key files cannot be used; the message says which file and why. */
    public static final class InvalidPemException extends IllegalArgumentException {
        private final Path file;
        private final String reason;

        InvalidPemException(Path file, String reason) {
            this(file, reason, file + ": " + reason);
        }

        InvalidPemException(Path file, String reason, String message) {
            super(message);
            this.file = file;
            this.reason = reason;
        }

        /** The file at fault. */
        public Path file() {
            return file;
        }

        /** Why, without the file's name. */
        public String reason() {
            return reason;
        }
    }

    /**
     * An SSL context that presents this certificate chain with this key.
     *
     * @throws InvalidPemException when a file is unreadable, holds no certificate or no PKCS#8 key, or the key does
     *                             not belong to the first certificate
     */
    public static SSLContext context(Path certificateChain, Path privateKey) {
        List<Certificate> chain = certificates(certificateChain);
        PrivateKey key = privateKey(privateKey);
        if (!matches(key, chain.get(0))) {
            throw new InvalidPemException(privateKey, "the key does not belong to the certificate",
                    privateKey + ": the key does not belong to the certificate in " + certificateChain);
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = new char[0];
            store.setKeyEntry("server", key, password, chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new InvalidPemException(certificateChain, "cannot be used for TLS (" + e.getMessage() + ")");
        }
    }

    private static List<Certificate> certificates(Path file) {
        String text = read(file);
        try {
            List<Certificate> chain = List.copyOf(CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII))));
            if (!chain.isEmpty()) {
                return chain;
            }
        } catch (CertificateException e) {
            // reported below
        }
        throw new InvalidPemException(file, "holds no PEM certificate");
    }

    private static PrivateKey privateKey(Path file) {
        String text = read(file);
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String label = m.group(1);
            if (label.equals("PRIVATE KEY")) {
                byte[] der;
                try {
                    der = Base64.getMimeDecoder().decode(m.group(2));
                } catch (IllegalArgumentException e) {
                    throw new InvalidPemException(file, "the private key is not valid base64");
                }
                try {
                    PrivateKey key = decode(der);
                    if (key == null) {
                        throw new InvalidPemException(file, "the private key is not an RSA, EC or Ed25519 key");
                    }
                    return key;
                } finally {
                    Arrays.fill(der, (byte) 0);
                }
            }
            if (label.endsWith("PRIVATE KEY")) {
                // "RSA PRIVATE KEY", "EC PRIVATE KEY" (traditional OpenSSL) or "ENCRYPTED PRIVATE KEY"
                throw new InvalidPemException(file, "holds a " + label + "; give an unencrypted PKCS#8 key "
                        + "(openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8)");
            }
        }
        throw new InvalidPemException(file, "holds no PEM private key");
    }

    /** The key, or null when no algorithm of the JDK reads it. */
    private static PrivateKey decode(byte[] der) {
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (InvalidKeySpecException | NoSuchAlgorithmException e) {
                // try the next algorithm
            }
        }
        return null;
    }

    /**
     * Whether the key is the private half of the certificate's public key: a signature made with it verifies (a
     * mismatch would otherwise surface only as every client's failed handshake).
     */
    private static boolean matches(PrivateKey key, Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> "Ed25519";
        };
        byte[] probe = "buenavista tls key check".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // e.g. an EC key against an RSA certificate
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            throw new InvalidPemException(file, "cannot be read");
        }
    }
}
