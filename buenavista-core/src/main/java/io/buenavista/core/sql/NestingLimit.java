package io.buenavista.core.sql;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;

/**
 * The nesting depth a recursive reader of client text may reach: every recursive reader in the core counts its
 * depth with one of these and answers {@code 54001 stack depth limit exceeded} past {@link #MAX_DEPTH}, as
 * PostgreSQL does for an expression nested too deeply, instead of overflowing the Java stack (which would drop the
 * connection without an answer).
 *
 * <p>One instance per reading; not thread-safe.
 */
public final class NestingLimit {
    /**
     * Levels allowed. Above DuckDB's default {@code max_expression_depth} (1000, where each parenthesis or nested
     * call is one level), so no statement DuckDB accepts is refused here. The costliest reading measured (nested
     * scalar subqueries in the column-label reader, not yet compiled) takes about 1.4 KiB of Java stack per level,
     * 2 MiB at this limit: half the least stack a connection thread gets.
     */
    public static final int MAX_DEPTH = 1500;

    private int depth;

    /**
     * Enters one level; pair with {@link #exit()} in a {@code finally}.
     *
     * @throws PgException {@code 54001} past {@link #MAX_DEPTH}
     */
    public void enter() {
        if (depth >= MAX_DEPTH) {
            throw tooDeep();
        }
        depth++;
    }

    /** Leaves the level {@link #enter()} entered. */
    public void exit() {
        depth--;
    }

    /** PostgreSQL's error for input nested too deeply. */
    public static PgException tooDeep() {
        return new PgException(SqlState.STACK_DEPTH_LIMIT_EXCEEDED, "stack depth limit exceeded")
                .withHint("The statement nests expressions more than " + MAX_DEPTH + " levels deep; simplify it.");
    }

    /** Whether {@code e} is the error of {@link #tooDeep()}. */
    public static boolean isTooDeep(RuntimeException e) {
        return e instanceof PgException p && SqlState.STACK_DEPTH_LIMIT_EXCEEDED.equals(p.sqlState());
    }
}
