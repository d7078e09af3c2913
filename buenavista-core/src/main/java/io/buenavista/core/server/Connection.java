package io.buenavista.core.server;

import io.buenavista.api.Admission;
import io.buenavista.api.AuthExchange;
import io.buenavista.api.BearerToken;
import io.buenavista.api.Authenticator;
import io.buenavista.api.ClientSession;
import io.buenavista.api.FrameChannel;
import io.buenavista.api.FrameSession;
import io.buenavista.api.PgException;
import io.buenavista.api.Principal;
import io.buenavista.api.QueryHandler;
import io.buenavista.api.QuerySession;
import io.buenavista.api.Route;
import io.buenavista.api.SessionContext;
import io.buenavista.api.SqlState;
import io.buenavista.api.StartupRequest;
import io.buenavista.core.auth.PasswordExchange;
import io.buenavista.core.auth.TokenShape;
import io.buenavista.core.session.Session;
import io.buenavista.core.session.SessionSettings;
import io.buenavista.core.sql.StartupOptions;
import io.buenavista.core.wire.FrameReader;
import io.buenavista.core.wire.FrontendMessage;
import io.buenavista.core.wire.MessageWriter;
import io.buenavista.core.wire.StartupPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLSocket;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One client connection, read top to bottom: negotiate (SSLRequest, GSSENCRequest, CancelRequest) → StartupMessage →
 * route → authenticate → open the handler's session → serve messages until Terminate or disconnect (or hand the
 * frames to a {@link FrameSession}, which serves them itself, possibly on threads of its own: then the connection
 * ends when that session says so, not when this thread is done). The SQL itself
 * is {@link Session}'s business; this class owns the socket, the limits and the cancel key.
 */
final class Connection implements Runnable, CancelRegistry.Cancellable {
    private static final Logger log = LoggerFactory.getLogger(Connection.class);
    /** How long a shutdown waits for a stopped statement to end and for its last bytes to be written. */
    private static final long SHUTDOWN_DRAIN_NANOS = TimeUnit.SECONDS.toNanos(5);

    /**
     * Read buffers before and after the startup packet: sockets that never send one (there may be many) should cost
     * little.
     */
    private static final int STARTUP_BUFFER = 1024;
    private static final int MESSAGE_BUFFER = 64 * 1024;

    private final BuenaVistaServer server;
    private final ServerConfig config;
    /** The TCP socket as accepted; {@link #socket} becomes the TLS socket layered on it after an SSLRequest. */
    private final Socket accepted;
    private Socket socket;
    private FrameReader reader;
    private MessageWriter writer;
    private HoldingInput input;
    /**
     * The small buffer of the startup and authentication, under {@link #input} once a SQL session starts (a frame
     * session reads the socket itself, so it never gets the large one).
     */
    private HoldingInput startupInput;

    /** Held while a message is being handled, so shutdown never writes in the middle of a response. */
    private final ReentrantLock processing = new ReentrantLock();
    private volatile boolean closing;
    private volatile Session session;
    /** Set instead of {@link #session} when the handler serves the frames itself. */
    private volatile FrameSession frameSession;
    /**
     * The frame session took the connection off this thread ({@link FrameChannel#handOff()}): it calls
     * {@link #frameSessionEnded()} when done, and the connection ends then, not when {@code serve} returns.
     */
    private volatile boolean handedOff;
    /** Set by the one call of {@link #cleanup()} that ends the connection. */
    private final AtomicBoolean ended = new AtomicBoolean();
    private CancelRegistry.Key cancelKey;
    /** When the admission ends ({@link Admission#expiresAt()}); null for never. */
    private Instant admissionExpiry;
    /** Set by the one thread that sends this connection's FATAL error, so that a client gets only one. */
    private final AtomicBoolean fatalSent = new AtomicBoolean();
    /** Opened once nothing more will be written: the FATAL is out, or the connection has ended. */
    private final CountDownLatch finished = new CountDownLatch(1);

    Connection(Socket socket, BuenaVistaServer server) {
        this.accepted = socket;
        this.socket = socket;
        this.server = server;
        this.config = server.config();
    }

