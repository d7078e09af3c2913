package io.buenavista.core.relay;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Authenticated connections to one {@link Backend}, at most {@code size} at a time (idle or lent). A login that
 * finds all lent waits its turn (first come, first served) up to the configured time, then gets FATAL 53300.
 * Connections come back through {@link #release}: reset ({@code ROLLBACK} if needed, {@code DISCARD ALL}) and kept,
 * or closed when their state is not known to be clean.
 *
 * <p>Session pooling: one connection per client session. Transaction pooling would lend per transaction through the
 * same {@link #acquire}/{@link #release} pair.
 */
public final class BackendPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BackendPool.class);

    private final Backend backend;
    private final BackendTls tls;
    private final RelayConfig config;
    /** One permit per connection that may exist; fair, so waiting logins are served in arrival order. */
    private final Semaphore permits;
    /** Most recently used last, so the warmest connection is reused first and the coldest ages out. */
    private final Deque<BackendConnection> idle = new ArrayDeque<>();
    private final SecureRandom random = new SecureRandom();
    /** Login deadlines. */
    private final ScheduledExecutorService timer;
    private volatile boolean closed;

    /**
     * @throws IllegalArgumentException when the backend's TLS root certificate file cannot be read
     */
    public BackendPool(Backend backend, RelayConfig config) {
        this.backend = backend;
        this.tls = BackendTls.of(backend);
        this.config = config;
        this.permits = new Semaphore(config.poolSize(), true);
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "buenavista-relay-timer");
            thread.setDaemon(true);
            return thread;
        });
        t.setRemoveOnCancelPolicy(true);
        this.timer = t;
        long sweep = Math.min(10_000, Math.max(1000, config.idleTimeout().toMillis() / 2));
        timer.scheduleWithFixedDelay(this::maintain, config.minIdle() > 0 ? 0 : sweep, sweep, TimeUnit.MILLISECONDS);
    }

    public Backend backend() {
        return backend;
    }

    /**
     * Lends a connection, validated: an idle one that fails its first round trip is closed and replaced.
     *
     * @throws PgException FATAL 53300 when none became free in time, FATAL 08006 when the backend refuses
     */
    BackendConnection acquire() {
        return acquire(null);
    }

    /**
     * Lends a connection as {@link #acquire()} does, preferring an idle one that has these settings already (its
     * last client asked for the same, and its reset gave them back): its checkout then needs no round trip. With
     * one user per client, as cachedb's routes have, a user's next session usually finds its own.
     *
     * @param settings the session's settings, or null for no preference
     */
    BackendConnection acquire(List<Map.Entry<String, String>> settings) {
        try {
            if (!permits.tryAcquire(config.poolWait().toNanos(), TimeUnit.NANOSECONDS)) {
                throw PgException.fatal(SqlState.TOO_MANY_CONNECTIONS, "sorry, too many clients already")
                        .withDetail("All " + config.poolSize() + " backend connections stayed in use for "
                                + config.poolWait().toSeconds() + " s.");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PgException.fatal(SqlState.ADMIN_SHUTDOWN, "terminating connection due to administrator command");
        }
        if (closed) {
            permits.release();
            throw PgException.fatal(SqlState.CANNOT_CONNECT_NOW, "the database system is shutting down");
        }
        BackendConnection c = takeIdle(settings);
        if (c != null) {
            return c;
        }
        try {
            return BackendConnection.open(backend, tls, config.connectTimeout(), random, timer);
        } catch (RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    private BackendConnection takeIdle(List<Map.Entry<String, String>> settings) {
        long now = System.nanoTime();
        while (true) {
            BackendConnection c = null;
            synchronized (idle) {
                if (settings != null) {
                    for (Iterator<BackendConnection> it = idle.descendingIterator(); it.hasNext(); ) {
                        BackendConnection candidate = it.next();
                        if (candidate.hasSettings(settings)) {
                            it.remove();
                            c = candidate;
                            break;
                        }
                    }
                }
                if (c == null) {
                    c = idle.pollLast();
                }
            }
            if (c == null) {
                return null;
            }
            boolean stale = now - c.idleSinceNanos() > config.idleTimeout().toNanos();
            if (!stale && isQuiet(c)) {
                return c;
            }
            c.close();
        }
    }

    /** An idle connection says nothing; bytes waiting on one (a FATAL from pg_terminate_backend, say) mean trouble. */
    private static boolean isQuiet(BackendConnection c) {
        try {
            return !c.isClosed() && !c.hasInput();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Takes a lent connection back. A reusable one is reset first and kept if that succeeds; any other is closed.
     * Either way its permit is free again.
     */
    void release(BackendConnection c, boolean reusable) {
        giveBack(c, () -> reusable && !closed && c.reset());
    }

    /**
     * Takes back a lent connection its session already reset (DISCARD ALL succeeded, outside a transaction): kept
     * unless something arrived on it since; either way its permit is free again.
     */
    void releaseReset(BackendConnection c) {
        giveBack(c, () -> !closed && isQuiet(c));
    }

    /**
     * Keeps {@code c} as idle when it is fit for the next client, else closes it; either way, even when the check
     * fails, frees its permit.
     */
    private void giveBack(BackendConnection c, java.util.function.BooleanSupplier fit) {
        try {
            if (fit.getAsBoolean()) {
                c.markIdle();
                synchronized (idle) {
                    idle.addLast(c);
                }
                if (closed) {
                    closeIdle();
                }
                return;
            }
            log.debug("closing backend connection {} instead of reusing it", c);
            c.close();
        } finally {
            permits.release();
        }
    }

    /** Closes expired idle connections, then opens connections up to the minimum idle. */
    private void maintain() {
        try {
            closeExpired();
            while (!closed && needsIdle() && permits.tryAcquire()) {
                // Holding a permit while connecting keeps lent + idle + this one within the pool size.
                try {
                    BackendConnection c = BackendConnection.open(backend, tls, config.connectTimeout(), random, timer);
                    c.markIdle();
                    synchronized (idle) {
                        idle.addLast(c);
                    }
                } finally {
                    permits.release();
                }
            }
        } catch (RuntimeException e) {
            log.warn("cannot open an idle backend connection to {}: {}", backend, e.getMessage());
        }
    }

    private boolean needsIdle() {
        synchronized (idle) {
            int lent = config.poolSize() - permits.availablePermits();
            return idle.size() < config.minIdle() && lent + idle.size() < config.poolSize();
        }
    }

    /** Closes the idle connections unused for longer than the idle timeout, oldest first. */
    private void closeExpired() {
        long now = System.nanoTime();
        while (true) {
            BackendConnection c;
            synchronized (idle) {
                c = idle.peekFirst();
                if (c == null || now - c.idleSinceNanos() <= config.idleTimeout().toNanos()) {
                    return;
                }
                idle.pollFirst();
            }
            log.debug("closing backend connection {}: idle too long", c);
            c.close();
        }
    }

    /** Connections kept idle now. */
    public int idleCount() {
        synchronized (idle) {
            return idle.size();
        }
    }

    /** Closes the idle connections; lent ones are closed as they come back. */
    @Override
    public void close() {
        closed = true;
        closeIdle();
        timer.shutdownNow();
    }

    private void closeIdle() {
        while (true) {
            BackendConnection c;
            synchronized (idle) {
                c = idle.pollFirst();
            }
            if (c == null) {
                return;
            }
            c.close();
        }
    }
}
