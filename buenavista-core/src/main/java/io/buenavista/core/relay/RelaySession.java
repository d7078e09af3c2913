package io.buenavista.core.relay;

import io.buenavista.api.FrameChannel;
import io.buenavista.api.FrameSession;
import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;
import io.buenavista.api.StartupRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client's session relayed to one pooled backend connection (session pooling). Two threads move the bytes: the
 * connection's thread copies client frames to the backend, a pump thread copies backend frames to the client, so a
 * client that pipelines a large batch before reading is never blocked by the relay itself. Each direction reads
 * into one reusable buffer and writes whole runs of frames with one call; only frame headers are looked at, plus
 * ReadyForQuery's status byte (and ParameterStatus, so that the connection's next client is told its settings).
 *
 * <p>The relay counts the ReadyForQuery messages still owed ({@code pending}: one per Query, Sync or FunctionCall
 * sent). When the client leaves at a point where nothing is owed and no extended-protocol message waits for its
 * Sync, the backend is in a known state: a {@code DISCARD ALL} of our own flushes and resets it in one round trip
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
    /** Query "DISCARD ALL": ends an idle session and resets its connection in one round trip. */
    private static final byte[] DISCARD_ALL = query("DISCARD ALL");

    private final BackendPool pool;
    /** Chosen by the handler; {@link #start} replaces one that failed. Set on the connection's thread before serve. */
    private volatile BackendConnection backend;
    /** The client's startup settings and the checkout's, applied by {@link #start}. */
    private final List<Map.Entry<String, String>> settings;
    private final ExecutorService pumps;
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

    RelaySession(BackendPool pool, BackendConnection backend, List<Map.Entry<String, String>> settings,
            ExecutorService pumps, Duration controlTimeout, String who, SqlRewriter rewriter, StartupRequest client) {
        this.rewriter = rewriter;
        this.client = client;
        this.pool = pool;
        this.backend = backend;
        this.settings = settings;
        this.pumps = pumps;
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
                backend = pool.acquire();
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
        log.info("relay session start: {} -> {} (backend pid {})", who, pool.backend(), backend.processId());
        served = true;
        try {
            pumps.execute(() -> pumpBackend(channel));
        } catch (RuntimeException e) {
            pumpDone.countDown();
            throw new IOException("cannot start the relay thread", e);
        }
        try {
            pumpClient(channel.input());
        } finally {
            finish();
        }
    }

    /** Client → backend until Terminate, EOF, or a failure on either side. */
    private void pumpClient(InputStream in) {
        OutputStream out = backend.output();
        byte[] buf = backend.toBackendBuffer;
        int end = 0;
        long remaining = 0;
        boolean scanning = true;
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
            boolean terminate = false;
            if (!scanning) {
                p = end;
            } else {
                if (remaining > 0) {
                    int k = (int) Math.min(remaining, end);
                    p = k;
                    remaining -= k;
                }
                while (end - p >= 5) {
                    byte type = buf[p];
                    int length = BackendConnection.getInt(buf, p + 1);
                    if (length < 4) {
                        // The backend refuses this with FATAL 08P01 and closes; the pump forwards that.
                        scanning = false;
                        unsynced = true;
                        p = end;
                        break;
                    }
                    if (type == 'X') {
                        terminate = true;
                        break;
                    }
                    long total = 1L + length;
                    boolean whole = p + total <= end;
                    boolean rewrite = rewriter != null && (type == 'Q' || type == 'P');
                    if (rewrite && !whole) {
                        // Read the whole frame first; only a rewriting relay ever needs a larger buffer.
                        if (total > buf.length) {
                            buf = java.util.Arrays.copyOf(buf, (int) Math.min(total, Integer.MAX_VALUE - 8));
                        }
                        break;
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
                        remaining = p + total - end;
                        p = end;
                        break;
                    }
                    if (rewrite) {
                        byte[] replacement = rewritten(type, buf, p, (int) total);
                        if (replacement != null) {
                            try {
                                out.write(buf, from, p - from);
                                out.write(replacement);
                            } catch (IOException e) {
                                backendBroken = true;
                                return;
                            }
                            bytesToBackend += p - from + replacement.length;
                            from = p + (int) total;
                        }
                    }
                    p += (int) total;
                }
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
            if (terminate) {
                terminated = true;
                return;
            }
        }
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
    private void pumpBackend(FrameChannel channel) {
        InputStream in = backend.input();
        OutputStream out = channel.output();
        byte[] buf = backend.toClientBuffer;
        int end = 0;
        long remaining = 0;
        byte lastType = 0;
        try {
            while (true) {
                int r = in.read(buf, end, buf.length - end);
                if (r < 0) {
                    throw new EOFException("the backend closed the connection");
                }
                end += r;
                int p = 0;
                if (remaining > 0) {
                    int k = (int) Math.min(remaining, end);
                    p = k;
                    remaining -= k;
                }
                boolean done = false;
                while (end - p >= 5) {
                    byte type = buf[p];
                    int length = BackendConnection.getInt(buf, p + 1);
                    if (length < 4) {
                        throw new IOException("the backend sent a frame of invalid length " + length);
                    }
                    long total = 1L + length;
                    if (p + total > end) {
                        if ((type == 'Z' || type == 'S') && total <= buf.length) {
                            break; // read the rest first: its status byte, or the setting, matters
                        }
                        lastType = type;
                        remaining = p + total - end;
                        p = end;
                        break;
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
                        if (pending.decrementAndGet() <= 0 && draining) {
                            p += (int) total;
                            done = true;
                            break;
                        }
                    }
                    p += (int) total;
                }
                if (draining) {
                    // The client is gone: nothing to forward. Bytes behind our ReadyForQuery would be lost.
                    if (done) {
                        drained = p == end && remaining == 0;
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
            backendBroken = true;
            if (!draining && !stopping && !closed.get()) {
                log.info("relay session {}: backend connection lost: {}", who, e.getMessage());
                // A FATAL the backend sent (pg_terminate_backend: 57P01) already reached the client.
                if (lastType != 'E' && end == 0 && remaining == 0) {
                    writeToClient(out, connectionLost());
                }
                channel.close();
            }
        } finally {
            pumpDone.countDown();
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

    private static byte[] query(String sql) {
        byte[] text = sql.getBytes(StandardCharsets.UTF_8);
        byte[] frame = new byte[6 + text.length];
        frame[0] = 'Q';
        int length = 5 + text.length;
        frame[1] = (byte) (length >>> 24);
        frame[2] = (byte) (length >>> 16);
        frame[3] = (byte) (length >>> 8);
        frame[4] = (byte) length;
        System.arraycopy(text, 0, frame, 5, text.length);
        return frame;
    }

    /** FATAL 08006 as libpq words it when the server goes away. */
    private static byte[] connectionLost() {
        String fields = "SFATAL\0VFATAL\0C08006\0Mserver closed the connection unexpectedly\0"
                + "DThe backend connection of this session failed.\0\0";
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

    /** The client side ended: give the backend back clean, or close it. */
    private void finish() {
        boolean reusable = false;
        if (!backendBroken && !stopping && pending.get() == 0 && !unsynced) {
            // Nothing owed: the last ReadyForQuery's status is current. Outside a transaction, DISCARD ALL both
            // flushes the session and resets the connection; inside one, a Sync flushes and the pool rolls back.
            discarded = backend.transactionStatus() == 'I';
            draining = true;
            pending.incrementAndGet();
            try {
                backend.output().write(discarded ? DISCARD_ALL : SYNC);
                reusable = awaitPump(controlTimeout.toNanos()) && drained && !drainError;
            } catch (IOException e) {
                reusable = false;
            }
            discarded &= reusable && backend.transactionStatus() == 'I';
        }
        if (!reusable) {
            // As if the client had been connected directly: what it sent still runs (PostgreSQL reads it before it
            // sees the end of the connection), an open transaction is rolled back when the backend sees it end.
            if (terminated && !backendBroken) {
                backend.close(); // forwards the client's Terminate
            } else {
                backend.abort();
            }
            awaitPump(controlTimeout.toNanos());
        }
        release(reusable);
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
        synchronized (clientWrite) {
            clientWritesStopped = true;
        }
        backend.close();
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
}
