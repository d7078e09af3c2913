package io.buenavista.core.duckdb;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;

import java.sql.SQLException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns DuckDB's {@link SQLException}s into {@link PgException}s. DuckDB reports no SQLSTATE; its messages start with
 * an error class ({@code "Catalog Error: …"}), which this maps, refined by the message text, to PostgreSQL's codes.
 */
final class DuckDbErrors {
    private DuckDbErrors() {}

    /** DuckDB 2.0's JDBC driver says only this when a streamed query fails before its first row. */
    static final String HIDDEN_STREAM_ERROR = "Invalid Input Error: Invalid result set";

    private static final Pattern PREFIX = Pattern.compile("^([A-Za-z][A-Za-z ]*?) Error: ", Pattern.DOTALL);

    static PgException canceled(Throwable cause) {
        return new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request", cause);
    }

    /** Maps a DuckDB exception; message and detail are DuckDB's text without the error class prefix. */
    static PgException map(SQLException e) {
        String full = e.getMessage() == null ? "unknown DuckDB error" : e.getMessage().strip();
        String errorClass = "";
        String text = full;
        Matcher m = PREFIX.matcher(full);
        if (m.find()) {
            errorClass = m.group(1);
            text = full.substring(m.end());
        }
        // The first line is the message; DuckDB adds "Did you mean", candidates and "LINE 1: …" below it. The
        // LINE excerpt shows the SQL DuckDB saw: it becomes the position field when that is the client's SQL.
        Matcher line = LINE_CONTEXT.matcher(text);
        if (line.find()) {
            text = text.substring(0, line.start());
        }
        Matcher depth = EXPRESSION_DEPTH.matcher(text);
        if (depth.find()) {
            // PostgreSQL's answer to an expression nested too deeply; DuckDB's own text recommends a SET that
            // clients may not run.
            return new PgException(SqlState.STACK_DEPTH_LIMIT_EXCEEDED, "stack depth limit exceeded", e)
                    .withHint("The statement nests expressions more than " + depth.group(1)
                            + " levels deep (DuckDB's max_expression_depth); simplify it.");
        }
        int newline = text.indexOf('\n');
        String message = newline < 0 ? text : text.substring(0, newline).strip();
        String detail = newline < 0 ? null : text.substring(newline + 1).strip();
        if (message.isEmpty()) {
            message = full;
        }
        PgException pg = new PgException(sqlState(errorClass, text), message, e);
        Matcher extension = IN_EXTENSION.matcher(message);
        if (extension.find()) {
            // DuckDB's detail says to INSTALL and LOAD it, which clients of this server cannot do.
            return pg.withHint("The server does not install or load extensions on demand: the " + extension.group(1)
                    + " extension is there only when the server loads it at startup (from its extensions folder).");
        }
        return detail == null || detail.isEmpty() ? pg : pg.withDetail(detail);
    }

    /** DuckDB's answer for a name that a known extension, not loaded, would provide. */
    private static final Pattern IN_EXTENSION = Pattern.compile("but it exists in the (\\w+) extension");

    /** DuckDB's refusal of a statement nested deeper than {@code max_expression_depth}. */
    private static final Pattern EXPRESSION_DEPTH = Pattern.compile("^Max expression depth limit of (\\d+) exceeded");

    /** DuckDB's context: {@code LINE n: <excerpt>} and a line of spaces and carets under it. */
    private static final Pattern LINE_CONTEXT = Pattern.compile("\\s*\\nLINE (\\d+): ([^\\n]*)\\n( *)\\^+\\s*$");

    /**
     * The error with PostgreSQL's position field (1-based, in characters) taken from DuckDB's {@code LINE n:}
     * context, when {@code duckSql} (what DuckDB parsed) is the client's own SQL and the excerpt is found in it.
     */
    static PgException withPosition(PgException e, String duckSql, String clientSql) {
        if (e.position() > 0 || !(e.getCause() instanceof SQLException cause) || cause.getMessage() == null
                || !duckSql.equals(clientSql)) {
            return e;
        }
        int position = position(cause.getMessage(), clientSql);
        return position > 0 ? e.withPosition(position) : e;
    }

