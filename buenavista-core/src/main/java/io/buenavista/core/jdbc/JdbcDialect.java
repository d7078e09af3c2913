package io.buenavista.core.jdbc;

import io.buenavista.api.PgException;
import io.buenavista.api.SessionContext;
import io.buenavista.core.sql.SqlQuoting;

import java.sql.SQLException;
import java.util.List;

/**
 * What differs between the databases a {@link JdbcHandler} serves: the statements a session runs when it opens and
 * when the client changes a setting, rewrites of the client's text before it is prepared, and the SQLSTATE of errors
 * whose driver gives none that PostgreSQL clients understand. Every method has a default that suits a database
 * speaking PostgreSQL's SQL; {@link #POSTGRESQL} is that dialect.
 */
public interface JdbcDialect {
    /**
     * A database that speaks PostgreSQL's SQL and reports its SQLSTATEs: the client's {@code search_path} and
     * {@code TimeZone} are set on the connection too, since they change what its statements mean. (DateStyle and
     * the other output settings are the core's: values reach it typed.)
     */
    JdbcDialect POSTGRESQL = new JdbcDialect() {
        @Override
        public boolean doublesQuestionMarkOperators() {
            return true;
        }

        @Override
        public List<String> settingChanged(String name, String value, SessionContext context) {
            if (name.equalsIgnoreCase("search_path")) {
                // The core's value is PostgreSQL's own rendering of the list (items quoted as needed).
                return List.of("SET search_path TO " + (value.isBlank() ? "''" : value));
            }
            if (name.equalsIgnoreCase("TimeZone")) {
                return List.of("SET TimeZone TO " + SqlQuoting.literal(value));
            }
            return List.of();
        }
    };

    /**
     * Rewrites the client's statement (still with its {@code $n} parameters, which the handler turns into
     * {@code ?} afterwards). Rewrites must work on the core's lexer tokens, never on the raw text. The default
     * returns it unchanged.
     */
    default String rewrite(String sql, SessionContext context) {
        return sql;
    }

    /**
     * Whether the driver reads {@code ??} as a literal {@code ?} (pgjdbc does): operators with a {@code ?} (PostgreSQL's
     * {@code jsonb ?}, {@code ?|}, {@code ?&}) are then escaped so that the driver does not count them as
     * placeholders. False by default: other databases have no such operators.
     */
    default boolean doublesQuestionMarkOperators() {
        return false;
    }

    /** Statements a new session runs on its connection before the client's first one. The default runs none. */
    default List<String> sessionStart(SessionContext context) {
        return List.of();
    }

    /**
     * Statements that apply a core-owned setting the client changed ({@code search_path}, {@code DateStyle},
     * {@code TimeZone}, …) on the connection; an empty list when the database has nothing to do for it (the
     * default). A statement that fails makes the client's {@code SET} fail, and the setting keeps its old value.
     */
    default List<String> settingChanged(String name, String value, SessionContext context) {
        return List.of();
    }

    /**
     * The error to send for a driver's exception, or null to let the handler decide: it then takes the driver's
     * SQLSTATE when that is one of PostgreSQL's shape (five digits or upper-case letters, not the JDBC/ODBC
     * {@code HY…} class), and {@code XX000} otherwise. The default decides nothing.
     */
    default PgException classify(SQLException e) {
        return null;
    }
}
