package io.buenavista.core.sql;

/**
 * Standard SQL quoting of values and names put into generated statements: doubling the quote character is all
 * PostgreSQL (with standard_conforming_strings on), DuckDB and HANA need, so no value can end its literal.
 */
public final class SqlQuoting {
    private SqlQuoting() {}

    /** {@code 'value'} with single quotes doubled. */
    public static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    /** {@code "name"} with double quotes doubled. */
    public static String identifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }
}