    @Override
    public void run() {
        String peer = String.valueOf(socket.getRemoteSocketAddress());
        try {
            server.startupBegan(this);
            serve();
        } catch (PgException e) {
            log.debug("connection {} ends: {}", peer, TokenShape.redact(e.toString()));
            sendFatal(e);
        } catch (EOFException | SocketException e) {
            log.debug("connection {} closed: {}", peer, e.getMessage());
        } catch (SocketTimeoutException e) {
            // PostgreSQL tells the two apart: a client that left a transaction open holds locks and snapshots.
            Session s = session;
            sendFatal(s != null && s.transactionStatus() != 'I'
                    ? PgException.fatal(SqlState.IDLE_IN_TRANSACTION_SESSION_TIMEOUT,
                            "terminating connection due to idle-in-transaction timeout")
                    : PgException.fatal(SqlState.IDLE_SESSION_TIMEOUT,
                            "terminating connection due to idle-session timeout"));
        } catch (IOException e) {
            if (!closing) {
                log.debug("connection {} failed: {}", peer, e.toString());
            }
        } catch (OutOfMemoryError e) {
            // Ending the session frees what it holds; the server and the other sessions carry on.
            log.error("connection {} ran out of memory; ending it", peer, e);
            sendFatal(PgException.fatal(SqlState.OUT_OF_MEMORY, "out of memory"));
        } catch (RuntimeException | Error e) {
            log.error("connection {} failed unexpectedly", peer, e);
            sendFatal(PgException.fatal(SqlState.INTERNAL_ERROR, "internal error"));
        } finally {
            if (!handedOff) {
                cleanup();
            }
        }
    }

    private void serve() throws IOException {
        startupInput = new HoldingInput(socket.getInputStream(), STARTUP_BUFFER);
        input = startupInput;
        reader = new FrameReader(input, config.messageLimits());
        writer = new MessageWriter(socket.getOutputStream());
        int first = reader.peekFirstByte();
        if (first < 0) {
            log.debug("connection {} closed without sending anything", socket.getRemoteSocketAddress());
            return;
        }
        if (first == FrameReader.TLS_HANDSHAKE_BYTE) {
            // Direct TLS without SSLRequest is not offered: closing quietly lets such a client fall back.
            log.debug("connection {} started TLS directly; closing", socket.getRemoteSocketAddress());
            return;
        }
        StartupPacket.StartupMessage startup = negotiate();
        if (startup == null || !server.startupPacketArrived(this)) {
            return;
        }
        if (startup.majorVersion() < 3) {
            // Such a client reads errors in its own protocol's format; PostgreSQL answers it the same way.
            writer.preV3ErrorResponse("FATAL:  " + unsupportedProtocol(startup) + "\n");
            return;
        }
        startSession(startup);
        FrameSession frames = frameSession;
        if (frames != null) {
            byte[] readAhead = heldBytes();
            frames.serve(new Channel(readAhead.length == 0 ? socket.getInputStream()
                    : new SequenceInputStream(new ByteArrayInputStream(readAhead), socket.getInputStream()),
                    readAhead));
        } else {
            serveMessages();
        }
    }

    /**
     * What the two buffers already hold of the client's bytes behind the startup: a frame session gets them first,
     * then the socket itself (TLS included). Read straight from the socket, a relay's large reads skip
     * BufferedInputStream's {@code available()} probe after each short read (one ioctl per read). Only what the
     * buffers hold is taken from them: a read that asked them for more could make them pull further bytes from the
     * socket.
     */
    private byte[] heldBytes() throws IOException {
        ByteArrayOutputStream held = new ByteArrayOutputStream();
        held.writeBytes(input.readNBytes(input.held()));
        if (startupInput != input) {
            held.writeBytes(startupInput.readNBytes(startupInput.held()));
        }
        return held.toByteArray();
    }

    /** A BufferedInputStream that tells how many bytes it holds, without asking the socket. */
    private static final class HoldingInput extends BufferedInputStream {
        HoldingInput(InputStream in, int size) {
            super(in, size);
        }

        int held() {
            return count - pos;
        }
    }

