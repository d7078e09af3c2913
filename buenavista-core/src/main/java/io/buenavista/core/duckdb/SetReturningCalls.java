package io.buenavista.core.duckdb;

import io.buenavista.core.sql.SqlLexer;
import io.buenavista.core.sql.SqlToken;
import io.buenavista.core.sql.SqlToken.Kind;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * PostgreSQL's set-returning functions in a select list: {@code select generate_series(1, 3)} returns three rows in
 * PostgreSQL, while DuckDB's scalar {@code generate_series} returns one list. Such a call written in a select list
 * is wrapped in {@code unnest(...)}, which DuckDB expands into rows as PostgreSQL does; in a FROM clause DuckDB's
 * table function already behaves as PostgreSQL's.
 */
final class SetReturningCalls {
    private SetReturningCalls() {}

    /** Functions that return a set in PostgreSQL and a list in DuckDB. */
    private static final Set<String> FUNCTIONS = Set.of("generate_series");

    /** The text with each set-returning call of a select list wrapped in {@code unnest}. */
    static String rewrite(String sql) {
        if (!sql.toLowerCase(Locale.ROOT).contains("generate_series")) {
            return sql;
        }
        List<SqlToken> t = SqlLexer.significantTokens(sql);
        StringBuilder out = null;
        int pos = 0;
        for (int i = 0; i + 1 < t.size(); i++) {
            SqlToken name = t.get(i);
            if (name.kind() != Kind.WORD || !FUNCTIONS.contains(name.value())
                    || t.get(i + 1).kind() != Kind.LEFT_PAREN) {
                continue;
            }
            int start = i;
            if (i >= 2 && t.get(i - 1).text().equals(".") && t.get(i - 2).isWord("pg_catalog")) {
                start = i - 2;
            }
            if (!CatalogRewrites.startsSelectListItem(t, start)) {
                continue;
            }
            int close = matching(t, i + 1);
            if (close < 0) {
                return sql;
            }
            if (out == null) {
                out = new StringBuilder(sql.length() + 16);
            }
            out.append(sql, pos, t.get(start).offset()).append("unnest(")
                    .append(sql, t.get(start).offset(), t.get(close).end()).append(')');
            pos = t.get(close).end();
            i = close;
        }
        return out == null ? sql : out.append(sql, pos, sql.length()).toString();
    }

    private static int matching(List<SqlToken> t, int open) {
        int depth = 0;
        for (int j = open; j < t.size(); j++) {
            Kind k = t.get(j).kind();
            if (k == Kind.LEFT_PAREN) {
                depth++;
            } else if (k == Kind.RIGHT_PAREN && --depth == 0) {
                return j;
            }
        }
        return -1;
    }
}
