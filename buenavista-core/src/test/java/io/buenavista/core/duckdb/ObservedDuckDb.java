package io.buenavista.core.duckdb;

import io.buenavista.api.Column;
import io.buenavista.api.ExecutionResult;
import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.QueryHandler;
import io.buenavista.api.QuerySession;
import io.buenavista.api.SessionContext;
import io.buenavista.testing.ForwardingQuerySession;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The DuckDB handler, unchanged, with a window on it: tests learn when a statement has begun to prepare or to
 * execute, so that the one cancel they send is known to arrive while the statement runs (a cancel that comes
 * before is ignored, as PostgreSQL ignores it).
 */
final class ObservedDuckDb implements QueryHandler {
    private final DuckDbHandler duckDb;
    private final Semaphore prepares = new Semaphore(0);
    private final Semaphore executions = new Semaphore(0);

    ObservedDuckDb(DuckDbHandler duckDb) {
        this.duckDb = duckDb;
    }

    /** Waits until a statement has begun to prepare; each start counts once. */
    boolean awaitPrepare(Duration timeout) throws InterruptedException {
        return prepares.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits until a statement has begun to execute; each start counts once. */
    boolean awaitExecution(Duration timeout) throws InterruptedException {
        return executions.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Forgets starts counted so far. */
    void reset() {
        prepares.drainPermits();
        executions.drainPermits();
    }

    @Override
    public String name() {
        return duckDb.name();
    }

    @Override
    public QuerySession open(SessionContext context) throws PgException {
        QuerySession session = duckDb.open(context);
        return new ForwardingQuerySession(session) {
            @Override
            public PreparedQuery prepare(String sql, List<PgType> parameterTypes) {
                prepares.release();
                return observed(super.prepare(sql, parameterTypes));
            }

            @Override
            public PreparedQuery prepareToRunOnce(String sql) {
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
        duckDb.close();
    }
}
