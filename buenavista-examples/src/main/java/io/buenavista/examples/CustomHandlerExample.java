package io.buenavista.examples;

import io.buenavista.api.Column;
import io.buenavista.api.ExecutionResult;
import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.QueryHandler;
import io.buenavista.api.QuerySession;
import io.buenavista.api.RowCursor;
import io.buenavista.api.SessionContext;
import io.buenavista.api.SqlState;
import io.buenavista.api.TransactionOptions;

import java.util.List;

/**
 * A complete custom handler in a few dozen lines: it understands one statement, {@code countdown $1}, which
 * streams the numbers from {@code $1} down to 1. Registered for {@link java.util.ServiceLoader} in
 * {@code META-INF/services/io.buenavista.api.QueryHandler} under the name {@code countdown}.
 */
public final class CustomHandlerExample implements QueryHandler {
    private static final List<Column> COLUMNS = List.of(new Column("n", PgType.INT8));

    @Override
    public String name() {
        return "countdown";
    }

    @Override
    public QuerySession open(SessionContext context) {
        return new QuerySession() {
            @Override
            public PreparedQuery prepare(String sql, List<PgType> parameterTypes) {
                if (!sql.trim().equalsIgnoreCase("countdown $1")) {
                    throw new PgException(SqlState.SYNTAX_ERROR, "only 'countdown $1' is understood here");
                }
                return new PreparedQuery() {
                    @Override
                    public List<PgType> parameterTypes() {
                        return List.of(PgType.INT8); // the core decodes $1 into a Long
                    }

                    @Override
                    public List<Column> columns() {
                        return COLUMNS;
                    }

                    @Override
                    public ExecutionResult execute(List<Object> parameters) {
                        return new ExecutionResult.Rows(new Countdown(((Number) parameters.get(0)).longValue()));
                    }

                    @Override
                    public void close() {}
                };
            }

            // No transactions and nothing to cancel: rows are produced on demand, one per next().
            @Override
            public void begin(TransactionOptions options) {}

            @Override
            public void commit() {}

            @Override
            public void rollback() {}

            @Override
            public void cancel() {}

            @Override
            public void close() {}
        };
    }

    /** Rows are computed as the client pulls them: nothing is materialized. */
    private static final class Countdown implements RowCursor {
        private long next;

        Countdown(long from) {
            this.next = from + 1;
        }

        @Override
        public List<Column> columns() {
            return COLUMNS;
        }

        @Override
        public boolean next() {
            return --next >= 1;
        }

        @Override
        public Object get(int column) {
            return next;
        }

        @Override
        public void close() {}
    }
}
