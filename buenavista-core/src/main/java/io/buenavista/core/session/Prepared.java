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
 * <p>The handler's query is released once the statement is dropped (Close, or the unnamed statement replaced by the
 * next Parse or Query) and no portal bound from it is open any more: as in PostgreSQL, a portal outlives the
 * replacement of the unnamed statement it was bound from (pgjdbc reads a fetch-size result through such a portal
 * while running other statements).
 */
final class Prepared {
    private final String name;
    private final String sql;
    private final int offset;
    private final Statement kind;
    private final PreparedQuery query;
    private final List<PgType> parameterTypes;
    private final List<Column> columns;
    private final Prepared inner;
    private int openPortals;
    private boolean dropped;

    /** @param offset where {@code sql} starts in the client's query text, to map error positions back */
    Prepared(String name, String sql, int offset, Statement kind, PreparedQuery query, List<PgType> parameterTypes,
            List<Column> columns) {
        this(name, sql, offset, kind, query, parameterTypes, columns, null);
    }

    /** @param inner the query a DECLARE or COPY runs, prepared with it and released with it */
    Prepared(String name, String sql, int offset, Statement kind, PreparedQuery query, List<PgType> parameterTypes,
            List<Column> columns, Prepared inner) {
        this.inner = inner;
        this.name = name;
        this.sql = sql;
        this.offset = offset;
        this.kind = kind;
        this.query = query;
        this.parameterTypes = parameterTypes;
        this.columns = columns;
    }

    String name() {
        return name;
    }

    String sql() {
        return sql;
    }

    int offset() {
        return offset;
    }

    /** The classified statement; null for the empty statement. */
    Statement kind() {
        return kind;
    }

    /** The handler's query; null for the core's own statements. */
    PreparedQuery query() {
        return query;
    }

    List<PgType> parameterTypes() {
        return parameterTypes;
    }

    List<Column> columns() {
        return columns;
    }

    /** Whether the handler knows the result's columns only once the parameters are bound. */
    boolean columnsDependOnParameters() {
        return query != null && query.columnsDependOnParameters();
    }

    /** The query of a DECLARE or COPY; null for other statements. */
    Prepared inner() {
        return inner;
    }

    boolean isEmpty() {
        return kind == null;
    }

    /** A portal was bound from it. */
    void portalOpened() {
        openPortals++;
    }

    /** A portal bound from it was closed. */
    void portalClosed() {
        openPortals--;
        releaseIfUnused();
    }

    /** The client no longer names it; its open portals may still run it. */
    void drop() {
        dropped = true;
        releaseIfUnused();
        if (inner != null) {
            inner.drop();
        }
    }

    private void releaseIfUnused() {
        if (dropped && openPortals == 0 && query != null) {
            query.close();
        }
    }
}
