package io.buenavista.testing;

import io.buenavista.api.ClientSession;
import io.buenavista.api.Column;
import io.buenavista.api.ExecutionResult;
import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.QueryHandler;
import io.buenavista.api.QuerySession;
import io.buenavista.api.SessionContext;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A handler, unchanged, with a window on it: tests learn when a statement has begun to prepare or to execute, so
 * that the one cancel they send is known to arrive while the statement runs (a cancel that comes before is
 * ignored, as PostgreSQL ignores it), and which calls a statement took ({@link #calls()}). Frame sessions pass
 * unobserved.
 */
public final class ObservedHandler implements QueryHandler {
    private final QueryHandler handler;
    private final Semaphore prepares = new Semaphore(0);
    private final Semaphore executions = new Semaphore(0);
    private final List<String> calls = new CopyOnWriteArrayList<>();

    public ObservedHandler(QueryHandler handler) {
        this.handler = handler;
    }

    /** Waits until a statement has begun to prepare; each start counts once. */
    public boolean awaitPrepare(Duration timeout) throws InterruptedException {
        return prepares.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits until a statement has begun to execute; each start counts once. */
    public boolean awaitExecution(Duration timeout) throws InterruptedException {
        return executions.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * The calls into the handler's sessions since the last {@link #reset()}, in order: {@code prepare SQL},
     * {@code once SQL} (prepared to run once) and {@code execute}.
     */
    public List<String> calls() {
        return List.copyOf(calls);
    }

    /** Forgets starts counted and calls recorded so far. */
    public void reset() {
        prepares.drainPermits();
        executions.drainPermits();
        calls.clear();
    }

    @Override
    public String name() {
        return handler.name();
    }

    @Override
    public long threadStackSize() {
        return handler.threadStackSize();
    }

    @Override
    public QuerySession open(SessionContext context) throws PgException {
        return observed(handler.open(context));
    }

    @Override
    public ClientSession openSession(SessionContext context) throws PgException {
        ClientSession session = handler.openSession(context);
        return session instanceof QuerySession q ? observed(q) : session;
    }

    private QuerySession observed(QuerySession session) {
        return new ForwardingQuerySession(session) {
            @Override
            public PreparedQuery prepare(String sql, List<PgType> parameterTypes) {
                calls.add("prepare " + sql);
                prepares.release();
                return observed(super.prepare(sql, parameterTypes));
            }

            @Override
            public PreparedQuery prepareToRunOnce(String sql) {
                calls.add("once " + sql);
                prepares.release();
                return observed(session.prepareToRunOnce(sql));
            }
        };
    }

    /** The query, counting each start of its execution. */
    private PreparedQuery observed(PreparedQuery q) {
        return new PreparedQuery() {
            @Override
            public List<PgType> parameterTypes() {
                return q.parameterTypes();
            }

            @Override
            public List<Column> columns() {
                return q.columns();
            }

            @Override
            public boolean columnsDependOnParameters() {
                return q.columnsDependOnParameters();
            }

            @Override
            public ExecutionResult execute(List<Object> parameters) throws PgException {
                calls.add("execute");
                executions.release();
                return q.execute(parameters);
            }

            @Override
            public void close() {
                q.close();
            }
        };
    }

    @Override
    public void close() {
        handler.close();
    }
}
