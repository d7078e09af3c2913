package io.buenavista.cachedb;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The outbound HTTP of one authenticator: a {@link HttpClient} with a connect timeout, a per-request timeout, and TLS
 * verified against the JDK's CAs plus {@code TLS__INTERNAL__CA_CRT} (or, with {@code PYTHON_VERIFY_SSL=false}, not
 * verified at all, as the original allows). Answers are JSON; anything else is a {@link ServiceUnavailableException}.
 */
final class ServiceCalls {
    /** A JSON answer with its status (2xx or 4xx: 5xx and broken bodies never get here). */
    record JsonAnswer(int status, Optional<JsonElement> json) {}

    private static final int MAX_BODY = 1 << 20;

    private final HttpClient client;
    private final Duration requestTimeout;

    ServiceCalls(CachedbSettings settings) {
        this.client = HttpClient.newBuilder().connectTimeout(settings.httpConnectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .sslContext(sslContext(settings.caCertificates(), settings.verifyTls())).build();
        this.requestTimeout = settings.httpRequestTimeout();
    }

    /** {@code GET uri}, with {@code Authorization} when not null. */
    JsonAnswer get(String service, URI uri, String authorization) throws ServiceUnavailableException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET();
        return send(service, b, authorization);
    }

    /** {@code POST uri} with a JSON body, with {@code Authorization} when not null. */
    JsonAnswer post(String service, URI uri, String jsonBody, String authorization)
            throws ServiceUnavailableException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .POST(HttpRequest.BodyPublishers.ofString(jsonBody, StandardCharsets.UTF_8))
                .header("Content-Type", "application/json");
        return send(service, b, authorization);
    }

    private JsonAnswer send(String service, HttpRequest.Builder b, String authorization)
            throws ServiceUnavailableException {
        b.timeout(requestTimeout).header("Accept", "application/json");
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        HttpResponse<byte[]> response;
        // The request timeout of HttpClient ends when the headers arrive; waiting on the future bounds the whole
        // answer, body included, so a service that stalls mid-body cannot hold a login.
        CompletableFuture<HttpResponse<byte[]>> pending;
        try {
            pending = client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IllegalArgumentException e) {
            throw new ServiceUnavailableException(service + ": invalid request");
        }
        try {
            response = pending.get(requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw new ServiceUnavailableException(service + ": no answer in time");
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw new ServiceUnavailableException(service + ": interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof HttpConnectTimeoutException) {
                throw new ServiceUnavailableException(service + ": connect timed out");
            } else if (cause instanceof HttpTimeoutException) {
                throw new ServiceUnavailableException(service + ": no answer in time");
            } else if (cause instanceof ConnectException) {
                throw new ServiceUnavailableException(service + ": connection refused");
            }
            throw new ServiceUnavailableException(service + ": "
                    + (cause == null ? "failed" : cause.getClass().getSimpleName()));
        }
        byte[] body = response.body();
        int status = response.statusCode();
        if (status >= 500 || status < 200 || (status >= 300 && status < 400)) {
            throw new ServiceUnavailableException(service + ": HTTP " + status);
        }
        if (status >= 400) {
            return new JsonAnswer(status, Optional.empty());
        }
        if (body.length > MAX_BODY) {
            throw new ServiceUnavailableException(service + ": answer too large");
        }
        try {
            return new JsonAnswer(status, Optional.of(JsonParser.parseString(
                    new String(body, StandardCharsets.UTF_8))));
        } catch (JsonParseException e) {
            throw new ServiceUnavailableException(service + ": answer is not JSON");
        }
    }

    private static SSLContext sslContext(List<X509Certificate> extraCas, boolean verify) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            if (!verify) {
                ctx.init(null, new TrustManager[] {new TrustingEveryone()}, new SecureRandom());
                return ctx;
            }
            if (extraCas.isEmpty()) {
                return SSLContext.getDefault();
            }
            // The JDK's CAs plus the configured ones: an internal CA does not stop public endpoints from working.
            TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            jdk.init((KeyStore) null);
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (TrustManager tm : jdk.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    for (X509Certificate c : x.getAcceptedIssuers()) {
                        store.setCertificateEntry("jdk-" + i++, c);
                    }
                }
            }
            for (X509Certificate c : extraCas) {
                store.setCertificateEntry("internal-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            ctx.init(null, tmf.getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up TLS for the identity services", e);
        }
    }

    /**
     * {@code PYTHON_VERIFY_SSL=false}: no certificate or host name check. An extended trust manager, because the JDK
     * wraps a plain one in a host name check.
     */
    private static final class TrustingEveryone extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
