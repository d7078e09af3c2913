package io.buenavista.core.relay;

import io.buenavista.core.relay.Backend.SslMode;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;

/**
 * TLS on the relay's connections to one backend, as libpq's {@code sslmode} does it: an SSLRequest first, then
 * the handshake on the same socket when the backend answers {@code S}. Built once per pool (the trust material is
 * read once); the CancelRequest goes over plain TCP, as libpq before PostgreSQL 17 sends it.
 */
final class BackendTls {
    private static final int SSL_REQUEST_CODE = 80877103;

    private final Backend backend;
    /** Null for {@code sslmode=disable}. */
    private final SSLSocketFactory factory;

    private BackendTls(Backend backend, SSLSocketFactory factory) {
        this.backend = backend;
        this.factory = factory;
    }

    /**
     * The TLS setup of this backend.
     *
     * @throws IllegalArgumentException when the root certificate file cannot be read
     */
    static BackendTls of(Backend backend) {
        if (backend.sslMode() == SslMode.DISABLE) {
            return new BackendTls(backend, null);
        }
        try {
            boolean verifyChain = backend.sslMode() == SslMode.VERIFY_CA || backend.sslMode() == SslMode.VERIFY_FULL
                    || backend.sslRootCert() != null;
            TrustManager[] trust;
            if (verifyChain) {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(backend.sslRootCert() == null ? null : rootCertificates(backend));
                trust = tmf.getTrustManagers();
            } else {
                trust = new TrustManager[] {new EncryptOnly()};
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust, null);
            return new BackendTls(backend, context.getSocketFactory());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot set up TLS to the backend: " + e.getMessage(), e);
        }
    }

    private static KeyStore rootCertificates(Backend backend) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(backend.sslRootCert())) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
        if (certificates.isEmpty()) {
            throw new IOException("no certificate in " + backend.sslRootCert());
        }
        int i = 0;
        for (Certificate c : certificates) {
            store.setCertificateEntry("root-" + i++, c);
        }
        return store;
    }

    /**
     * Asks the backend for TLS on a connected socket and, when it agrees, returns the TLS socket layered on it
     * (handshake done); returns {@code tcp} itself when TLS is not wanted, or refused under {@code prefer}.
     *
     * @throws IOException when TLS is required but not offered, or the handshake or the certificate check fails
     */
    Socket negotiate(Socket tcp) throws IOException {
        if (factory == null) {
            return tcp;
        }
        OutputStream out = tcp.getOutputStream();
        out.write(new byte[] {0, 0, 0, 8, (byte) (SSL_REQUEST_CODE >>> 24), (byte) (SSL_REQUEST_CODE >>> 16),
                (byte) (SSL_REQUEST_CODE >>> 8), (byte) SSL_REQUEST_CODE});
        out.flush();
        // One byte straight from the socket: anything the backend sent behind it belongs to the TLS layer.
        int answer = tcp.getInputStream().read();
        if (answer == 'N') {
            if (backend.sslMode() == SslMode.PREFER) {
                return tcp;
            }
            throw new IOException("server does not support SSL, but SSL was required");
        }
        if (answer != 'S') {
            throw new IOException(answer < 0 ? "the backend closed the connection during SSL negotiation"
                    : "the backend answered the SSLRequest with '" + (char) answer + "'");
        }
        SSLSocket tls = (SSLSocket) factory.createSocket(tcp, backend.host(), backend.port(), true);
        if (backend.sslMode() == SslMode.VERIFY_FULL) {
            SSLParameters parameters = tls.getSSLParameters();
            // Subject alternative names (DNS or IP), else the common name: the rules libpq follows too.
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            tls.setSSLParameters(parameters);
        }
        tls.startHandshake();
        return tls;
    }

    /** {@code prefer} and {@code require} without a root certificate: encryption against eavesdroppers only. */
    private static final class EncryptOnly extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