    /** Answers SSLRequest/GSSENCRequest/CancelRequest until a StartupMessage arrives; null when none will. */
    private StartupPacket.StartupMessage negotiate() throws IOException {
        boolean sslAnswered = false;
        boolean gssAnswered = false;
        while (true) {
            StartupPacket packet = reader.readStartupPacket();
            if (packet instanceof StartupPacket.StartupMessage m) {
                return m;
            } else if (packet instanceof StartupPacket.SslRequest) {
                if (sslAnswered) {
                    throw PgException.fatal(SqlState.PROTOCOL_VIOLATION, "SSLRequest sent twice");
                }
                sslAnswered = true;
                if (config.sslContext() != null) {
                    refuseBytesBehindSslRequest();
                    writer.singleByte('S');
                    upgradeToTls();
                } else {
                    writer.singleByte('N');
                }
            } else if (packet instanceof StartupPacket.GssEncRequest) {
                if (gssAnswered) {
                    throw PgException.fatal(SqlState.PROTOCOL_VIOLATION, "GSSENCRequest sent twice");
                }
                gssAnswered = true;
                writer.singleByte('N');
            } else if (packet instanceof StartupPacket.CancelRequest c) {
                boolean delivered = server.cancelRegistry().cancel(c.processId(), c.secretKey());
                log.debug("cancel request for process {}: {}", c.processId(), delivered ? "delivered" : "ignored");
                return null;
            }
        }
    }

