package io.buenavista.core.jdbc;

import io.buenavista.core.sql.SqlLexer;
import io.buenavista.core.sql.SqlToken;

import java.util.ArrayList;
import java.util.List;

/**
 * A statement in JDBC's form: each {@code $n} of PostgreSQL's text (outside quotes and comments, found by the core's
 * lexer) becomes a {@code ?}, and {@link #bindOrder} says which client parameter each {@code ?} takes, so
 * {@code $2 … $1 … $2} binds the second, first and second value again.
 *
 * @param sql            the text with {@code ?} placeholders
 * @param bindOrder      for each {@code ?} in order, the 1-based number of the client's parameter
 * @param parameterCount the highest {@code $n}: how many parameters the client binds
 */
record JdbcText(String sql, List<Integer> bindOrder, int parameterCount) {
    JdbcText {
        bindOrder = List.copyOf(bindOrder);
    }

    static JdbcText of(String postgresSql) {
        return of(postgresSql, false);
    }

    /**
     * @param doubleQuestionMarks whether a {@code ?} in an operator ({@code jsonb ? 'k'}, {@code ?|}, {@code ?&}) is
     *                            written {@code ??}, pgjdbc's escape, so the driver does not take it for a placeholder
     */
    static JdbcText of(String postgresSql, boolean doubleQuestionMarks) {
        List<Integer> order = new ArrayList<>();
        StringBuilder out = new StringBuilder(postgresSql.length());
        for (SqlToken token : SqlLexer.tokenize(postgresSql)) {
            if (token.kind() == SqlToken.Kind.PARAMETER) {
                order.add(number(token));
                out.append('?');
            } else if (doubleQuestionMarks && token.kind() == SqlToken.Kind.OPERATOR) {
                out.append(token.text().replace("?", "??"));
            } else {
                out.append(token.text());
            }
        }
        int count = order.stream().mapToInt(Integer::intValue).max().orElse(0);
        return new JdbcText(out.toString(), order, count);
    }

    private static int number(SqlToken parameter) {
        try {
            return Integer.parseInt(parameter.text(), 1, parameter.text().length(), 10);
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE; // absurdly large: refused as a parameter that cannot exist
        }
    }
}
