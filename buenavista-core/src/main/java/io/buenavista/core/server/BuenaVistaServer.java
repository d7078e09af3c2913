package io.buenavista.core.server;

import io.buenavista.api.Authenticator;
import io.buenavista.api.ConnectionParamParser;
import io.buenavista.api.QueryHandler;
import io.buenavista.core.session.SessionLimits;
import io.buenavista.core.types.CodecRegistry;
import io.buenavista.core.wire.MessageLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A PostgreSQL protocol server: accepts connections and serves each on its own thread (or the executor given to
 * the builder) through the configured parser, authenticator and handlers.
 *
 * <pre>{@code
 * try (BuenaVistaServer server = BuenaVistaServer.builder().port(5433).handler(new MyHandler()).build().start()) {
 *     ...
 * }
 * }</pre>
 *
 * <p>{@link #close()} is graceful: it stops accepting, lets statements in progress finish until the grace period
 * ends, cancels what still runs, and sends FATAL 57P01 to every client.
 */
public final class BuenaVistaServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BuenaVistaServer.class);

    private final ServerConfig config;
    private final ProviderRegistry providers;
    private final ConnectionParamParser parser;
    private final Authenticator authenticator;
    private final ExecutorService executor;
    private final boolean ownsExecutor;
    /** Threads with the stack the handlers need; every connection runs on one (see ConnectionThreads). */
    private final ConnectionThreads connectionThreads;
    private final ScheduledExecutorService scheduler;
    private final CancelRegistry cancelRegistry = new CancelRegistry();
    private final CodecRegistry codecs = CodecRegistry.standard();
    private final SecureRandom random = new SecureRandom();
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger admitted = new AtomicInteger();
    private final Set<Connection> admittedConnections = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket serverSocket;
    private volatile boolean closing;
    private Thread acceptor;

    private BuenaVistaServer(Builder b) {
        this.config = new ServerConfig(b.bindAddress, b.port, b.sslContext, b.maxConnections, b.startupTimeout,
                b.idleTimeout, b.shutdownGracePeriod, b.messageLimits, b.sessionLimits, b.serverVersion, b.parserName,
                b.authenticatorName);
        this.providers = new ProviderRegistry(b.parsers, b.authenticators, b.handlers, b.discover,
                b.classLoader != null ? b.classLoader : Thread.currentThread().getContextClassLoader());
        if (providers.handlers().isEmpty()) {
            throw new IllegalStateException("no QueryHandler registered or discovered");
        }
        if (b.handlerName != null && providers.handler(b.handlerName) == null) {
            throw new IllegalStateException("no QueryHandler named \"" + b.handlerName + "\"; available: "
                    + providers.handlerNames());
        }
        // Without a parser every connection goes to one handler: the one named, else the only one registered
        // explicitly, else the only one there is.
        this.parser = providers.hasParsers() || b.parserName != null ? providers.parser(b.parserName)
                : ConnectionParamParser.fixed(b.handlerName == null && b.handlers.size() == 1
                        ? b.handlers.get(0).name() : providers.defaultHandler(b.handlerName).name());
        if (providers.hasAuthenticators() || b.authenticatorName != null) {
            this.authenticator = providers.authenticator(b.authenticatorName);
        } else {
            log.info("no Authenticator registered: trusting every client, as PostgreSQL's 'trust' method does");
            this.authenticator = Authenticator.trust();
        }
        this.ownsExecutor = b.executor == null;
        this.connectionThreads = new ConnectionThreads("buenavista-conn",
                providers.handlers().stream().mapToLong(QueryHandler::threadStackSize).max().orElse(0));
        this.executor = b.executor != null ? b.executor : Executors.newCachedThreadPool(connectionThreads);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemonThreads("buenavista-timer"));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Binds the port and starts accepting connections. */
    public BuenaVistaServer start() {
        try {
            ServerSocket ss = new ServerSocket();
            ss.setReuseAddress(true);
            ss.bind(new InetSocketAddress(config.bindAddress(), config.port()), 128);
            serverSocket = ss;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + config.bindAddress() + ":" + config.port(), e);
        }
        acceptor = daemonThreads("buenavista-accept").newThread(this::acceptLoop);
        acceptor.start();
        log.info("Buena Vista listening on {}:{}", config.bindAddress().getHostAddress(), port());
        return this;
    }

    /** The port listened on (the real one when the builder asked for 0). */
    public int port() {
        ServerSocket ss = serverSocket;
        if (ss == null) {
            throw new IllegalStateException("not started");
        }
        return ss.getLocalPort();
    }

    /** The address listened on. */
    public InetAddress bindAddress() {
        return config.bindAddress();
    }

    /** The number of open client connections (for tests and metrics). */
    public int connectionCount() {
        return connections.size();
    }

    private void acceptLoop() {
        while (!closing) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (SocketException e) {
                if (!closing) {
                    log.error("accepting connections failed", e);
                }
                return;
            } catch (IOException e) {
                log.warn("accept failed", e);
                continue;
            }
            Connection c = null;
            try {
                socket.setTcpNoDelay(true);
                socket.setKeepAlive(true);
                c = new Connection(socket, this);
                connections.add(c);
                executor.execute(connectionThreads.onSizedStack(c));
            } catch (IOException | RejectedExecutionException e) {
                if (!closing) {
                    log.warn("cannot serve a new connection", e);
                }
                if (c != null) {
                    connections.remove(c);
                }
                closeQuietly(socket);
            }
        }
    }

    /**
     * Stops accepting, waits for running statements until the grace period ends, then ends every connection with
     * FATAL 57P01 and releases the handlers.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        ServerSocket ss = serverSocket;
        if (ss != null) {
            try {
                ss.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        long deadline = System.nanoTime() + config.shutdownGracePeriod().toNanos();
        List<Thread> closers = new ArrayList<>();
        for (Connection c : connections) {
            Thread t = daemonThreads("buenavista-shutdown").newThread(() -> c.shutdown(deadline));
            t.start();
            closers.add(t);
        }
        for (Thread t : closers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (ownsExecutor) {
            executor.shutdown();
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        scheduler.shutdownNow();
        for (QueryHandler h : providers.handlers()) {
            try {
                h.close();
            } catch (RuntimeException e) {
                log.warn("closing handler {} failed", h.name(), e);
            }
        }
        log.info("Buena Vista stopped");
    }

    // ---- for Connection ----

    ServerConfig config() {
        return config;
    }

    ProviderRegistry providers() {
        return providers;
    }

    ConnectionParamParser parser() {
        return parser;
    }

    Authenticator authenticator() {
        return authenticator;
    }

    CancelRegistry cancelRegistry() {
        return cancelRegistry;
    }

    CodecRegistry codecs() {
        return codecs;
    }

    SecureRandom random() {
        return random;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    boolean isClosing() {
        return closing;
    }

    /** Counts a connection that finished its startup packet against max_connections. */
    boolean admitted(Connection c) {
        if (admitted.incrementAndGet() > config.maxConnections()) {
            admitted.decrementAndGet();
            return false;
        }
        admittedConnections.add(c);
        return true;
    }

    void connectionEnded(Connection c) {
        connections.remove(c);
        if (admittedConnections.remove(c)) {
            admitted.decrementAndGet();
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Configures a {@link BuenaVistaServer}. Every setting has a default; at least one handler must be found. */
    public static final class Builder {
        private InetAddress bindAddress = InetAddress.getLoopbackAddress();
        private int port = 5432;
        private SSLContext sslContext;
        private ExecutorService executor;
        private int maxConnections = 100;
        private Duration startupTimeout = Duration.ofSeconds(60);
        private Duration idleTimeout = Duration.ZERO;
        private Duration shutdownGracePeriod = Duration.ofSeconds(10);
        private MessageLimits messageLimits = MessageLimits.DEFAULT;
        private SessionLimits sessionLimits = SessionLimits.DEFAULT;
        private String serverVersion = "16.0";
        private final List<ConnectionParamParser> parsers = new ArrayList<>();
        private final List<Authenticator> authenticators = new ArrayList<>();
        private final List<QueryHandler> handlers = new ArrayList<>();
        private String parserName;
        private String handlerName;
        private String authenticatorName;
        private boolean discover = true;
        private ClassLoader classLoader;

        private Builder() {}

        /** The address to listen on; loopback by default. */
        public Builder bindAddress(InetAddress address) {
            this.bindAddress = Objects.requireNonNull(address);
            return this;
        }

        /** The address to listen on, by name or literal. */
        public Builder host(String host) {
            try {
                return bindAddress(InetAddress.getByName(host));
            } catch (IOException e) {
                throw new IllegalArgumentException("unknown host " + host, e);
            }
        }

        /** The port; 0 picks a free one (see {@link BuenaVistaServer#port()}). Default 5432. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            this.port = port;
            return this;
        }

        /** Enables TLS: SSLRequest is then answered with {@code S} and the connection encrypted with this context. */
        public Builder sslContext(SSLContext context) {
            this.sslContext = context;
            return this;
        }

        /**
         * The executor that runs connections, one task per connection for its whole life (so it must not bound the
         * number of threads below max connections). Default: a daemon thread per connection. On Java 21+ pass
         * {@code Executors.newVirtualThreadPerTaskExecutor()}. The server does not shut down an executor it was
         * given. Its threads' stack is unknown to the server, so each connection runs on a thread the server makes
         * with the stack the handlers need ({@link QueryHandler#threadStackSize()}, at least 4 MiB) while the
         * executor's thread waits for it.
         */
        public Builder executor(ExecutorService executor) {
            this.executor = executor;
            return this;
        }

        /** Connections served at once; past it a client gets FATAL 53300. Default 100. */
        public Builder maxConnections(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxConnections must be positive");
            }
            this.maxConnections = max;
            return this;
        }

        /** Time allowed from connect to the end of authentication. Default 60 s. */
        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = positive(timeout);
            return this;
        }

        /** Time a connection may wait between messages before FATAL 57P05; zero (the default) disables it. */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** How long {@link BuenaVistaServer#close()} waits for running statements. Default 10 s. */
        public Builder shutdownGracePeriod(Duration grace) {
            this.shutdownGracePeriod = Objects.requireNonNull(grace);
            return this;
        }

        public Builder messageLimits(MessageLimits limits) {
            this.messageLimits = Objects.requireNonNull(limits);
            return this;
        }

        public Builder sessionLimits(SessionLimits limits) {
            this.sessionLimits = Objects.requireNonNull(limits);
            return this;
        }

        /** The {@code server_version} reported to clients (default {@code 16.0}). */
        public Builder serverVersion(String version) {
            this.serverVersion = Objects.requireNonNull(version);
            return this;
        }

        /** Registers a handler; it wins over a discovered one of the same name. */
        public Builder handler(QueryHandler handler) {
            handlers.add(Objects.requireNonNull(handler));
            return this;
        }

        /** Registers a parser; it wins over a discovered one of the same name. */
        public Builder parser(ConnectionParamParser parser) {
            parsers.add(Objects.requireNonNull(parser));
            return this;
        }

        /** Registers an authenticator; it wins over a discovered one of the same name. */
        public Builder authenticator(Authenticator authenticator) {
            authenticators.add(Objects.requireNonNull(authenticator));
            return this;
        }

        /** Uses the parser with this name (needed when several are available). */
        public Builder parserName(String name) {
            this.parserName = name;
            return this;
        }

        /**
         * Sends every connection to the handler with this name when no parser is registered (needed when several
         * handlers are available; with one, that one is used).
         */
        public Builder handlerName(String name) {
            this.handlerName = name;
            return this;
        }

        /** Uses the authenticator with this name (needed when several are available). */
        public Builder authenticatorName(String name) {
            this.authenticatorName = name;
            return this;
        }

        /** Whether to find providers with {@link java.util.ServiceLoader} as well (default true). */
        public Builder discoverProviders(boolean discover) {
            this.discover = discover;
            return this;
        }

        /** The class loader for discovery; the thread's context class loader by default. */
        public Builder classLoader(ClassLoader loader) {
            this.classLoader = loader;
            return this;
        }

        public BuenaVistaServer build() {
            return new BuenaVistaServer(this);
        }

        private static Duration positive(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("duration must be positive: " + d);
            }
            return d;
        }
    }
}
