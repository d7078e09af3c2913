package io.buenavista.cachedb;

import io.buenavista.api.PgException;
import io.buenavista.api.SessionContext;
import io.buenavista.api.SqlState;
import io.buenavista.core.jdbc.JdbcDialect;
import io.buenavista.core.sql.SqlLexer;
import io.buenavista.core.sql.SqlQuoting;
import io.buenavista.core.sql.SqlToken;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the cachedb's HANA route adds to the generic JDBC handler, after the original service:
 * <ul>
 * <li>{@code session.application_user} in a statement (also written {@code "session.application_user"}) becomes
 * the principal's user id as a string literal, and a new session sets HANA's {@code APPLICATIONUSER} to it;</li>
 * <li>the route's schema is the session's schema ({@code SET SCHEMA "X"}), and {@code SET search_path TO x} (which
 * the core runs) becomes {@code SET SCHEMA x};</li>
 * <li>{@code SET datestyle TO 'ISO'} (also the core's) sets the original's {@code DATE_FORMAT} session variable;</li>
 * <li>the driver's errors, all SQLSTATE {@code HY000}, get PostgreSQL's SQLSTATE from HANA's error code.</li>
 * </ul>
 * Every rewrite works on the core lexer's tokens, so text in strings, quoted identifiers and comments is left alone.
 * There is no catalog emulation: {@code pg_catalog} queries reach HANA as written and fail there.
 */
public final class HanaDialect implements JdbcDialect {
    /** HANA's error codes (negative ones are the JDBC client's) and the SQLSTATE PostgreSQL has for the same. */
    private static final Map<Integer, String> STATES = Map.ofEntries(
            Map.entry(4, SqlState.OUT_OF_MEMORY), // cannot allocate enough memory
            Map.entry(7, SqlState.FEATURE_NOT_SUPPORTED), // feature not supported
            Map.entry(10, SqlState.INVALID_PASSWORD), // authentication failed
            Map.entry(131, "55P03"), // transaction rolled back by lock wait timeout
            Map.entry(133, "40P01"), // transaction rolled back by detected deadlock
            Map.entry(138, SqlState.SERIALIZATION_FAILURE), // transaction serialization failure
            Map.entry(139, SqlState.QUERY_CANCELED), // current operation cancelled by request
            Map.entry(257, SqlState.SYNTAX_ERROR), // sql syntax error
            Map.entry(258, SqlState.INSUFFICIENT_PRIVILEGE), // insufficient privilege
            Map.entry(259, SqlState.UNDEFINED_TABLE), // invalid table name
            Map.entry(260, SqlState.UNDEFINED_COLUMN), // invalid column name
            Map.entry(261, SqlState.UNDEFINED_OBJECT), // invalid index name
            Map.entry(266, "42804"), // inconsistent datatype
            Map.entry(268, "42702"), // column ambiguously defined
            Map.entry(274, SqlState.STRING_DATA_RIGHT_TRUNCATION), // inserted value too large for column
            Map.entry(287, SqlState.NOT_NULL_VIOLATION), // cannot insert NULL or update to NULL
            Map.entry(288, "42P07"), // cannot use duplicate table name
            Map.entry(301, SqlState.UNIQUE_VIOLATION), // unique constraint violated
            Map.entry(303, SqlState.INVALID_DATETIME_FORMAT), // invalid DATE, TIME or TIMESTAMP value
            Map.entry(304, SqlState.DIVISION_BY_ZERO), // division by zero undefined
            Map.entry(314, SqlState.NUMERIC_VALUE_OUT_OF_RANGE), // numeric overflow
            Map.entry(328, SqlState.UNDEFINED_FUNCTION), // invalid name of function or procedure
            Map.entry(339, SqlState.INVALID_TEXT_REPRESENTATION), // invalid number
            Map.entry(362, "3F000"), // invalid schema name
            Map.entry(386, "42P06"), // cannot use duplicate schema name
            Map.entry(414, SqlState.INVALID_AUTHORIZATION_SPECIFICATION), // user is forced to change password
            Map.entry(461, SqlState.FOREIGN_KEY_VIOLATION), // foreign key constraint violation
            Map.entry(613, SqlState.QUERY_CANCELED), // execution aborted by timeout
            Map.entry(-708, SqlState.CONNECTION_FAILURE), // no reply within the communication timeout
            Map.entry(-709, SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION), // unknown host
            Map.entry(-813, SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION), // connection refused
            Map.entry(-10709, SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION), // connection failed
            Map.entry(-10807, SqlState.CONNECTION_FAILURE), // connection to the database server lost
            Map.entry(-10821, "08003")); // connection is closed

    @Override
    public String rewrite(String sql, SessionContext context) {
        List<SqlToken> tokens = SqlLexer.tokenize(sql);
        StringBuilder out = null;
        int copied = 0;
        for (int i = 0; i < tokens.size(); i++) {
            int end = applicationUserEnd(tokens, i);
            if (end < 0) {
                continue;
            }
            if (out == null) {
                out = new StringBuilder(sql.length() + 32);
            }
            out.append(sql, copied, tokens.get(i).offset()).append(SqlQuoting.literal(userId(context)));
            copied = tokens.get(end).end();
            i = end;
        }
        return out == null ? sql : out.append(sql, copied, sql.length()).toString();
    }

    /**
     * The index of the last token of {@code session.application_user} starting at {@code i} (the dot may have
     * whitespace around it, as in PostgreSQL), or -1.
     */
    private static int applicationUserEnd(List<SqlToken> tokens, int i) {
        SqlToken first = tokens.get(i);
        if (first.kind() == SqlToken.Kind.QUOTED_IDENTIFIER) {
            return first.value().equalsIgnoreCase("session.application_user") ? i : -1;
        }
        if (!first.isWord("session") || i > 0 && isDot(tokens.get(i - 1))) {
            return -1; // x.session.application_user is another name
        }
        int dot = nextSignificant(tokens, i + 1);
        if (dot < 0 || !isDot(tokens.get(dot))) {
            return -1;
        }
        int name = nextSignificant(tokens, dot + 1);
        if (name < 0 || !tokens.get(name).isWord("application_user")) {
            return -1;
        }
        int after = nextSignificant(tokens, name + 1);
        return after >= 0 && isDot(tokens.get(after)) ? -1 : name;
    }

    private static boolean isDot(SqlToken t) {
        return t.isPunctuation(".");
    }

    private static int nextSignificant(List<SqlToken> tokens, int from) {
        for (int i = from; i < tokens.size(); i++) {
            if (!tokens.get(i).isTrivia()) {
                return i;
            }
        }
        return -1;
    }

    private static String userId(SessionContext context) {
        return context == null || context.principal() == null ? "" : context.principal().name();
    }


    /** {@code SET SCHEMA} to the route's schema, quoted as the original does, and HANA's application user. */
    @Override
    public List<String> sessionStart(SessionContext context) {
        List<String> statements = new ArrayList<>();
        if (context != null && context.route() instanceof DatabaseRoute route) {
            // Route identifiers are validated ([A-Za-z_][A-Za-z0-9_]*), so quoting cannot be escaped.
            route.schema().ifPresent(schema -> statements.add("SET SCHEMA \"" + schema + "\""));
        }
        String user = userId(context);
        if (!user.isEmpty()) {
            statements.add("SET 'APPLICATIONUSER' = " + SqlQuoting.literal(user));
        }
        return statements;
    }

    /**
     * {@code search_path}: HANA has one current schema, the first of the path that is not {@code $user}, kept as
     * the client wrote it (unquoted names fold to upper case in HANA, as HANA's users expect); PostgreSQL's default
     * path (a {@code RESET}) goes back to the route's schema. {@code DateStyle}: the original's {@code DATE_FORMAT}
     * session variable. Nothing for the other settings: values reach the client already typed, so their format is
     * the core's.
     */
    @Override
    public List<String> settingChanged(String name, String value, SessionContext context) {
        if (name.equalsIgnoreCase("search_path")) {
            for (SqlToken t : SqlLexer.significantTokens(value)) {
                if (!t.isIdentifier() || t.value().equals("$user")) {
                    continue;
                }
                if (t.kind() == SqlToken.Kind.WORD && t.value().equals("public")) {
                    // PostgreSQL's default path: HANA's PUBLIC schema holds synonyms, not the client's tables.
                    return sessionStart(context).stream().filter(s -> s.startsWith("SET SCHEMA")).toList();
                }
                return List.of("SET SCHEMA " + t.text());
            }
            return List.of();
        }
        if (name.equalsIgnoreCase("DateStyle") && value.toUpperCase(java.util.Locale.ROOT).startsWith("ISO")) {
            return List.of("SET 'DATE_FORMAT' = 'ISO'");
        }
        return List.of();
    }

    /** By HANA's error code; the message without the driver's {@code SAP DBTech JDBC: [n]:} prefix. */
    @Override
    public PgException classify(SQLException e) {
        String state = STATES.get(e.getErrorCode());
        if (state == null) {
            return null;
        }
        return new PgException(state, message(e), e);
    }

    static String message(SQLException e) {
        String m = e.getMessage() == null ? "" : e.getMessage().strip();
        if (m.startsWith("SAP DBTech JDBC:")) {
            m = m.substring("SAP DBTech JDBC:".length()).strip();
        }
        if (m.startsWith("[")) {
            int close = m.indexOf("]:");
            if (close > 0) {
                m = m.substring(close + 2).strip();
            }
        }
        int eol = m.indexOf('\n');
        m = eol < 0 ? m : m.substring(0, eol);
        return m.isEmpty() ? "SAP HANA error " + e.getErrorCode() : m;
    }
}
