package io.buenavista.core.relay;

import io.buenavista.api.FrameChannel;
import io.buenavista.api.FrameSession;
import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;
import io.buenavista.api.StartupRequest;
import io.buenavista.core.wire.MessageLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One client's session relayed to one pooled backend connection (session pooling). When both ends are plain TCP, a
 * {@link RelayLoop} moves the bytes of both directions ({@link OnLoop}) and ends the session, and the connection's
 * thread is free once the login is done ({@link FrameChannel#handOff()}); otherwise (TLS on either side, or a
 * rewriter) two threads do: the connection's thread copies client frames to the backend, a pump thread copies
 * backend frames to the client. Either way a client that pipelines a large batch before reading is never blocked
 * by the relay itself. Each direction reads into one reusable buffer and writes whole runs of frames with one call;
 * only frame headers are looked at ({@link #scanClient}, {@link #scanBackend}), plus ReadyForQuery's status byte
 * (and ParameterStatus, so that the connection's next client is told its settings).
 *
 * <p>The relay counts the ReadyForQuery messages still owed ({@code pending}: one per Query, Sync or FunctionCall
 * sent). When the client leaves at a point where nothing is owed and no extended-protocol message waits for its
 * Sync, the backend is in a known state: a {@code DISCARD ALL} of our own (and the session's settings again, in the
 * same write: {@link BackendConnection#resetFrames}) flushes and resets it in one round trip
 * (inside a transaction, a Sync flushes it and the pool rolls back and resets), and it goes back to the pool.
 * Otherwise (mid-statement, mid-COPY, a half-sent pipeline, a broken backend) it is closed, never
 * reused, as the client's own connection would have been: PostgreSQL finishes what it already received and rolls
 * back whatever the client left open.
 */
final class RelaySession implements FrameSession {
    private static final Logger log = LoggerFactory.getLogger(RelaySession.class);
    /** The size of each direction's read buffer ({@link BackendConnection} holds them). */
    static final int BUFFER = 64 * 1024;
    private static final byte[] SYNC = {'S', 0, 0, 0, 4};

    private final BackendPool pool;
    /** Chosen by the handler; {@link #start} replaces one that failed. Set on the connection's thread before serve. */
    private volatile BackendConnection backend;
    /** The client's startup settings and the checkout's, applied by {@link #start}. */
    private final List<Map.Entry<String, String>> settings;
    private final RelayThreads threads;
    private final Duration controlTimeout;
    private final String who;
    /** Null when frames pass unchanged (the fast path); else Query and Parse texts go through it. */
    private final SqlRewriter rewriter;
    private final StartupRequest client;
    private final long startNanos = System.nanoTime();

    /** ReadyForQuery messages the backend still owes: +1 per Query/Sync/FunctionCall sent, -1 per one received. */
    private final AtomicInteger pending = new AtomicInteger();
    /** Parse/Bind/Execute/Describe/Close/Flush sent since the last Sync: the backend is mid-pipeline. */
    private boolean unsynced;
    /** The client left cleanly; the pump waits for the ReadyForQuery of our own Sync and then stops. */
    private volatile boolean draining;
    private volatile boolean drained;
    /** An ErrorResponse arrived while draining: the connection's state is not known to be clean. */
    private volatile boolean drainError;
    /** The drain ran DISCARD ALL (the client left outside a transaction), so the pool need not reset. */
    private boolean discarded;
    /** The backend connection failed or was closed under the session. */
    private volatile boolean backendBroken;
    private volatile boolean stopping;
    /** The client ended with Terminate (rather than by disconnecting). */
    private boolean terminated;
    /** Taken by whichever decides the backend's fate at the end: the session's own end, or {@link #stop}. */
    private final AtomicBoolean endClaimed = new AtomicBoolean();
    private final Object clientWrite = new Object();
    private boolean clientWritesStopped;
    private final Object lifecycle = new Object();
    private boolean released;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch pumpDone = new CountDownLatch(1);
    /** Whether {@link #serve} started the pump; a session refused before that has no pump to wait for. */
    private volatile boolean served;
    private volatile long bytesToBackend;
    private volatile long bytesToClient;
    /** Set when a {@link RelayLoop} serves the session. */
    private volatile OnLoop onLoop;

    /** Why {@link #scanClient} stopped. */
    private enum ClientStop { END, TERMINATE, REWRITE, NEED_WHOLE }

    // Client → backend framing state, kept by whichever thread reads the client.
    /** Bytes of the frame being forwarded that have not arrived yet. */
    private long clientRemaining;
    /** False after a frame of invalid length: the rest is forwarded as it comes, for the backend to refuse. */
    private boolean clientScanning = true;
    private ClientStop clientStop = ClientStop.END;
    /** The length of the frame where the scan stopped for the rewriter. */
    private long stopFrameLength;

    // Backend → client framing state, kept by whichever thread reads the backend.
    private long backendRemaining;
    private byte lastType;
    /** The ReadyForQuery that ends the drain arrived. */
    private boolean drainComplete;

    RelaySession(BackendPool pool, BackendConnection backend, List<Map.Entry<String, String>> settings,
            RelayThreads threads, Duration controlTimeout, String who, SqlRewriter rewriter, StartupRequest client) {
        this.rewriter = rewriter;
        this.client = client;
        this.pool = pool;
        this.backend = backend;
        this.settings = settings;
        this.threads = threads;
        this.controlTimeout = controlTimeout;
        this.who = who;
    }

    /**
     * Applies the client's startup settings to the backend, as PostgreSQL applies them after authentication: a
     * value the backend refuses ends the login with the backend's error, as FATAL (the failed statement set none
     * of them; {@link #close} gives the connection back). An idle connection the backend dropped meanwhile
     * (restart, pg_terminate_backend) fails here and another is taken.
     */
    @Override
    public Map<String, String> start() {
        for (int attempt = 1; ; attempt++) {
            PgException error;
            try {
                error = backend.applySettings(settings);
            } catch (IOException e) {
                backend.abort();
                BackendConnection failed = backend;
                backend = null;
                pool.release(failed, false);
                if (attempt == 3) {
                    throw PgException.fatal(SqlState.CONNECTION_FAILURE, "the backend connection failed");
                }
                backend = pool.acquire(settings);
                continue;
            }
            if (error != null) {
                throw error.isFatal() ? error : error.withSeverity(PgException.Severity.FATAL);
            }
            return backend.parameters();
        }
    }

    @Override
    public void serve(FrameChannel channel) throws IOException {
        served = true;
        SocketChannel clientChannel = channel.socketChannel().orElse(null);
        SocketChannel backendChannel = backend.channel();
        if (rewriter == null && clientChannel != null && backendChannel != null) {
            byte[] readAhead = channel.readAhead();
            if (readAhead.length <= BUFFER) {
                // From here the loop owns the session and ends it: no thread waits for the client meanwhile.
                OnLoop relay = new OnLoop(threads.nextLoop(), channel, clientChannel, backendChannel,
                        channel.handOff());
                onLoop = relay;
                relay.start(readAhead);
                return;
            }
        }
        logStart();
        OutputStream toBackend;
        try {
            InputStream fromBackend = backend.input();
            toBackend = backend.output();
            threads.pumps().execute(() -> pumpBackend(channel, fromBackend));
        } catch (IOException e) {
            pumpDone.countDown();
            throw e;
        } catch (RuntimeException e) {
            pumpDone.countDown();
            throw new IOException("cannot start the relay thread", e);
        }
        try {
            pumpClient(channel, toBackend);
        } finally {
            finish();
        }
    }

    /**
     * The session's first log line. A loop's session writes it on the loop, where its last line is written too: a
     * connection's thread writing it there would wait for the logger's lock whenever the loop is writing the end of
     * the session that just left (pgbench -C), at the cost of two context switches.
     */
    private void logStart() {
        log.info("relay session start: {} -> {} (backend pid {})", who, pool.backend(), backend.processId());
    }

    /** Client → backend until Terminate, EOF, or a failure on either side. */
    private void pumpClient(FrameChannel channel, OutputStream out) {
        InputStream in = channel.input();
        byte[] buf = backend.toBackendBuffer;
        int end = 0;
        while (true) {
            int r;
            try {
                r = in.read(buf, end, buf.length - end);
            } catch (IOException e) {
                return;
            }
            if (r < 0) {
                return;
            }
            end += r;
            int p = 0;
            int from = 0; // bytes before this are written, or replaced by a rewritten frame
            while (true) {
                p = scanClient(buf, p, end);
                if (clientStop != ClientStop.REWRITE) {
                    break;
                }
                int total = (int) stopFrameLength;
                byte[] replacement = rewritten(buf[p], buf, p, total);
                if (replacement != null) {
                    try {
                        out.write(buf, from, p - from);
                        out.write(replacement);
                    } catch (IOException e) {
                        backendBroken = true;
                        return;
                    }
                    bytesToBackend += p - from + replacement.length;
                    from = p + total;
                }
                p += total;
            }
            if (clientStop == ClientStop.NEED_WHOLE && stopFrameLength > buf.length) {
                // Only a rewriting relay ever needs a larger buffer; the core's limit for a query bounds it.
                if (stopFrameLength > MessageLimits.DEFAULT.maxQueryMessage()) {
                    writeToClient(channel.output(), errorFrame(SqlState.PROTOCOL_VIOLATION, "invalid message length "
                            + (stopFrameLength - 1) + " for message type '" + (char) buf[p] + "'", null));
                    channel.close();
                    return;
                }
                buf = java.util.Arrays.copyOf(buf, (int) stopFrameLength);
            }
            if (p > 0) {
                try {
                    out.write(buf, from, p - from);
                } catch (IOException e) {
                    backendBroken = true;
                    return;
                }
                bytesToBackend += p - from;
                System.arraycopy(buf, p, buf, 0, end - p);
                end -= p;
            }
            if (clientStop == ClientStop.TERMINATE) {
                terminated = true;
                return;
            }
        }
    }

    /**
     * Scans the client's frames in {@code buf[p, end)}, counting the ReadyForQuery messages they make the backend
     * owe, and answers how far the bytes may be forwarded as they are: to {@code end} (a frame that has not fully
     * arrived is forwarded as it comes), or to the start of an incomplete header, of a Terminate, or of a Query or
     * Parse frame the rewriter must see whole ({@link #clientStop} says which).
     */
    private int scanClient(byte[] buf, int p, int end) {
        clientStop = ClientStop.END;
        if (!clientScanning) {
            return end;
        }
        if (clientRemaining > 0) {
            int k = (int) Math.min(clientRemaining, end - p);
            p += k;
            clientRemaining -= k;
        }
        while (end - p >= 5) {
            byte type = buf[p];
            int length = BackendConnection.getInt(buf, p + 1);
            if (length < 4) {
                // The backend refuses this with FATAL 08P01 and closes; the backend's side forwards that.
                clientScanning = false;
                unsynced = true;
                return end;
            }
            if (type == 'X') {
                clientStop = ClientStop.TERMINATE;
                return p;
            }
            long total = 1L + length;
            boolean whole = p + total <= end;
            boolean rewrite = rewriter != null && (type == 'Q' || type == 'P');
            if (rewrite && !whole) {
                stopFrameLength = total;
                clientStop = ClientStop.NEED_WHOLE;
                return p;
            }
            switch (type) {
                case 'Q', 'F' -> pending.incrementAndGet();
                case 'S' -> {
                    pending.incrementAndGet();
                    unsynced = false;
                }
                case 'P', 'B', 'E', 'D', 'C', 'H' -> unsynced = true;
                default -> { }
            }
            if (!whole) {
                clientRemaining = p + total - end;
                return end;
            }
            if (rewrite) {
                stopFrameLength = total;
                clientStop = ClientStop.REWRITE;
                return p;
            }
            p += (int) total;
        }
        return p;
    }

    /**
     * The Query or Parse frame at {@code buf[at, at + total)} with its SQL rewritten, or null when unchanged.
     * Query: {@code sql\0}; Parse: {@code name\0 sql\0} then the parameter types, kept as they are.
     */
    private byte[] rewritten(byte type, byte[] buf, int at, int total) {
        int frameEnd = at + total;
        int sqlStart = at + 5;
        if (type == 'P') {
            sqlStart = indexOfZero(buf, sqlStart, frameEnd) + 1;
        }
        int sqlEnd = indexOfZero(buf, sqlStart, frameEnd);
        if (sqlStart <= 0 || sqlEnd < 0) {
            return null; // malformed: the backend refuses it as it is
        }
        String sql = new String(buf, sqlStart, sqlEnd - sqlStart, StandardCharsets.UTF_8);
        String replaced = rewriter.rewrite(client, sql);
        if (replaced == null || replaced.equals(sql)) {
            return null;
        }
        byte[] text = replaced.getBytes(StandardCharsets.UTF_8);
        int head = sqlStart - at;
        int tail = frameEnd - sqlEnd;
        byte[] frame = new byte[head + text.length + tail];
        System.arraycopy(buf, at, frame, 0, head);
        System.arraycopy(text, 0, frame, head, text.length);
        System.arraycopy(buf, sqlEnd, frame, head + text.length, tail);
        int length = frame.length - 1;
        frame[1] = (byte) (length >>> 24);
        frame[2] = (byte) (length >>> 16);
        frame[3] = (byte) (length >>> 8);
        frame[4] = (byte) length;
        return frame;
    }

    private static int indexOfZero(byte[] buf, int from, int to) {
        for (int i = from; i < to; i++) {
            if (buf[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    /** Backend → client until the backend ends, the client is gone, or the session is drained or stopped. */
    private void pumpBackend(FrameChannel channel, InputStream in) {
        OutputStream out = channel.output();
        byte[] buf = backend.toClientBuffer;
        int end = 0;
        try {
            while (true) {
                int r = in.read(buf, end, buf.length - end);
                if (r < 0) {
                    throw new EOFException("the backend closed the connection");
                }
                end += r;
                int p = scanBackend(buf, end);
                if (draining) {
                    // The client is gone: nothing to forward. Bytes behind our ReadyForQuery would be lost.
                    if (drainComplete) {
                        drained = p == end && backendRemaining == 0;
                        return;
                    }
                } else if (p > 0) {
                    synchronized (clientWrite) {
                        if (clientWritesStopped) {
                            return;
                        }
                        try {
                            out.write(buf, 0, p);
                        } catch (IOException e) {
                            // The client is gone; its thread sees that too and decides about the backend.
                            channel.close();
                            return;
                        }
                    }
                    bytesToClient += p;
                }
                System.arraycopy(buf, p, buf, 0, end - p);
                end -= p;
            }
        } catch (IOException e) {
            backendLost(e, channel, end == 0 ? frame -> writeToClient(out, frame) : null);
        } finally {
            pumpDone.countDown();
        }
    }

    /**
     * Scans the backend's frames in {@code buf[0, end)} and answers how many bytes may be forwarded: whole frames,
     * and of a frame that has not fully arrived what is there, except a ReadyForQuery or ParameterStatus, which is
     * read whole first. When the ReadyForQuery that ends a drain arrives, stops behind it and sets
     * {@link #drainComplete}.
     *
     * @throws IOException when the backend sent a frame of invalid length
     */
    private int scanBackend(byte[] buf, int end) throws IOException {
        int p = 0;
        if (backendRemaining > 0) {
            int k = (int) Math.min(backendRemaining, end);
            p = k;
            backendRemaining -= k;
        }
        while (end - p >= 5) {
            byte type = buf[p];
            int length = BackendConnection.getInt(buf, p + 1);
            if (length < 4) {
                throw new IOException("the backend sent a frame of invalid length " + length);
            }
            long total = 1L + length;
            if (p + total > end) {
                if ((type == 'Z' || type == 'S') && total <= buf.length) {
                    return p; // read the rest first: its status byte, or the setting, matters
                }
                lastType = type;
                backendRemaining = p + total - end;
                return end;
            }
            lastType = type;
            if (type == 'S') {
                // The next client of this connection is told the backend's settings at its startup.
                backend.parameterStatus(buf, p + 5, (int) total - 5);
            } else if (type == 'E' && log.isDebugEnabled()) {
                logBackendError(buf, p, (int) total);
            }
            if (type == 'E' && draining) {
                drainError = true;
            }
            if (type == 'Z') {
                backend.transactionStatus((char) buf[p + 5]);
            }
            p += (int) total;
            if (type == 'Z' && pending.decrementAndGet() <= 0 && draining) {
                drainComplete = true;
                return p;
            }
        }
        return p;
    }

    /**
     * The backend connection failed: unless the session is ending anyway, the client gets 08006 (when nothing of
     * another message is half sent to it and the backend's own FATAL did not come first) and is closed.
     *
     * @param toClient writes the 08006 to the client; null when part of a message was already sent
     */
    private void backendLost(IOException e, FrameChannel channel, Consumer<byte[]> toClient) {
        backendBroken = true;
        if (!draining && !stopping && !closed.get()) {
            log.info("relay session {}: backend connection lost: {}", who, e.getMessage());
            // A FATAL the backend sent (pg_terminate_backend: 57P01) already reached the client.
            if (lastType != 'E' && backendRemaining == 0 && toClient != null) {
                toClient.accept(connectionLost());
            }
            channel.close();
        }
    }

    /**
     * Logs an ErrorResponse's severity and SQLSTATE. Not its message: that may quote the client's SQL, and with it
     * a password ({@code ALTER ROLE … PASSWORD}).
     */
    private void logBackendError(byte[] buf, int at, int total) {
        String severity = "?";
        String sqlState = "?";
        int i = at + 5;
        int end = at + total;
        while (i < end && buf[i] != 0) {
            byte code = buf[i++];
            int valueEnd = indexOfZero(buf, i, end);
            if (valueEnd < 0) {
                break;
            }
            if (code == 'V' || (code == 'S' && severity.equals("?"))) {
                severity = new String(buf, i, valueEnd - i, StandardCharsets.UTF_8);
            } else if (code == 'C') {
                sqlState = new String(buf, i, valueEnd - i, StandardCharsets.US_ASCII);
            }
            i = valueEnd + 1;
        }
        log.debug("relay session {}: backend {} {}", who, severity, sqlState);
    }

    private void writeToClient(OutputStream out, byte[] frame) {
        synchronized (clientWrite) {
            if (clientWritesStopped) {
                return;
            }
            try {
                out.write(frame);
                out.flush();
            } catch (IOException ignored) {
                // the client is gone too
            }
        }
    }

    /** FATAL 08006 as libpq words it when the server goes away. */
    private static byte[] connectionLost() {
        return errorFrame(SqlState.CONNECTION_FAILURE, "server closed the connection unexpectedly",
                "The backend connection of this session failed.");
    }

    /** An ErrorResponse frame of severity FATAL. */
    private static byte[] errorFrame(String sqlState, String message, String detail) {
        String fields = "SFATAL\0VFATAL\0C" + sqlState + "\0M" + message + "\0"
                + (detail == null ? "" : "D" + detail + "\0") + "\0";
        byte[] body = fields.getBytes(StandardCharsets.UTF_8);
        byte[] frame = new byte[5 + body.length];
        frame[0] = 'E';
        int length = 4 + body.length;
        frame[1] = (byte) (length >>> 24);
        frame[2] = (byte) (length >>> 16);
        frame[3] = (byte) (length >>> 8);
        frame[4] = (byte) length;
        System.arraycopy(body, 0, frame, 5, body.length);
        return frame;
    }

    /** The threads' end, once the client side ended: give the backend back clean, or close it. */
    private void finish() {
        boolean reusable = false;
        if (startDrain()) {
            reusable = awaitPump(controlTimeout.toNanos()) && drained && !drainError
                    && endClaimed.compareAndSet(false, true);
            discarded &= reusable && backend.transactionStatus() == 'I';
        }
        if (!reusable) {
            closeBackend();
            awaitPump(controlTimeout.toNanos());
        }
        release(reusable);
    }

    /**
     * As if the client had been connected directly: what it sent still runs (PostgreSQL reads it before it sees the
     * end of the connection), an open transaction is rolled back when the backend sees it end. Unless a shutdown's
     * {@link #stop} already decided.
     */
    private void closeBackend() {
        if (endClaimed.compareAndSet(false, true)) {
            closeBackendNow();
        }
    }

    private void closeBackendNow() {
        if (terminated && !backendBroken) {
            backend.close(); // forwards the client's Terminate
        } else {
            backend.abort();
        }
    }

    /** Whether the client left where the backend's state is known: nothing owed, no pipeline waiting for its Sync. */
    private boolean leftCleanly() {
        return !backendBroken && !stopping && pending.get() == 0 && !unsynced;
    }

    /**
     * The drain begins: the backend owes the ReadyForQuery of our frames too. The last ReadyForQuery's status is
     * current: outside a transaction, the connection's reset ({@code DISCARD ALL}, its settings again) both flushes
     * the session and resets the connection; inside one, a Sync flushes and the pool rolls back. Answers the frames
     * to send.
     */
    private byte[] beginDrain() {
        draining = true;
        discarded = backend.transactionStatus() == 'I';
        pending.addAndGet(discarded ? backend.resetFrameCount() : 1);
        return discarded ? backend.resetFrames() : SYNC;
    }

    /** The threads' drain, on the connection's thread while the pump reads the answer; false when not started. */
    private boolean startDrain() {
        if (!leftCleanly()) {
            return false;
        }
        byte[] frame = beginDrain();
        try {
            backend.output().write(frame);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private boolean awaitPump(long nanos) {
        try {
            return pumpDone.await(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void release(boolean reusable) {
        synchronized (lifecycle) {
            if (released) {
                return;
            }
            released = true;
        }
        if (backend == null) {
            return; // start() gave a failed connection back and could not take another
        }
        if (discarded) {
            pool.releaseReset(backend);
        } else {
            pool.release(backend, reusable);
        }
        log.info("relay session end: {} -> {} (backend pid {}{}): {} ms, {} bytes in, {} bytes out", who,
                pool.backend(), backend.processId(), reusable ? ", kept" : ", closed",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), bytesToBackend, bytesToClient);
    }

    @Override
    public void cancel() {
        cancelBackend();
    }

    /** Holds the lifecycle lock so that a cancel never reaches the backend after it went back to the pool. */
    private void cancelBackend() {
        synchronized (lifecycle) {
            BackendConnection b = backend;
            if (!released && b != null) {
                b.cancel(controlTimeout);
            }
        }
    }

    @Override
    public void stop(long deadlineNanos) {
        stopping = true;
        while (pending.get() > 0 && !backendBroken && System.nanoTime() < deadlineNanos) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (pending.get() > 0 && !backendBroken) {
            cancelBackend();
        }
        OnLoop relay = onLoop;
        if (relay != null) {
            relay.detachAndWait();
            relay.clientBlocking();
        }
        synchronized (clientWrite) {
            clientWritesStopped = true;
        }
        if (endClaimed.compareAndSet(false, true)) {
            backend.close(); // the core's close() then releases it
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        synchronized (lifecycle) {
            if (released) {
                return;
            }
        }
        if (!served) {
            // Not a byte relayed (the client went away, or its startup timed out, before it was served): the
            // connection is as clean as the pool lent it, and the pool's reset makes sure.
            release(true);
            return;
        }
        backend.abort();
        awaitPump(controlTimeout.toNanos());
        release(false);
    }

    /**
     * The session's two sockets served by a {@link RelayLoop}: non-blocking, both registered with the loop's
     * selector, each direction with the same buffer as the threads' ({@link BackendConnection} holds them). A
     * direction reads only once its last bytes are written: a destination that does not take them stops reading
     * from the source, so the relay holds at most one buffer per direction, and the client or the backend that
     * does not read is slowed as it would be when connected directly. Everything here runs on the loop's thread,
     * except {@link #start} and {@link #detachAndWait}, which hand over to it. When the session leaves the loop it
     * ends ({@link #end}), and the core ends the connection.
     */
    private final class OnLoop implements RelayLoop.Endpoint {
        private final RelayLoop loop;
        private final FrameChannel channel;
        private final SocketChannel client;
        private final SocketChannel server;
        private SelectionKey clientKey;
        private SelectionKey serverKey;
        private int clientInterest;
        private int serverInterest;
        private final Pipe up = new Pipe(backend.toBackendBuffer);
        private final Pipe down = new Pipe(backend.toClientBuffer);
        /** The client ended (Terminate, end of stream or failure): nothing more is read from it. */
        private boolean clientFinished;
        /** {@link #clientEnded()} did its part. */
        private boolean endHandled;
        private boolean detached;
        /** Tells the core that the session ended. */
        private final FrameChannel.Ending ending;

        OnLoop(RelayLoop loop, FrameChannel channel, SocketChannel client, SocketChannel server,
                FrameChannel.Ending ending) {
            this.loop = loop;
            this.channel = channel;
            this.client = client;
            this.server = server;
            this.ending = ending;
        }

        /** Registers the sockets; what the core and the backend connection already read is relayed first. */
        void start(byte[] readAhead) {
            loop.execute(() -> {
                logStart();
                if (stopping) {
                    detach();
                    return;
                }
                try {
                    client.configureBlocking(false);
                    server.configureBlocking(false);
                    clientKey = client.register(loop.selector(), 0, this);
                    serverKey = server.register(loop.selector(), 0, this);
                } catch (IOException | RuntimeException e) {
                    // Closed meanwhile (the client left, the backend was closed): nothing to relay.
                    backendBroken = true;
                    detach();
                    return;
                }
                System.arraycopy(readAhead, 0, up.buf, 0, readAhead.length);
                up.end = readAhead.length;
                down.end = backend.takeBuffered(down.buf, 0, down.buf.length);
                clientBytes();
                if (!detached) {
                    backendBytes();
                }
                updateInterest();
            });
        }

        /**
         * The client left cleanly: the loop ends the backend's session at once (no hand-over to the connection's
         * thread and back first, which would hold the client's connection slot longer) and detaches at its end.
         */
        private void drain() {
            byte[] frame = beginDrain();
            // Nothing is owed to a client that left; an incomplete header it left behind is never sent.
            down.drop();
            System.arraycopy(frame, 0, up.buf, 0, frame.length);
            up.end = frame.length;
            up.ready(frame.length);
            flushUp();
            if (!detached) {
                // What the backend sent meanwhile may hold the drain's end already.
                backendBytes();
            }
        }

        /** Takes the session off the loop, with both sockets blocking again, and waits for that (bounded). */
        void detachAndWait() {
            loop.execute(this::detach);
            awaitPump(controlTimeout.toNanos());
        }

        @Override
        public void ready(SelectionKey key) {
            if (detached) {
                return;
            }
            int ops = key.readyOps();
            if (key == clientKey) {
                if ((ops & SelectionKey.OP_WRITE) != 0) {
                    flushDown();
                }
                if ((ops & SelectionKey.OP_READ) != 0 && !detached) {
                    readClient();
                }
            } else {
                if ((ops & SelectionKey.OP_WRITE) != 0) {
                    flushUp();
                }
                if ((ops & SelectionKey.OP_READ) != 0 && !detached) {
                    readServer();
                }
            }
            updateInterest();
        }

        @Override
        public void failed(RuntimeException e) {
            log.error("relay session {} failed", who, e);
            backendBroken = true;
            channel.close();
            detach();
        }

        private void readClient() {
            if (clientFinished || up.waiting()) {
                return;
            }
            int n;
            try {
                n = up.readFrom(client);
            } catch (IOException e) {
                n = -1;
            }
            if (n < 0) {
                clientFinished = true;
                clientEnded();
                return;
            }
            if (n > 0) {
                clientBytes();
            }
        }

        private void clientBytes() {
            up.ready(scanClient(up.buf, 0, up.end));
            if (clientStop == ClientStop.TERMINATE) {
                terminated = true;
                clientFinished = true;
            }
            flushUp();
        }

        /** Writes what is due to the backend; once all is out, the buffer takes the client's next bytes. */
        private void flushUp() {
            try {
                bytesToBackend += up.writeTo(server);
            } catch (IOException e) {
                backendLost(e);
                return;
            }
            if (!up.waiting()) {
                clientEnded();
            }
        }

        /**
         * Once the client finished and everything it sent went to the backend: starts the drain when the client
         * left cleanly, else the session leaves the loop.
         */
        private void clientEnded() {
            if (!clientFinished || up.waiting() || endHandled) {
                return;
            }
            endHandled = true;
            if (!draining && leftCleanly()) {
                drain();
            } else {
                detach();
            }
        }

        private void readServer() {
            if (down.waiting()) {
                return;
            }
            try {
                int n = down.readFrom(server);
                if (n < 0) {
                    throw new EOFException("the backend closed the connection");
                }
                if (n == 0) {
                    return;
                }
            } catch (IOException e) {
                backendLost(e);
                return;
            }
            backendBytes();
        }

        private void backendBytes() {
            int p;
            try {
                p = scanBackend(down.buf, down.end);
            } catch (IOException e) {
                backendLost(e);
                return;
            }
            if (draining) {
                // The client is gone: nothing to forward. Bytes behind our ReadyForQuery would be lost.
                if (drainComplete) {
                    drained = p == down.end && backendRemaining == 0;
                    detach();
                    return;
                }
                down.ready(p);
                down.drop();
                return;
            }
            down.ready(p);
            flushDown();
        }

        private void flushDown() {
            try {
                bytesToClient += down.writeTo(client);
            } catch (IOException e) {
                // The client is gone; the session ends, and decides about the backend.
                channel.close();
                detach();
            }
        }

        private void backendLost(IOException e) {
            // Best effort and never blocking: a client that does not read must not hold the loop.
            RelaySession.this.backendLost(e, channel, down.end > 0 ? null : frame -> {
                try {
                    client.write(ByteBuffer.wrap(frame));
                } catch (IOException ignored) {
                    // the client is gone too
                }
            });
            detach();
        }

        /** Reads only when the last bytes are written; writes only while some wait. */
        private void updateInterest() {
            if (detached) {
                return;
            }
            boolean upWaiting = up.waiting();
            boolean downWaiting = down.waiting();
            int c = (!clientFinished && !upWaiting ? SelectionKey.OP_READ : 0)
                    | (downWaiting ? SelectionKey.OP_WRITE : 0);
            int b = (!downWaiting ? SelectionKey.OP_READ : 0) | (upWaiting ? SelectionKey.OP_WRITE : 0);
            if (c != clientInterest) {
                clientKey.interestOps(c);
                clientInterest = c;
            }
            if (b != serverInterest) {
                serverKey.interestOps(b);
                serverInterest = b;
            }
        }

        /**
         * Leaves the loop: once the selector let go of both sockets, a {@link #stop} waiting for that is told, and
         * the session ends.
         */
        private void detach() {
            if (detached) {
                return;
            }
            detached = true;
            if (clientKey != null) {
                clientKey.cancel();
            }
            if (serverKey != null) {
                serverKey.cancel();
            }
            // Both sockets stay non-blocking: the core only closes the client's once told the session ended, and the
            // backend connection's streams switch it back when they are used ({@link #stop} does both itself).
            loop.afterDeregistration(() -> {
                pumpDone.countDown();
                end();
            });
        }

        /**
         * Gives the backend back and tells the core. A backend the drain left clean goes back from here (no I/O);
         * one that needs a reset, or closing, is dealt with on a pump thread, since that blocks. A shutdown's
         * {@link #stop} decides instead when it came first; the core then ends the connection itself.
         */
        private void end() {
            if (stopping || !endClaimed.compareAndSet(false, true)) {
                return;
            }
            boolean reusable = drained && !drainError; // drained: only a drain sets it
            discarded &= reusable && backend.transactionStatus() == 'I';
            if (reusable && discarded) {
                endSession(true);
                return;
            }
            try {
                threads.pumps().execute(() -> {
                    if (!reusable) {
                        closeBackendNow();
                    }
                    endSession(reusable);
                });
            } catch (RuntimeException e) {
                // The relay is closing: the backend goes, and so does the client.
                backend.abort();
                endSession(false);
            }
        }

        private void endSession(boolean reusable) {
            try {
                release(reusable);
            } finally {
                ending.ended();
            }
        }

        /** After {@link #detachAndWait}: the core writes a shutdown's FATAL through the blocking socket. */
        void clientBlocking() {
            try {
                client.configureBlocking(true);
            } catch (IOException | RuntimeException ignored) {
                // closed (nothing will be written), or still registered because the loop did not answer in time
            }
        }
    }
    /**
     * One direction of a relay loop's session: {@code buf[0, end)} holds what was read, of which
     * {@code [written, ready)} is still to be written on; once all of it is, the rest moves to the front.
     */
    private static final class Pipe {
        final byte[] buf;
        private final ByteBuffer buffer;
        int end;
        int ready;
        int written;

        Pipe(byte[] buf) {
            this.buf = buf;
            this.buffer = ByteBuffer.wrap(buf);
        }

        /** Reads what fits behind {@link #end}: the bytes read, or -1 at the end of the stream. */
        int readFrom(SocketChannel from) throws IOException {
            buffer.limit(buf.length).position(end);
            int n = from.read(buffer);
            if (n > 0) {
                end += n;
            }
            return n;
        }

        /** The first {@code n} bytes are to be written on. */
        void ready(int n) {
            ready = n;
            written = 0;
        }

        boolean waiting() {
            return written < ready;
        }

        /** Writes what the channel takes of the ready bytes, and drops them once all are out; answers how many. */
        int writeTo(SocketChannel to) throws IOException {
            int n = 0;
            if (written < ready) {
                buffer.limit(ready).position(written);
                n = to.write(buffer);
                written += n;
            }
            if (written == ready) {
                drop();
            }
            return n;
        }

        /** Drops the ready bytes, written or not: what follows them moves to the front. */
        void drop() {
            System.arraycopy(buf, ready, buf, 0, end - ready);
            end -= ready;
            ready = 0;
            written = 0;
        }
    }
}