    static int position(String message, String sql) {
        Matcher m = LINE_CONTEXT.matcher(message);
        if (!m.find()) {
            return 0;
        }
        int lineNumber = Integer.parseInt(m.group(1));
        String excerpt = m.group(2);
        int caret = m.group(3).length() - ("LINE " + m.group(1) + ": ").length();
        int lead = 0;
        if (excerpt.startsWith("...")) {
            excerpt = excerpt.substring(3);
            lead = 3;
        }
        if (excerpt.endsWith("...")) {
            excerpt = excerpt.substring(0, excerpt.length() - 3);
        }
        int lineStart = 0;
        for (int i = 1; i < lineNumber; i++) {
            lineStart = sql.indexOf('\n', lineStart) + 1;
            if (lineStart == 0) {
                return 0;
            }
        }
        int lineEnd = sql.indexOf('\n', lineStart);
        String sqlLine = sql.substring(lineStart, lineEnd < 0 ? sql.length() : lineEnd);
        int at = sqlLine.indexOf(excerpt);
        int column = caret - lead;
        if (at < 0 || excerpt.isEmpty() || column < 0 || column > excerpt.length()
                || sqlLine.indexOf(excerpt, at + 1) >= 0) {
            return 0; // not found, or not unambiguously
        }
        int offset = lineStart + at + column;
        return sql.codePointCount(0, offset) + 1;
    }

    /**
     * A date, time or timestamp out of range (PostgreSQL's datetime_field_overflow): DuckDB's casts say
     * {@code date field value out of range: "2020-02-30"}, its functions and arithmetic {@code Date out of range},
     * {@code Date and time not in timestamp range}, {@code Epoch seconds out of range for TIMESTAMP}.
     */
    private static final Pattern DATETIME_RANGE = Pattern.compile(
            "(date|time|timestamp) field value out of range|date out of range|date and time not in timestamp range"
                    + "|epoch \\w+ out of range");

    /**
     * Text that is no date, time, timestamp or interval (invalid_datetime_format): {@code invalid date field
     * format: "abc"}, {@code Could not convert string 'abc' to INTERVAL}, strptime's {@code Could not parse string
     * "x" according to format specifier "%Y"}.
     */
    private static final Pattern DATETIME_FORMAT = Pattern.compile(
            "invalid (date|time|timestamp) field format|could not convert string .* to (interval|date|time"
                    + "|timestamp)|could not parse string .* according to format", Pattern.DOTALL);

    /**
     * A regular expression DuckDB's RE2 cannot compile: DuckDB reports RE2's error text and the offending part,
     * e.g. {@code missing ): (} or {@code invalid repetition size: {2,1}}.
     */
    private static final Pattern REGEX_ERROR = Pattern.compile("(missing [)\\]]|unexpected \\)"
            + "|invalid escape sequence|invalid character class|trailing \\\\|no argument for repetition operator"
            + "|invalid repetition size|bad repetition operator|invalid perl operator|invalid utf-8"
            + "|invalid named capture group|pattern too large)");

    static String sqlState(String errorClass, String text) {
        String t = text.toLowerCase(Locale.ROOT);
        switch (errorClass) {
            case "Parser":
                return SqlState.SYNTAX_ERROR;
            case "Catalog":
                return catalogState(t);
            case "Binder":
                return binderState(t);
            case "Conversion":
                if (DATETIME_RANGE.matcher(t).lookingAt()) {
                    return SqlState.DATETIME_FIELD_OVERFLOW;
                }
                if (DATETIME_FORMAT.matcher(t).lookingAt()) {
                    return SqlState.INVALID_DATETIME_FORMAT;
                }
                return t.contains("out of range") ? SqlState.NUMERIC_VALUE_OUT_OF_RANGE
                        : SqlState.INVALID_TEXT_REPRESENTATION;
            case "Out of Range":
                return SqlState.NUMERIC_VALUE_OUT_OF_RANGE;
            case "Constraint":
                return constraintState(t);
            case "TransactionContext":
                return transactionState(t);
            case "Permission":
                return SqlState.INSUFFICIENT_PRIVILEGE;
            case "INTERRUPT":
            case "Interrupt":
                return SqlState.QUERY_CANCELED;
            case "Out of Memory":
                return SqlState.OUT_OF_MEMORY;
            case "Not implemented":
            case "Parameter Not Allowed": // a parameter in ORDER BY, in RETURNING...: a limit of DuckDB's
                return SqlState.FEATURE_NOT_SUPPORTED;
            case "Dependency":
                return "2BP01"; // dependent_objects_still_exist
            case "IO":
                return "58030"; // io_error
            case "Invalid Input":
                if (t.contains("the configuration has been locked") || t.startsWith("must be superuser")) {
                    return SqlState.INSUFFICIENT_PRIVILEGE; // DuckDbLockdown's backstop; hidden settings
                }
                if (t.startsWith("unrecognized configuration parameter")) {
                    return SqlState.UNDEFINED_OBJECT; // current_setting of a custom setting never made
                }
                if (t.startsWith("set_config is supported only")) {
                    return SqlState.FEATURE_NOT_SUPPORTED; // inside a larger query (the core runs it alone)
                }
                if (t.contains("read-only mode") || t.contains("read-only")) {
                    return SqlState.READ_ONLY_SQL_TRANSACTION;
                }
                if (t.startsWith("more than one row returned by a subquery")) {
                    return "21000"; // cardinality_violation
                }
                if (REGEX_ERROR.matcher(t).lookingAt()) {
                    return "2201B"; // invalid_regular_expression
                }
                if (DATETIME_FORMAT.matcher(t).lookingAt()) {
                    return SqlState.INVALID_DATETIME_FORMAT; // strptime
                }
                return t.contains("division by zero") ? SqlState.DIVISION_BY_ZERO : SqlState.INVALID_PARAMETER_VALUE;
            default:
                if (t.contains("interrupted")) {
                    return SqlState.QUERY_CANCELED;
                }
                return SqlState.INTERNAL_ERROR;
        }
    }

