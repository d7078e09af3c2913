package io.buenavista.core.jdbc;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;

import java.sql.SQLException;

/** Driver exceptions as the errors a PostgreSQL client gets. */
final class JdbcErrors {
    private JdbcErrors() {}

    /**
     * The error for {@code e}: the dialect's classification first, then the driver's SQLSTATE when PostgreSQL could
     * have sent it, otherwise {@code XX000}. The message is the driver's first line (drivers append positions and
     * hints on further lines), without a leading {@code ERROR: } that some drivers copy from the server.
     */
    static PgException map(SQLException e, JdbcDialect dialect) {
        PgException classified = dialect.classify(e);
        if (classified != null) {
            return classified;
        }
        String state = e.getSQLState();
        return new PgException(isPostgresShaped(state) ? state : SqlState.INTERNAL_ERROR, message(e), e);
    }

    /** The error of a statement that a cancel (or its statement_timeout) stopped. */
    static PgException canceled(SQLException cause) {
        return new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request", cause);
    }

    /** Five digits or upper-case letters, and not a class only JDBC and ODBC drivers use ({@code HY}, {@code S1}). */
    static boolean isPostgresShaped(String state) {
        if (state == null || state.length() != 5 || state.startsWith("HY") || state.startsWith("S1")
                || state.equals("00000")) {
            return false;
        }
        for (int i = 0; i < 5; i++) {
            char c = state.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z')) {
                return false;
            }
        }
        return true;
    }

    /** The driver's message, first line only, without a copied {@code ERROR: } severity. */
    static String message(SQLException e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return e.getClass().getSimpleName();
        }
        int eol = m.indexOf('\n');
        String line = (eol < 0 ? m : m.substring(0, eol)).strip();
        for (String prefix : new String[] {"ERROR: ", "FATAL: "}) {
            if (line.startsWith(prefix)) {
                line = line.substring(prefix.length());
            }
        }
        return line;
    }
}
