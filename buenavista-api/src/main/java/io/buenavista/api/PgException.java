package io.buenavista.api;

import java.util.Objects;

/**
 * An error (or, with {@link Severity#FATAL}, a connection-ending error) to report to the client as an
 * {@code ErrorResponse}. Everything a handler throws is turned into one of these at a single boundary; throwing it
 * directly gives the client the exact SQLSTATE, detail, hint and position.
 *
 * <p>Instances are immutable; the {@code with…} methods return copies.
 */
public final class PgException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The severity of an error or notice, as PostgreSQL spells it in the {@code S} and {@code V} fields. */
    public enum Severity {
        ERROR, FATAL, PANIC, WARNING, NOTICE, DEBUG, INFO, LOG
    }

    private final String sqlState;
    private final Severity severity;
    private final String detail;
    private final String hint;
    private final int position;
    private final String routine;

    /** An {@code ERROR} with the given SQLSTATE (five characters) and primary message. */
    public PgException(String sqlState, String message) {
        this(sqlState, Severity.ERROR, message, null, null, 0, null, null);
    }

    /** An {@code ERROR} with the given SQLSTATE and message, caused by {@code cause} (kept for logs only). */
    public PgException(String sqlState, String message, Throwable cause) {
        this(sqlState, Severity.ERROR, message, null, null, 0, null, cause);
    }

    private PgException(String sqlState, Severity severity, String message, String detail, String hint, int position,
            String routine, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        if (sqlState == null || sqlState.length() != 5) {
            throw new IllegalArgumentException("SQLSTATE must have five characters: " + sqlState);
        }
        this.sqlState = sqlState;
        this.severity = Objects.requireNonNull(severity, "severity");
        this.detail = detail;
        this.hint = hint;
        this.position = position;
        this.routine = routine;
    }

    /** A {@code FATAL} error: the server sends it and closes the connection. */
    public static PgException fatal(String sqlState, String message) {
        return new PgException(sqlState, message).withSeverity(Severity.FATAL);
    }

    public PgException withSeverity(Severity newSeverity) {
        return new PgException(sqlState, newSeverity, getMessage(), detail, hint, position, routine, getCause());
    }

    public PgException withDetail(String newDetail) {
        return new PgException(sqlState, severity, getMessage(), newDetail, hint, position, routine, getCause());
    }

    public PgException withHint(String newHint) {
        return new PgException(sqlState, severity, getMessage(), detail, newHint, position, routine, getCause());
    }

    /** The 1-based character position in the client's query text that the error refers to; 0 for none. */
    public PgException withPosition(int newPosition) {
        return new PgException(sqlState, severity, getMessage(), detail, hint, newPosition, routine, getCause());
    }

    /**
     * Names the server routine that reported the error ({@code R}). PostgreSQL clients act on a few of these: pgjdbc
     * prepares a statement again after {@code RevalidateCachedQuery}'s "cached plan must not change result type".
     */
    public PgException withRoutine(String newRoutine) {
        return new PgException(sqlState, severity, getMessage(), detail, hint, position, newRoutine, getCause());
    }

    public String sqlState() {
        return sqlState;
    }

    public Severity severity() {
        return severity;
    }

    /** The primary message ({@code M}). */
    public String message() {
        return getMessage();
    }

    /** The detail ({@code D}), or null. */
    public String detail() {
        return detail;
    }

    /** The hint ({@code H}), or null. */
    public String hint() {
        return hint;
    }

    /** The 1-based position ({@code P}) in the query text, or 0 when unknown. */
    public int position() {
        return position;
    }

    /** The routine ({@code R}), or null. */
    public String routine() {
        return routine;
    }

    public boolean isFatal() {
        return severity == Severity.FATAL || severity == Severity.PANIC;
    }

    @Override
    public String toString() {
        return severity + " " + sqlState + ": " + getMessage();
    }
}
