package io.buenavista.core.jdbc;

import io.buenavista.core.sql.SqlLexer;

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
        List<Integer> order = SqlLexer.parameterReferences(postgresSql);
        int count = order.stream().mapToInt(Integer::intValue).max().orElse(0);
        return new JdbcText(SqlLexer.rewriteParameters(postgresSql, n -> "?"), order, count);
    }
}
