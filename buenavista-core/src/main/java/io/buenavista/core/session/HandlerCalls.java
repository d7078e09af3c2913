package io.buenavista.core.session;

import io.buenavista.api.PgException;
import io.buenavista.api.QuerySession;
import io.buenavista.api.SqlState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Every call into the handler's session goes through here: whatever it throws becomes a {@link PgException} (with
 * its position moved into the client's text). A cancel request, the {@code statement_timeout} timer or a server
 * shutdown stops the statement of the message being handled, whatever it is doing, as PostgreSQL's interrupts do:
 * the handler is told (to interrupt a running execution), and the core itself checks before each handler call,
 * after a prepare and before each row, so that a handler that cannot be interrupted, or a stream blocked on a
 * slow client, ends at the next of those points.
 */
final class HandlerCalls {
    private static final Logger log = LoggerFactory.getLogger(HandlerCalls.class);
    /** How often a stopped statement's handler is told again while the message is still being handled. */
    private static final long REMIND_MILLIS = 100;

    /** Why the running statement must stop, in increasing precedence. */
    private enum Stop {
        CANCEL, TIMEOUT, SHUTDOWN;

        PgException error() {
            return switch (this) {
                case CANCEL -> new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
                case TIMEOUT -> new PgException(SqlState.QUERY_CANCELED,
                        "canceling statement due to statement timeout");
                case SHUTDOWN -> PgException.fatal(SqlState.ADMIN_SHUTDOWN,
                        "terminating connection due to administrator command");
            };
        }
    }

    private final QuerySession handler;
    /** Runs the statement_timeout timers and the reminders; null for none. */
    private final ScheduledExecutorService timer;
    /** Whether a message is being handled, so a cancel has something to cancel. */
    private volatile boolean running;
    /** Whether a prepare, execute or transaction call into the handler is in progress. */
    private volatile boolean inCall;
    /** Why the statement of the message being handled must stop; null while it may go on. */
    private final AtomicReference<Stop> stop = new AtomicReference<>();
    /** The statement whose statement_timeout timer is armed; guarded by {@link #lock}. */
    private Object timedStatement;
    /** Tells the handler again while a stopped message is still being handled; guarded by {@link #lock}. */
    private ScheduledFuture<?> reminder;
    private final Object lock = new Object();

    HandlerCalls(QuerySession handler, ScheduledExecutorService timer) {
        this.handler = handler;
        this.timer = timer;
    }

    /** A call into the handler. */
    @FunctionalInterface
    interface Call<T> {
        T run();
    }

    /** A call into the handler that returns nothing. */
    @FunctionalInterface
    interface Action {
        void run();
    }

    /** Work that reads from the handler and writes to the client. */
    @FunctionalInterface
    interface Io<T> {
        T run() throws IOException;
    }

    /**
     * The handling of one message starts: a cancel request may stop it from now on; one that came before is
     * forgotten, as PostgreSQL ignores a cancel that arrives while it waits for a command.
     */
    void begin() {
        stop.getAndUpdate(s -> s == Stop.SHUTDOWN ? s : null);
        running = true;
    }

    /** The handling of the message has ended. */
    void end() {
        running = false;
        synchronized (lock) {
            if (reminder != null) {
                reminder.cancel(false);
                reminder = null;
            }
        }
    }

    /**
     * Calls into the handler to prepare or execute, unless the statement was stopped.
     *
     * @param offset where the statement starts in the client's text, added to an error's position; 0 for none
     */
    <T> T call(Call<T> call, int offset) {
        checkStopped();
        return invoke(call, offset);
    }

    /**
     * Calls into the handler for no result (begin, commit, rollback): these run even after a cancel, since ending
     * a transaction must not be refused.
     */
    void run(Action action) {
        invoke(() -> {
            action.run();
            return null;
        }, 0);
    }

