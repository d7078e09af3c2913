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
import java.nio.channels.ServerSocketChannel;
import java.net.Socket;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
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
    /** How long the acceptor pauses after a failure it cannot blame on one client. */
    private static final long ACCEPT_RETRY_MILLIS = 100;

    private final ServerConfig config;
    private final ProviderRegistry providers;
    private final ConnectionParamParser parser;
    private final Authenticator authenticator;
    private final ExecutorService executor;
    private final boolean ownsExecutor;
    /** Threads with the stack the handlers need; every connection runs on one (see ConnectionThreads). */
    private final ConnectionThreads connectionThreads;
    private final ScheduledThreadPoolExecutor scheduler;
    private final CancelRegistry cancelRegistry = new CancelRegistry();
    private final CodecRegistry codecs = CodecRegistry.standard();
    private final SecureRandom random = new SecureRandom();
    private final java.time.Clock clock;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger admitted = new AtomicInteger();
    private final Set<Connection> admittedConnections = ConcurrentHashMap.newKeySet();
    /** Connections whose startup packet has not arrived yet (startupPacketTimeout). */
    private final StartupDeadlines startupPackets;
    /** Connections whose session has not started yet (startupTimeout, PostgreSQL's authentication_timeout). */
    private final StartupDeadlines startups;
    private volatile ServerSocket serverSocket;
    private volatile boolean closing;
    private Thread acceptor;

    private BuenaVistaServer(Builder b) {
        this.clock = b.clock;
        this.config = new ServerConfig(b.bindAddress, b.port, b.sslContext, b.maxConnections, b.startupTimeout,
                b.idleTimeout, b.shutdownGracePeriod, b.messageLimits, b.sessionLimits, b.serverVersion, b.parserName,
                b.authenticatorName, b.maxStartingConnections > 0 ? b.maxStartingConnections : b.maxConnections,
                b.startupPacketTimeout);
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
        // explicitly, else the only one there is. A discovered parser routes only when named: core bundles one
        // (cachedb), which must not take over every server that merely has it on the class path.
        this.parser = b.parserName != null || b.parsers.size() > 1 ? providers.parser(b.parserName)
                : b.parsers.size() == 1 ? b.parsers.get(0)
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
        this.scheduler = new Timer(daemonThreads("buenavista-timer"));
        // Every statement under statement_timeout arms a timer and cancels it when it ends: a cancelled timer must
        // leave the queue then, not when its delay (an hour, say) would have expired.
        scheduler.setRemoveOnCancelPolicy(true);
        this.startupPackets = new StartupDeadlines(config.startupPacketTimeout(), this::startupPacketTimedOut);
        this.startups = new StartupDeadlines(config.startupTimeout(), Connection::startupTimedOut);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Binds the port and starts accepting connections. */
    public BuenaVistaServer start() {
        try {
            // Through a channel, so that each accepted socket has one: a frame session may serve it from a selector
            // (FrameChannel.socketChannel); the core itself reads and writes it as a blocking socket.
            ServerSocket ss = ServerSocketChannel.open().socket();
            ss.setReuseAddress(true);
            ss.bind(new InetSocketAddress(config.bindAddress(), config.port()), 128);
            serverSocket = ss;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + config.bindAddress() + ":" + config.port(), e);
        }
        // A tenth of the shorter span: deadlines are kept to within 10 %, and an idle server wakes seldom.
        long sweepMillis = Math.max(5, Math.min(1000,
                Math.min(startupPackets.span().toMillis(), startups.span().toMillis()) / 10));
        scheduler.scheduleWithFixedDelay(this::sweepStartups, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
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

    /**
     * Accepts until the server closes. Nothing a client or a session does may end this loop: out of file
     * descriptors, threads or heap, the client at hand is refused and the next one gets its chance.
     */
    private void acceptLoop() {
        while (!closing) {
            try {
                acceptOne();
            } catch (IOException | RuntimeException | Error e) {
                if (closing || serverSocket.isClosed()) {
                    return;
                }
                try {
                    log.error("cannot accept or serve a new connection", e);
                } catch (RuntimeException | Error ignored) {
                    // logging needs memory too; the loop matters more than the message
                }
                // The cause (no descriptors, threads or memory) rarely lasts, but retrying at once would spin.
                try {
                    Thread.sleep(ACCEPT_RETRY_MILLIS);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    private void acceptOne() throws IOException {
        Socket socket = serverSocket.accept();
        Connection c = null;
        try {
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            c = new Connection(socket, this);
            connections.add(c);
            awaitStartupPacket(c);
            executor.execute(connectionThreads.onSizedStack(c));
        } catch (IOException | RejectedExecutionException e) {
            // This client's own trouble (it reset at once), or an executor that refuses it: no reason to pause.
            if (!closing) {
                log.warn("cannot serve a new connection", e);
            }
            forget(c, socket);
        } catch (RuntimeException | Error e) {
            forget(c, socket);
            throw e;
        }
    }

    private void forget(Connection c, Socket socket) {
        if (c != null) {
            connectionEnded(c);
        }
        closeQuietly(socket);
    }

    /**
     * Counts a new connection as starting, closing the one that has waited longest for its startup packet when
     * there are too many: each holds a thread, and sockets that connect and stall must not pile up. A real client
     * sends its startup packet at once, so it is seldom the oldest.
     */
    private void awaitStartupPacket(Connection c) {
        Connection oldest = startupPackets.addWithin(c, config.maxStartingConnections());
        if (oldest != null) {
            log.debug("too many connections waiting for their startup packet: closing {}", oldest.peer());
            oldest.abort();
        }
    }

    /** The periodic task: it must survive whatever one expiry does, or no deadline would be kept again. */
    private void sweepStartups() {
        try {
            startupPackets.sweep();
            startups.sweep();
        } catch (RuntimeException | Error e) {
            log.error("checking the startup deadlines failed", e);
        }
    }

    private void startupPacketTimedOut(Connection c) {
        log.debug("connection {} did not send its startup packet in time", c.peer());
        c.abort();
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

    /** What admissions' expiries are compared with. */
    java.time.Clock clock() {
        return clock;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    boolean isClosing() {
        return closing;
    }

    /**
     * Called when a connection's startup packet has arrived: it no longer counts as starting.
     *
     * @return false when the connection was closed for waiting too long
     */
    boolean startupPacketArrived(Connection c) {
        return startupPackets.remove(c);
    }

    /** The connection's startup began: it must have a session within the startup timeout. */
    void startupBegan(Connection c) {
        startups.add(c);
    }

    /** The connection has its session (or ended): no startup deadline any more. */
    void startupEnded(Connection c) {
        startups.remove(c);
    }

    /** The number of timers queued (for tests). */
    int timerQueueSize() {
        return scheduler.getQueue().size();
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
        startupPacketArrived(c);
        startupEnded(c);
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

    /**
     * The timer thread: runs the startup deadlines and statement_timeout timers. Whatever a task throws, the thread
     * goes on (a task runs inside a Future, which keeps what it threw); this says it, or it would be lost silently.
     */
    private static final class Timer extends ScheduledThreadPoolExecutor {
        Timer(ThreadFactory threads) {
            super(1, threads);
        }

        @Override
        protected void afterExecute(Runnable task, Throwable thrown) {
            if (task instanceof Future<?> f && f.isDone() && !f.isCancelled()) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    log.error("a timer task failed", e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
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
        private int maxStartingConnections;
        private Duration startupTimeout = Duration.ofSeconds(60);
        private Duration startupPacketTimeout = Duration.ofSeconds(10);
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
        private java.time.Clock clock = java.time.Clock.systemUTC();

        private Builder() {}

        /** The clock an admission's expiry is checked against; the system's by default (tests set their own). */
        public Builder clock(java.time.Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

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

        /**
         * Time allowed from connect to the end of authentication, as PostgreSQL's {@code authentication_timeout}.
         * Default 60 s.
         */
        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = positive(timeout);
            return this;
        }

        /**
         * Connections that may wait for their startup packet at once (SSL negotiation and the TLS handshake
         * included). Each holds a thread and its buffers until then, so sockets that connect and send nothing, or
         * trickle their bytes, must not pile up: when one more connects, the one that has waited longest is closed
         * at once, without a message. A real client sends its startup packet right after connecting, so it is
         * seldom the oldest; once sent, the connection counts against {@link #maxConnections(int)} instead. (So
         * of more clients than this connecting in the same instant, before their threads could read anything, the
         * earliest may be closed: raise it for such bursts.) Default: the same as maxConnections, so the server runs
         * at most about twice as many connection threads (PostgreSQL likewise caps its processes at about twice
         * max_connections).
         */
        public Builder maxStartingConnections(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxStartingConnections must be positive");
            }
            this.maxStartingConnections = max;
            return this;
        }

        /**
         * Time allowed from connect until the startup packet has arrived (SSL negotiation and the TLS handshake
         * included); past it the socket is closed without a message. A real client needs milliseconds; the default
         * of 10 s keeps sockets that stall from holding a thread for long. {@link #startupTimeout(Duration)} still
         * bounds the whole startup, authentication included.
         */
        public Builder startupPacketTimeout(Duration timeout) {
            this.startupPacketTimeout = positive(timeout);
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

        /**
         * Uses the parser with this name: needed when several are registered, and for a discovered one (such as the
         * bundled {@code cachedb}), which never routes unless named.
         */
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
