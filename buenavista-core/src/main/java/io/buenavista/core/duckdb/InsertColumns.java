package io.buenavista.core.duckdb;

import io.buenavista.core.sql.SqlLexer;
import io.buenavista.core.sql.SqlToken;
import io.buenavista.core.sql.SqlToken.Kind;

import java.util.List;
import java.util.function.Function;

/**
 * {@code INSERT INTO t VALUES (...)} with fewer values than {@code t} has columns: PostgreSQL fills the first N
 * columns and gives the others their defaults, DuckDB refuses. Such a statement gets the first N column names
 * written out ({@code INSERT INTO t (a, b) VALUES (1, 2)}), which both read the same way. {@code pg_dump --inserts}
 * and hand-written scripts rely on it for tables whose last columns have defaults.
 */
final class InsertColumns {
    private InsertColumns() {}

    /**
     * The statement with the column list written out where it is needed; {@code sql} itself otherwise.
     *
     * @param columnsOf the column names, in order, of the table the statement names (its name's parts, as
     *                  PostgreSQL folds them: {@code s."T"} is {@code [s, T]}); null when they cannot be known
     */
    static String withColumnList(String sql, Function<List<String>, List<String>> columnsOf) {
        if (!startsWithInsert(sql)) {
            return sql;
        }
        List<SqlToken> t = SqlLexer.significantTokens(sql);
        if (t.size() < 5 || !t.get(0).isWord("insert") || !t.get(1).isWord("into") || !t.get(2).isIdentifier()) {
            return sql;
        }
        int last = 2;
        while (last + 2 < t.size() && t.get(last + 1).text().equals(".") && t.get(last + 2).isIdentifier()) {
            last += 2;
        }
        int next = last + 1;
        if (t.get(next).isWord("as") && next + 1 < t.size() && t.get(next + 1).isIdentifier()) {
            next += 2;
        }
        if (next + 1 >= t.size() || !t.get(next).isWord("values") || t.get(next + 1).kind() != Kind.LEFT_PAREN) {
            return sql; // a column list, DEFAULT VALUES, or a query: left as written
        }
        int values = valuesInFirstRow(t, next + 1);
        if (values <= 0) {
            return sql;
        }
        List<String> table = new java.util.ArrayList<>();
        for (int i = 2; i <= last; i += 2) {
            table.add(t.get(i).value());
        }
        List<String> columns = columnsOf.apply(table);
        if (columns == null || values >= columns.size()) {
            return sql;
        }
        StringBuilder list = new StringBuilder(" (");
        for (int i = 0; i < values; i++) {
            list.append(i == 0 ? "" : ", ").append('"').append(columns.get(i).replace("\"", "\"\"")).append('"');
        }
        int at = t.get(last).end();
        return sql.substring(0, at) + list.append(')') + sql.substring(at);
    }

    /** The number of values in the row whose parenthesis is token {@code open}; -1 when it does not close. */
    private static int valuesInFirstRow(List<SqlToken> t, int open) {
        int depth = 0;
        int count = 1;
        for (int i = open; i < t.size(); i++) {
            Kind k = t.get(i).kind();
            String text = t.get(i).text();
            if (k == Kind.LEFT_PAREN || k == Kind.PUNCTUATION && text.equals("[")) {
                depth++;
            } else if (k == Kind.PUNCTUATION && text.equals("]")) {
                depth--;
            } else if (k == Kind.RIGHT_PAREN) {
                if (--depth == 0) {
                    return i == open + 1 ? 0 : count;
                }
            } else if (depth == 1 && k == Kind.PUNCTUATION && text.equals(",")) {
                count++;
            }
        }
        return -1;
    }

    /** Cheap pre-check: the first word is INSERT. */
    private static boolean startsWithInsert(String sql) {
        int i = 0;
        while (i < sql.length() && Character.isWhitespace(sql.charAt(i))) {
            i++;
        }
        return sql.regionMatches(true, i, "insert", 0, 6);
    }
}