    /**
     * Bytes sent behind the SSLRequest, before our answer, would be read as if they had come over TLS: a
     * buffer-stuffing attack (CVE-2021-23214). Checked before answering, because once 'S' is out the client's
     * ClientHello may legitimately be waiting in the socket.
     */
    private void refuseBytesBehindSslRequest() throws IOException {
        if (input.available() > 0) {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION, "received unencrypted data after SSL request")
                    .withDetail("This could be either a client-software bug or evidence of an attempted "
                            + "man-in-the-middle attack.");
        }
    }

    private void upgradeToTls() throws IOException {
        InetSocketAddress remote = (InetSocketAddress) socket.getRemoteSocketAddress();
        SSLSocket tls = (SSLSocket) config.sslContext().getSocketFactory()
                .createSocket(socket, remote.getHostString(), remote.getPort(), true);
        tls.setUseClientMode(false);
        tls.startHandshake();
        socket = tls;
        startupInput = new HoldingInput(tls.getInputStream(), STARTUP_BUFFER);
        input = startupInput;
        reader = new FrameReader(input, config.messageLimits());
        writer = new MessageWriter(tls.getOutputStream());
    }

    private void startSession(StartupPacket.StartupMessage m) throws IOException {
        if (m.majorVersion() != 3) {
            throw PgException.fatal(SqlState.FEATURE_NOT_SUPPORTED, unsupportedProtocol(m));
        }
        Map<String, String> params = m.parameters();
        List<String> unsupported = new ArrayList<>();
        for (String name : params.keySet()) {
            if (name.startsWith("_pq_.")) {
                unsupported.add(name);
            }
        }
        if (m.minorVersion() > 0 || !unsupported.isEmpty()) {
            writer.negotiateProtocolVersion(3, 0, unsupported);
        }
        String user = params.get("user");
        if (user == null || user.isEmpty()) {
            throw PgException.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "no PostgreSQL user name specified in startup packet");
        }
        if (closing || server.isClosing()) {
            throw PgException.fatal(SqlState.CANNOT_CONNECT_NOW, "the database system is shutting down");
        }
        if (!server.admitted(this)) {
            throw PgException.fatal(SqlState.TOO_MANY_CONNECTIONS, "sorry, too many clients already");
        }
        String database = params.getOrDefault("database", user);
        if (database.isEmpty()) {
            database = user;
        }
        Map<String, String> options = fatalOnError(() -> StartupOptions.parse(params.getOrDefault("options", "")));
        StartupRequest request = new StartupRequest(user, database, params.getOrDefault("application_name", ""),
                options, params, (InetSocketAddress) socket.getRemoteSocketAddress(), socket instanceof SSLSocket);
        log.debug("startup from {}: user={} database={} application_name={} parameters={}",
                request.remoteAddress(), TokenShape.redact(user), TokenShape.redact(database),
                TokenShape.redact(request.applicationName()), params.keySet());

        Route parsed = fatalOnError(() -> server.parser().parse(request));
        handlerFor(parsed); // an unknown handler is refused before any credential is asked for
        Authenticator authenticator = server.authenticator();
        AuthExchange exchange = fatalOnError(() -> authenticator.exchange(request, parsed));
        Principal proven = new PasswordExchange(reader, writer, server.random()).run(exchange, user);
        Admission admission = fatalOnError(() -> authenticator.admit(proven, request, parsed));
        Principal principal = admission.principal();
        Route route = admission.route();
        QueryHandler handler = handlerFor(route);
        admissionExpiry = admission.expiresAt().orElse(null);

        // A frame session's backend judges the startup settings itself (a relay's PostgreSQL knows them all), so the
        // core's settings are made, and its verdict counts, only once the handler asks or opened a SQL session.
        StartupSettings startupSettings = new StartupSettings(principal.name(), params, options);
        Session[] holder = new Session[1];
        SessionContext context = new Context(route, principal, admission.bearerToken(), request, startupSettings,
                holder);
        ClientSession opened = fatalOnError(() -> handler.openSession(context));
        if (opened instanceof FrameSession frames) {
            startFrameSession(frames);
            return;
        }
        QuerySession querySession = (QuerySession) opened;
        SessionSettings settings = startupSettings.settings();
        if (startupSettings.error() != null) {
            querySession.close();
            throw startupSettings.error();
        }
        // A SQL session's client gets a buffer sized for real traffic. The small one of the startup stays underneath
        // for whatever it already holds; larger reads go past it straight to the socket.
        input = new HoldingInput(startupInput, MESSAGE_BUFFER);
        reader = new FrameReader(input, config.messageLimits());
        try {
            querySession.parameterStatus().forEach(settings::override);
            applyHandlerCustomSettings(settings, querySession);
            settings.markStartupValues();
            Session s = new Session(querySession, writer, settings, server.codecs(), config.sessionLimits(),
                    reader, server.scheduler());
            holder[0] = s;
            cancelKey = server.cancelRegistry().register(this);
            server.startupEnded(this);
            writer.authenticationOk();
            for (String name : SessionSettings.reportedNames()) {
                writer.parameterStatus(name, settings.get(name));
            }
            writer.backendKeyData(cancelKey.processId(), cancelKey.secretKey());
            writer.readyForQuery('I');
            writer.flush();
            session = s;
        } catch (RuntimeException | IOException e) {
            querySession.close();
            throw e;
        }
    }

    private QueryHandler handlerFor(Route route) throws PgException {
        QueryHandler handler = server.providers().handler(route.handler());
        if (handler == null) {
            throw PgException.fatal(SqlState.SQLSERVER_REJECTED_ESTABLISHMENT_OF_SQLCONNECTION,
                    "no handler named \"" + route.handler() + "\" is available");
        }
        return handler;
    }

    /**
     * A frame session's client sees the parameters the session reports (a backend's), not the core's. The session
     * starts after AuthenticationOk is written (not yet flushed), so that a startup setting it refuses reaches the
     * client behind AuthenticationOk, as from PostgreSQL. No idle timeout is set on the socket: a client waiting
     * for a long statement reads nothing meanwhile.
     */
    private void startFrameSession(FrameSession frames) throws IOException {
        try {
            writer.authenticationOk();
            Map<String, String> reported = fatalOnError(frames::start);
            cancelKey = server.cancelRegistry().register(this);
            server.startupEnded(this);
            for (Map.Entry<String, String> p : reported.entrySet()) {
                writer.parameterStatus(p.getKey(), p.getValue());
            }
            writer.backendKeyData(cancelKey.processId(), cancelKey.secretKey());
            writer.readyForQuery('I');
            writer.flush();
            frameSession = frames;
        } catch (RuntimeException | IOException e) {
            frames.close();
            throw e;
        }
    }

    private static String unsupportedProtocol(StartupPacket.StartupMessage m) {
        return "unsupported frontend protocol " + m.majorVersion() + "." + m.minorVersion()
                + ": server supports 3.0 to 3.0";
    }

    /**
     * The core's settings of a SQL session with the client's startup values applied, made on first use: a frame
     * session (a relay) never needs them, and making them is a good part of what a relayed login costs.
     */
    private final class StartupSettings {
        private final String user;
        private final Map<String, String> params;
        private final Map<String, String> options;
        private SessionSettings settings;
        /** The first startup value the core refuses, or null. */
        private PgException error;

        StartupSettings(String user, Map<String, String> params, Map<String, String> options) {
            this.user = user;
            this.params = params;
            this.options = options;
        }

        synchronized SessionSettings settings() {
            if (settings == null) {
                settings = new SessionSettings(config.serverVersion(), user);
                try {
                    applyStartupSettings(settings, params, options);
                } catch (PgException e) {
                    error = e;
                }
            }
            return settings;
        }

        synchronized PgException error() {
            settings();
            return error;
        }
    }

    /**
     * The custom settings the handler starts the session with, after the client's startup parameters (which cannot
     * replace them); then the handler hears every custom setting's value, the client's too.
     */
    private static void applyHandlerCustomSettings(SessionSettings settings, QuerySession querySession) {
        querySession.customSettings().forEach((name, value) -> {
            if (!SessionSettings.isCustom(name)) {
                throw new IllegalStateException("not a custom setting name: " + name);
            }
            settings.set(name, value);
        });
        try {
            settings.custom().forEach(querySession::settingChanged);
        } catch (PgException e) {
            throw e.withSeverity(PgException.Severity.FATAL);
        }
    }

    private void applyStartupSettings(SessionSettings settings, Map<String, String> params,
            Map<String, String> options) {
        Map<String, String> all = new LinkedHashMap<>(params);
        all.putAll(options);
        for (Map.Entry<String, String> e : all.entrySet()) {
            String name = e.getKey();
            if (name.equals("user") || name.equals("database") || name.equals("options")
                    || name.startsWith("_pq_.")) {
                continue;
            }
            if (!settings.owns(name) && !SessionSettings.isCustom(name)) { // custom ones start as in PostgreSQL
                log.debug("ignoring startup parameter {}", name);
                continue;
            }
            fatalOnError(() -> settings.set(name, e.getValue()));
        }
    }

    private void serveMessages() throws IOException {
        socket.setSoTimeout((int) config.idleTimeout().toMillis());
        while (true) {
            FrontendMessage m = reader.readMessage();
            processing.lock();
            try {
                if (closing) {
                    return;
                }
                if (admissionExpiry != null && session.startsStatementAtBoundary(m)
                        && !server.clock().instant().isBefore(admissionExpiry)) {
                    log.info("ending the session of {}: its admission expired at {}",
                            socket.getRemoteSocketAddress(), admissionExpiry);
                    throw PgException.fatal(SqlState.INVALID_PASSWORD, "token expired");
                }
                if (!session.handle(m)) {
                    return;
                }
            } finally {
                processing.unlock();
            }
        }
    }

    @Override
    public void cancelRunningStatement() {
        FrameSession frames = frameSession;
        if (frames != null) {
            frames.cancel();
            return;
        }
        Session s = session;
        if (s != null) {
            s.cancel();
        }
    }

    /**
     * Ends this connection for a server shutdown: waits for the statement in progress up to the deadline; past
     * it, the statement stops wherever it is (executing, or streaming to a slow client) and the connection's own
     * thread sends FATAL 57P01 behind the rows already written, as PostgreSQL's backends do. An idle connection
     * gets the FATAL from here. The socket closes once the FATAL is out, or after a bounded wait for a client that
     * does not read.
     */
    void shutdown(long deadlineNanos) {
        closing = true;
        ScheduledFuture<?> cutoff = null;
        try {
            FrameSession frames = frameSession;
            if (frames != null) {
                // The frame session writes to the client from its own threads and lets the request in flight
                // finish until the deadline; once it stopped, the FATAL is ours.
                frames.stop(deadlineNanos);
                cutoff = server.scheduler().schedule(this::closeSocket, SHUTDOWN_DRAIN_NANOS, TimeUnit.NANOSECONDS);
                sendFatal(adminShutdown());
                if (handedOff) {
                    cleanup(); // no thread of ours serves it: the end is the shutdown's
                }
                finished.await(SHUTDOWN_DRAIN_NANOS, TimeUnit.NANOSECONDS);
                return;
            }
            boolean locked = processing.tryLock(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            long drainDeadline = System.nanoTime() + SHUTDOWN_DRAIN_NANOS;
            // A client that reads nothing would block the writes below for ever: its socket closes at the cutoff.
            cutoff = server.scheduler().schedule(this::closeSocket, SHUTDOWN_DRAIN_NANOS, TimeUnit.NANOSECONDS);
            if (!locked) {
                Session s = session;
                if (s != null) {
                    s.terminate();
                }
                locked = processing.tryLock(SHUTDOWN_DRAIN_NANOS, TimeUnit.NANOSECONDS);
            }
            if (locked) {
                try {
                    sendFatal(adminShutdown());
                } finally {
                    processing.unlock();
                }
            }
            finished.await(Math.max(0, drainDeadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (cutoff != null) {
                cutoff.cancel(false);
            }
            closeSocket();
        }
    }

    /** The client's address, for logs. */
    String peer() {
        return String.valueOf(accepted.getRemoteSocketAddress());
    }

    /**
     * Closes the connection before its startup packet arrived, from another thread: the blocked read fails and the
     * connection's thread ends.
     */
    void abort() {
        try {
            accepted.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** The startup timeout passed (the server's sweep calls this): a connection without a session yet ends. */
    void startupTimedOut() {
        if (session == null && frameSession == null) {
            log.debug("connection {} did not finish startup in time", socket.getRemoteSocketAddress());
            closeSocket();
        }
    }

    private static PgException adminShutdown() {
        return PgException.fatal(SqlState.ADMIN_SHUTDOWN, "terminating connection due to administrator command");
    }

    /** Sends the connection's one FATAL error; a later call, from this thread or the shutdown's, does nothing. */
    private void sendFatal(PgException e) {
        if (handedOff && !closing) {
            return; // the frame session writes to its client, from its own threads, until it ends or stops
        }
        if (!fatalSent.compareAndSet(false, true)) {
            return;
        }
        try {
            if (writer == null || socket.isClosed()) {
                return;
            }
            writer.abandonMessage();
            writer.errorResponse(e.isFatal() ? e : e.withSeverity(PgException.Severity.FATAL));
            writer.flush();
        } catch (IOException | RuntimeException ignored) {
            // the client is gone; nothing to tell it
        } finally {
            finished.countDown();
        }
    }

    private void closeSocket() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /**
     * A frame session that took the connection off its thread ended. During a shutdown the shutdown ends the
     * connection, behind its FATAL.
     */
    private void frameSessionEnded() {
        if (!closing) {
            cleanup();
        }
    }

    private void cleanup() {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        try {
            if (cancelKey != null) {
                server.cancelRegistry().unregister(cancelKey);
            }
            FrameSession frames = frameSession;
            if (frames != null) {
                try {
                    frames.close();
                } catch (RuntimeException e) {
                    log.warn("closing the frame session failed", e);
                }
            }
            Session s = session;
            if (s != null) {
                processing.lock();
                try {
                    s.close();
                } catch (RuntimeException e) {
                    log.warn("closing the session failed", e);
                } finally {
                    processing.unlock();
                }
            }
        } finally {
            // Whatever failed above (an Error, say), the slot and the socket are given back. The slot first, before
            // the client can see the close, so that it may reconnect at once.
            server.connectionEnded(this);
            closeSocket();
            finished.countDown();
        }
    }

    private static <T> T fatalOnError(java.util.function.Supplier<T> step) {
        try {
            return step.get();
        } catch (PgException e) {
            throw e.isFatal() ? e : e.withSeverity(PgException.Severity.FATAL);
        }
    }

    /** What a {@link FrameSession} sees of its client. */
    private final class Channel implements FrameChannel {
        private final InputStream clientInput;
        private final byte[] readAhead;

        Channel(InputStream clientInput, byte[] readAhead) {
            this.clientInput = clientInput;
            this.readAhead = readAhead;
        }

        @Override
        public InputStream input() {
            return clientInput;
        }

        @Override
        public Optional<SocketChannel> socketChannel() {
            return socket instanceof SSLSocket ? Optional.empty() : Optional.ofNullable(socket.getChannel());
        }

        @Override
        public byte[] readAhead() {
            return readAhead.clone();
        }

        @Override
        public OutputStream output() {
            try {
                return socket.getOutputStream();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            closeSocket();
        }

        @Override
        public Ending handOff() {
            handedOff = true;
            return Connection.this::frameSessionEnded;
        }
    }

    /** What the handler's session sees of its connection. */
    private static final class Context implements SessionContext {
        private final Route route;
        private final Principal principal;
        private final Optional<BearerToken> bearerToken;
        private final StartupRequest startup;
        private final StartupSettings settings;
        private final Session[] session;

        Context(Route route, Principal principal, Optional<BearerToken> bearerToken, StartupRequest startup,
                StartupSettings settings, Session[] session) {
            this.route = route;
            this.principal = principal;
            this.bearerToken = bearerToken;
            this.startup = startup;
            this.settings = settings;
            this.session = session;
        }

        @Override
        public Route route() {
            return route;
        }

        @Override
        public Principal principal() {
            return principal;
        }

        @Override
        public Optional<BearerToken> bearerToken() {
            return bearerToken;
        }

        @Override
        public StartupRequest startup() {
            return startup;
        }

        @Override
        public String setting(String name) {
            return settings.settings().get(name);
        }

        @Override
        public void notice(PgException notice) {
            Session s = session[0];
            if (s != null) {
                s.notice(notice);
            }
        }
    }
}