    private static String catalogState(String t) {
        if (t.contains("already exists")) {
            if (t.startsWith("table") || t.startsWith("view")) {
                return "42P07"; // duplicate_table
            }
            return t.startsWith("schema") ? "42P06" : "42710"; // duplicate_schema, duplicate_object
        }
        if (t.startsWith("table") || t.startsWith("view")) {
            return SqlState.UNDEFINED_TABLE;
        }
        if (t.startsWith("scalar function") || t.startsWith("function") || t.startsWith("aggregate function")
                || t.startsWith("table function") || t.startsWith("macro")) {
            return SqlState.UNDEFINED_FUNCTION;
        }
        if (t.startsWith("schema")) {
            return "3F000"; // invalid_schema_name
        }
        return SqlState.UNDEFINED_OBJECT; // types, settings, sequences, …
    }

    private static String binderState(String t) {
        if (t.contains("can't be prepared")) {
            return SqlState.FEATURE_NOT_SUPPORTED; // "Unexpected prepared parameter" in INSERT ... RETURNING
        }
        if (t.contains("group by")) {
            return "42803"; // grouping_error
        }
        if (t.contains("referenced column") || t.contains("column named") || t.contains("column \"")
                && t.contains("not found")) {
            return SqlState.UNDEFINED_COLUMN;
        }
        if (t.contains("no function matches") || t.contains("best candidate function")) {
            return SqlState.UNDEFINED_FUNCTION;
        }
        if (t.contains("type") || t.contains("cast")) {
            return "42804"; // datatype_mismatch
        }
        return SqlState.SYNTAX_ERROR;
    }

    private static String constraintState(String t) {
        if (t.contains("not null")) {
            return SqlState.NOT_NULL_VIOLATION;
        }
        if (t.contains("foreign key")) {
            return SqlState.FOREIGN_KEY_VIOLATION;
        }
        if (t.contains("check constraint")) {
            return SqlState.CHECK_VIOLATION;
        }
        if (t.contains("primary key") || t.contains("unique") || t.contains("duplicate key")) {
            return SqlState.UNIQUE_VIOLATION;
        }
        return "23000"; // integrity_constraint_violation
    }

    private static String transactionState(String t) {
        if (t.contains("aborted")) {
            return SqlState.IN_FAILED_SQL_TRANSACTION;
        }
        if (t.contains("read-only")) {
            return SqlState.READ_ONLY_SQL_TRANSACTION;
        }
        if (t.contains("conflict")) {
            return SqlState.SERIALIZATION_FAILURE;
        }
        if (t.contains("no transaction is active")) {
            return SqlState.NO_ACTIVE_SQL_TRANSACTION;
        }
        if (t.contains("within a transaction") || t.contains("already")) {
            return SqlState.ACTIVE_SQL_TRANSACTION;
        }
        return SqlState.INVALID_TRANSACTION_STATE;
    }
}
