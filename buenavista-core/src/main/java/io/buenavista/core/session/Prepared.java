package io.buenavista.core.session;

import io.buenavista.api.Column;
import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.core.sql.Statement;

import java.util.List;

/**
 * A statement after Parse: what it is, its parameter types and result columns, and the handler's prepared query
 * (null for statements the core runs itself: transaction control, core-owned SET/SHOW, the empty statement).
 *
 * @param offset where {@code sql} starts in the client's query text, to map error positions back
 */
record Prepared(String name, String sql, int offset, Statement kind, PreparedQuery query, List<PgType> parameterTypes,
        List<Column> columns) {

    boolean isEmpty() {
        return kind == null;
    }

    void close() {
        if (query != null) {
            query.close();
        }
    }
}
