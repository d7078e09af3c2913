package io.buenavista.testing.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;

/**
 * A real HTTP server on 127.0.0.1 (JDK {@link HttpServer}, a free port) whose answers each test sets per method and
 * path, recording every request it receives. It can go {@link #down()} (its port closed: connections are refused)
 * and come back {@link #up()} on the same port. Answers may be delayed to play a slow service.
 */
public final class FakeHttpService implements AutoCloseable {
    /**
     * A request as received.
     *
     * @param headers header names in lower case, values as sent
     */
    public record Request(String method, String path, String query, Map<String, List<String>> headers, String body) {
        /** The first value of a header (any case), or null. */
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    }

    /**
     * What the service answers: a status, a body (sent as {@code application/json}), a delay before the headers and
     * a stall after the first half of the body.
     */
    public record Answer(int status, String body, Duration delay, Duration midBodyStall) {
        public Answer {
            Objects.requireNonNull(body, "body");
            Objects.requireNonNull(delay, "delay");
            Objects.requireNonNull(midBodyStall, "midBodyStall");
        }

        /** 200 with this JSON body, at once. */
        public static Answer json(String body) {
            return new Answer(200, body, Duration.ZERO, Duration.ZERO);
        }

        /** This status with a small JSON error body, at once. */
        public static Answer status(int status) {
            return new Answer(status, "{\"error\":\"status " + status + "\"}", Duration.ZERO, Duration.ZERO);
        }

        /** The same answer after {@code d}. */
        public Answer after(Duration d) {
            return new Answer(status, body, d, midBodyStall);
        }

        /** The same answer, its headers and the first half of its body at once, the rest after {@code d}. */
        public Answer stallingMidBody(Duration d) {
            return new Answer(status, body, delay, d);
        }
    }

    /** Answers one kind of request. */
    @FunctionalInterface
    public interface Responder {
        Answer answer(Request request);
    }

    private final Map<String, Responder> routes = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-http");
        t.setDaemon(true);
        return t;
    });
    private final SSLContext tls;
    private final int port;
    private HttpServer server;

    private FakeHttpService(SSLContext tls) {
        this.tls = tls;
        this.server = bind(0);
        this.port = server.getAddress().getPort();
    }

    /** Starts a service with no routes (every request gets 404) on a free loopback port. */
    public static FakeHttpService start() {
        return new FakeHttpService(null);
    }

    /** The same over HTTPS, with the server certificate and key of {@code tls}. */
    public static FakeHttpService startTls(SSLContext tls) {
        return new FakeHttpService(Objects.requireNonNull(tls));
    }

    /** {@code http://127.0.0.1:PORT} ({@code https} with TLS; no trailing slash). */
    public URI url() {
        return URI.create((tls == null ? "http" : "https") + "://127.0.0.1:" + port);
    }

    /** Sets how {@code METHOD path} is answered (replacing an earlier responder). */
    public void route(String method, String path, Responder responder) {
        routes.put(method + " " + path, Objects.requireNonNull(responder));
    }

    /** Every request received since the start or the last {@link #clearRequests()}, in order. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The requests received for one path. */
    public List<Request> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).collect(Collectors.toList());
    }

    public void clearRequests() {
        requests.clear();
    }

    /** Closes the port: connections are refused until {@link #up()}. */
    public synchronized void down() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }

    /** Listens again on the same port. */
    public synchronized void up() {
        if (server == null) {
            server = bind(port);
        }
    }

    @Override
    public synchronized void close() {
        down();
        executor.shutdownNow();
    }

    private HttpServer bind(int onPort) {
        try {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort);
            HttpServer s;
            if (tls == null) {
                s = HttpServer.create(address, 50);
            } else {
                HttpsServer https = HttpsServer.create(address, 50);
                https.setHttpsConfigurator(new HttpsConfigurator(tls));
                s = https;
            }
            s.setExecutor(executor);
            s.createContext("/", this::handle);
            s.start();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean sleep(Duration d) {
        if (d.isZero()) {
            return true;
        }
        try {
            Thread.sleep(d.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Map<String, List<String>> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
            URI uri = exchange.getRequestURI();
            Request request = new Request(exchange.getRequestMethod(), uri.getPath(), uri.getRawQuery(),
                    Map.copyOf(headers), body);
            requests.add(request);
            Responder responder = routes.get(request.method() + " " + request.path());
            Answer answer = responder == null ? Answer.status(404) : responder.answer(request);
            if (!sleep(answer.delay())) {
                return;
            }
            byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                int half = bytes.length / 2;
                out.write(bytes, 0, half);
                out.flush();
                if (!sleep(answer.midBodyStall())) {
                    return;
                }
                out.write(bytes, half, bytes.length - half);
            }
        } catch (IOException e) {
            // The client gave up (a timeout in the code under test): nothing to answer.
        }
    }
}