    private <T> T invoke(Call<T> call, int offset) {
        inCall = true;
        try {
            return call.run();
        } catch (PgException e) {
            PgException reason = reason(e);
            if (reason != e) {
                throw reason;
            }
            throw e.position() > 0 && offset > 0 ? e.withPosition(e.position() + offset) : e;
        } catch (RuntimeException e) {
            throw internal(e);
        } finally {
            inCall = false;
        }
    }

    /** Pulls rows from a handler's cursor while writing them; its failures become PgExceptions. */
    <T> T streaming(Io<T> work) throws IOException {
        try {
            return work.run();
        } catch (PgException e) {
            throw reason(e);
        } catch (RuntimeException e) {
            throw internal(e);
        }
    }

    /**
     * Throws the statement's 57014 (or FATAL 57P01 at shutdown) if it was stopped: called where PostgreSQL checks
     * for interrupts, between rows and around handler calls.
     */
    void checkStopped() {
        Stop s = stop.get();
        if (s != null) {
            throw s.error();
        }
    }

    /**
     * Runs a statement under {@code statement_timeout}: when it passes, the statement stops and its 57014 says
     * why.
     *
     * @param statement what the timer belongs to, so that a late timer of an earlier statement does nothing
     * @param timeoutMillis the setting's value; 0 for none
     * @param work the statement's whole run, from its text to its last row sent
     */
    <T> T withTimeout(Object statement, long timeoutMillis, Io<T> work) throws IOException {
        ScheduledFuture<?> deadline = null;
        if (timeoutMillis > 0 && timer != null) {
            synchronized (lock) {
                timedStatement = statement;
            }
            deadline = timer.schedule(() -> timeOut(statement), timeoutMillis, TimeUnit.MILLISECONDS);
        }
        try {
            return work.run();
        } catch (PgException e) {
            throw reason(e);
        } finally {
            if (deadline != null) {
                deadline.cancel(false);
                synchronized (lock) {
                    timedStatement = null;
                    stop.compareAndSet(Stop.TIMEOUT, null);
                }
            }
        }
    }

    /** The timer fired: stops its statement if that still runs. */
    private void timeOut(Object statement) {
        synchronized (lock) {
            if (timedStatement == statement) {
                stopRunning(Stop.TIMEOUT);
            }
        }
    }

    /** Cancels the running statement, if one runs. Any thread. */
    void cancel() {
        stopRunning(Stop.CANCEL);
    }

    /** Ends the running statement, if one runs, with FATAL 57P01: the server shuts down. Any thread. */
    void terminate() {
        stop.set(Stop.SHUTDOWN);
        if (running) {
            tellHandler();
        }
    }

    private void stopRunning(Stop why) {
        if (!running) {
            return;
        }
        stop.accumulateAndGet(why, (old, now) -> old == null || now.compareTo(old) > 0 ? now : old);
        tellHandler();
    }

    /**
     * Interrupts the handler's work. A handler may miss a request that comes just before its execution starts
     * (DuckDB forgets an interrupt that precedes the query), so it is told again while a call into it still runs.
     */
    private void tellHandler() {
        handler.cancel();
        if (timer == null) {
            return;
        }
        synchronized (lock) {
            if (reminder == null && running) {
                try {
                    reminder = timer.scheduleWithFixedDelay(this::remind, REMIND_MILLIS, REMIND_MILLIS,
                            TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    // the server is stopping its timer: the one request above has to do
                }
            }
        }
    }

    private void remind() {
        if (running && inCall && stop.get() != null) {
            handler.cancel();
        }
    }

    /** The error the statement ends with when the handler reports a cancel: the stop's own reason. */
    private PgException reason(PgException e) {
        Stop s = stop.get();
        if (s == null || !SqlState.QUERY_CANCELED.equals(e.sqlState())) {
            return e;
        }
        return s.error();
    }

    private static PgException internal(RuntimeException e) {
        log.warn("handler failed unexpectedly", e);
        return new PgException(SqlState.INTERNAL_ERROR, "internal error: " + e.getClass().getSimpleName(), e);
    }
}
