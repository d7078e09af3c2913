package io.buenavista.core.session;

import io.buenavista.api.PgException;
import io.buenavista.api.QuerySession;
import io.buenavista.api.SqlState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Every call into the handler's session goes through here: whatever it throws becomes a {@link PgException} (with
 * its position moved into the client's text), and while it runs a cancel request or the {@code statement_timeout}
 * timer may cancel it.
 */
final class HandlerCalls {
    private static final Logger log = LoggerFactory.getLogger(HandlerCalls.class);

    private final QuerySession handler;
    /** Runs the statement_timeout timers; null for none. */
    private final ScheduledExecutorService timer;
    /** Whether a handler call or a row stream is running, so a cancel has something to cancel. */
    private volatile boolean running;
    /** Set by the statement_timeout timer of the running statement. */
    private volatile boolean timedOut;
    /** The statement whose statement_timeout timer is armed; guarded by {@link #timeoutLock}. */
    private Object timedStatement;
    private final Object timeoutLock = new Object();

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

    /** A statement's whole run, from its start to its last row sent. */
    @FunctionalInterface
    interface IoAction {
        void run() throws IOException;
    }

    /**
     * Calls into the handler.
     *
     * @param offset where the statement starts in the client's text, added to an error's position; 0 for none
     */
    <T> T call(Call<T> call, int offset) {
        if (timedOut) {
            throw timeoutError();
        }
        running = true;
        try {
            return call.run();
        } catch (PgException e) {
            throw e.position() > 0 && offset > 0 ? e.withPosition(e.position() + offset) : e;
        } catch (RuntimeException e) {
            throw internal(e);
        } finally {
            running = false;
        }
    }

    /** Calls into the handler for no result (begin, commit, rollback). */
    void run(Action action) {
        call(() -> {
            action.run();
            return null;
        }, 0);
    }

    /** Pulls rows from a handler's cursor while writing them: cancellable, and its failures become PgExceptions. */
    <T> T streaming(Io<T> work) throws IOException {
        running = true;
        try {
            return work.run();
        } catch (PgException e) {
            throw e;
        } catch (RuntimeException e) {
            throw internal(e);
        } finally {
            running = false;
        }
    }

    /**
     * Runs a statement under {@code statement_timeout}: when it passes, the running call is cancelled (or the next
     * one fails) and the statement's 57014 says so.
     *
     * @param statement what the timer belongs to, so that a late timer of an earlier statement does nothing
     * @param timeoutMillis the setting's value; 0 for none
     */
    void withTimeout(Object statement, long timeoutMillis, IoAction work) throws IOException {
        ScheduledFuture<?> deadline = null;
        if (timeoutMillis > 0 && timer != null) {
            synchronized (timeoutLock) {
                timedStatement = statement;
            }
            deadline = timer.schedule(() -> timeOut(statement), timeoutMillis, TimeUnit.MILLISECONDS);
        }
        try {
            work.run();
        } catch (PgException e) {
            if (timedOut && SqlState.QUERY_CANCELED.equals(e.sqlState())) {
                throw timeoutError();
            }
            throw e;
        } finally {
            if (deadline != null) {
                deadline.cancel(false);
                synchronized (timeoutLock) {
                    timedStatement = null;
                    timedOut = false;
                }
            }
        }
    }

    /** The timer fired: cancels its statement if that still runs. */
    private void timeOut(Object statement) {
        synchronized (timeoutLock) {
            if (timedStatement != statement) {
                return;
            }
            timedOut = true;
            if (running) {
                handler.cancel();
            }
        }
    }

    /** Cancels the running statement, if one runs. Any thread. */
    void cancel() {
        if (running) {
            handler.cancel();
        }
    }

    private static PgException timeoutError() {
        return new PgException(SqlState.QUERY_CANCELED, "canceling statement due to statement timeout");
    }

    private static PgException internal(RuntimeException e) {
        log.warn("handler failed unexpectedly", e);
        return new PgException(SqlState.INTERNAL_ERROR, "internal error: " + e.getClass().getSimpleName(), e);
    }
}
