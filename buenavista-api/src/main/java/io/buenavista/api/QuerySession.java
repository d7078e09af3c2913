package io.buenavista.api;

import java.util.List;
import java.util.Map;

/**
 * One connection's SQL session. The core calls it from one thread at a time, except {@link #cancel()}, which comes
 * from another thread while a statement runs.
 *
 * <p>Transactions: the core tracks the transaction state itself (it sees {@code BEGIN}, {@code COMMIT},
 * {@code ROLLBACK} through its lexer and implements implicit transactions) and tells the session with
 * {@link #begin}, {@link #commit} and {@link #rollback}; those statements are never passed to {@link #prepare}.
 * A statement executed outside {@code begin … commit} runs in autocommit.
 */
public non-sealed interface QuerySession extends ClientSession {

    /**
     * Prepares a statement without side effects. {@code sql} holds exactly one statement in PostgreSQL syntax with
     * parameters written {@code $1..$n}.
     *
     * @param parameterTypes the types the client declared, one per parameter it declared; {@link PgType#UNKNOWN}
     *                       (OID 0 on the wire) asks the handler to infer the type. There may be more parameters
     *                       in the SQL than declared types.
     */
    PreparedQuery prepare(String sql, List<PgType> parameterTypes) throws PgException;

    /**
     * Prepares a statement that the core executes exactly once, right away and without parameters: each statement
     * of a simple Query, and an unnamed Parse that its Bind, Execute and Sync follow at once (should the client use
     * that statement again later, the core prepares it anew with {@link #prepare}). Nothing is described to the client before it runs, so the handler may leave out its own
     * description (DuckDB parses, plans and runs such a statement in one call, at half the cost of a prepare and an
     * execution) and answer a query whose {@link PreparedQuery#columnsDependOnParameters()} is true: the core then
     * describes the rows from the cursor that {@link PreparedQuery#execute} returns. Like {@link #prepare}, it has
     * no side effects; errors it does not find here come from the execution instead. The default prepares with
     * {@link #prepare} and no declared parameter types.
     */
    default PreparedQuery prepareToRunOnce(String sql) throws PgException {
        return prepare(sql, List.of());
    }

    /**
     * Finds a syntax error in one statement without preparing or running it, or returns: the core checks every
     * statement of a simple Query that holds several before it runs the first, as PostgreSQL parses a whole Query
     * first (a syntax error in its third statement means that none of them runs, and no result of the first two
     * reaches the client). Only syntax errors ({@code 42601}, with the position in {@code sql}) belong here; an
     * unknown table, say, is the statement's own error when its turn comes. The default finds none.
     */
    default void checkSyntax(String sql) throws PgException {}

    /** Starts a transaction block. */
    void begin(TransactionOptions options) throws PgException;

    /** Commits the current transaction block. */
    void commit() throws PgException;

    /** Rolls back the current transaction block; must succeed after a failed statement. */
    void rollback() throws PgException;

    /**
     * Asks the running statement, if any, to stop: it then fails with {@code 57014}. Called from another thread;
     * must not block for long and must leave the session usable.
     */
    void cancel();

    /**
     * Parameter values to report to the client in {@code ParameterStatus} instead of the core's defaults, e.g. the
     * real backend's {@code server_version}. The default reports none.
     */
    default Map<String, String> parameterStatus() {
        return Map.of();
    }

    /**
     * Custom settings (PostgreSQL's dotted placeholder names, e.g. {@code app.user_id}) the session starts with,
     * by name. The core applies them after the client's startup parameters, so a client's
     * {@code options=-c app.user_id=…} cannot replace them; they are then the values {@code RESET} returns to. Like
     * any custom setting the client may change them later with {@code SET}: a value here is information for SQL
     * to read, not a privilege. The default starts with none.
     */
    default Map<String, String> customSettings() {
        return Map.of();
    }

    /**
     * Told after the client changed a core-owned session setting (e.g. {@code search_path}), and of every custom
     * (dotted) setting's value: once at startup, and whenever it changes (by {@code SET}, {@code RESET}, or the end
     * of a transaction). The core holds the custom settings and answers {@code SHOW} for them; a handler that
     * emulates {@code current_setting} passes them to it, and never to its database. A handler that cannot apply
     * a value throws a {@link PgException}: the statement then fails and the setting keeps its old value.
     */
    default void settingChanged(String name, String value) {}

    /** Ends the session and releases everything it holds; idempotent. */
    @Override
    void close();
}
