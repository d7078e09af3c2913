package io.buenavista.api;

import java.util.List;

/**
 * One prepared statement of a {@link QuerySession}. Preparing has no side effects; only {@link #execute} does.
 * The core may execute it several times, with different parameters, and closes it when the client does.
 */
public interface PreparedQuery extends AutoCloseable {
    /**
     * The types of {@code $1..$n}: the declared ones, with the handler's inference where the client sent OID 0. A
     * parameter the handler cannot infer stays {@link PgType#UNKNOWN} and is passed to {@link #execute} as the
     * client's text.
     */
    List<PgType> parameterTypes();

    /** The columns of the rows it returns; an empty list when it returns no rows ({@code NoData}). */
    List<Column> columns();

    /**
     * Whether the result's columns are known only once the statement runs with its parameters bound (a DuckDB table
     * function whose arguments are parameters, or a statement from {@link QuerySession#prepareToRunOnce} that the
     * handler did not describe ahead): {@link #columns()} is then the handler's best description before binding
     * (what Describe of the statement shows), and the columns sent are those of the cursor each execution returns.
     * The core then runs the statement when it is bound and describes the portal from its cursor. False by default.
     */
    default boolean columnsDependOnParameters() {
        return false;
    }

    /**
     * Runs the statement with the decoded parameter values (see {@link PgType} for their Java types).
     *
     * @throws PgException on failure; {@code 57014} when cancelled
     */
    ExecutionResult execute(List<Object> parameters) throws PgException;

    /** Releases the statement; idempotent. */
    @Override
    void close();
}
