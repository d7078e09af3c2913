package io.buenavista.core.duckdb;

import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * A client's text with the rewrites that make DuckDB read it as PostgreSQL would, and which of them applied. These
 * only add what PostgreSQL allows anyway (column names of nested select lists, {@code unnest} around set-returning
 * calls, an INSERT's column list); should DuckDB read the result otherwise, the session prepares the text as the
 * client wrote it instead, which it may only do when {@link #rewritten()} says there was something to undo.
 *
 * @param text    the text for DuckDB (before the catalog rewrites, which apply either way)
 * @param applied the rewrites that changed the text, in the order they ran; empty when {@code text} is the client's
 */
record PostgresReading(String text, Set<Rewrite> applied) {
    /** The rewrites, in the order they run. */
    enum Rewrite {
        /** {@link ColumnLabels#nameNestedColumns}. */
        NESTED_COLUMN_NAMES,
        /** {@link SetReturningCalls#rewrite}. */
        SET_RETURNING_CALLS,
        /** {@link InsertColumns#withColumnList}. */
        INSERT_COLUMN_LIST
    }

    PostgresReading {
        applied = Collections.unmodifiableSet(
                applied.isEmpty() ? EnumSet.noneOf(Rewrite.class) : EnumSet.copyOf(applied));
    }

    /**
     * Runs the rewrites over {@code sql}.
     *
     * @param columnsOf the column names of a table, as {@link InsertColumns#withColumnList} takes them
     */
    static PostgresReading of(String sql, Function<List<String>, List<String>> columnsOf) {
        EnumSet<Rewrite> applied = EnumSet.noneOf(Rewrite.class);
        String text = sql;
        for (Rewrite rewrite : Rewrite.values()) {
            String next = switch (rewrite) {
                case NESTED_COLUMN_NAMES -> ColumnLabels.nameNestedColumns(text);
                case SET_RETURNING_CALLS -> SetReturningCalls.rewrite(text);
                case INSERT_COLUMN_LIST -> InsertColumns.withColumnList(text, columnsOf);
            };
            if (!next.equals(text)) {
                applied.add(rewrite);
                text = next;
            }
        }
        return new PostgresReading(text, applied);
    }

    /** Whether any rewrite changed the client's text. */
    boolean rewritten() {
        return !applied.isEmpty();
    }
}
