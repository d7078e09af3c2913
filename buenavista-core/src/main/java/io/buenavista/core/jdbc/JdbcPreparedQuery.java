package io.buenavista.core.jdbc;

import io.buenavista.api.Column;
import io.buenavista.api.ExecutionResult;
import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.SqlState;

import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A statement prepared by the driver. Its columns and parameter types come from the driver's description
 * ({@link PreparedStatement#getMetaData()}, {@link PreparedStatement#getParameterMetaData()}); a driver that cannot
 * describe before executing gives no columns, and parameters it cannot type stay {@link PgType#UNKNOWN} (their text
 * is bound as a string).
 */
final class JdbcPreparedQuery implements PreparedQuery {
    private final JdbcSession session;
    private final JdbcText text;
    private final PreparedStatement statement;
    private final List<PgType> parameterTypes;
    private final List<Column> columns;
    private final List<JdbcTypes.Mapping> mappings;
    /** The cursor of the last execution, while open: a new execution or close ends it. */
    private JdbcCursor cursor;
    private boolean closed;

    private JdbcPreparedQuery(JdbcSession session, JdbcText text, PreparedStatement statement,
            List<PgType> parameterTypes, List<Column> columns, List<JdbcTypes.Mapping> mappings) {
        this.session = session;
        this.text = text;
        this.statement = statement;
        this.parameterTypes = parameterTypes;
        this.columns = columns;
        this.mappings = mappings;
    }

    static JdbcPreparedQuery prepare(JdbcSession session, JdbcText text, List<PgType> declared) {
        PreparedStatement ps;
        try {
            ps = session.connection().prepareStatement(text.sql(), ResultSet.TYPE_FORWARD_ONLY,
                    ResultSet.CONCUR_READ_ONLY);
        } catch (SQLException e) {
            throw session.error(e);
        }
        try {
            ps.setFetchSize(session.fetchSize());
            List<Column> columns = new ArrayList<>();
            List<JdbcTypes.Mapping> mappings = new ArrayList<>();
            ResultSetMetaData meta = ps.getMetaData();
            if (meta != null) {
                JdbcTypes.describe(meta, columns, mappings);
            }
            return new JdbcPreparedQuery(session, text, ps, parameterTypes(ps, text, declared),
                    Collections.unmodifiableList(columns), Collections.unmodifiableList(mappings));
        } catch (SQLException | RuntimeException e) {
            try {
                ps.close();
            } catch (SQLException ignored) {
                // the description's failure is what matters
            }
            throw e instanceof SQLException s ? session.error(s) : (RuntimeException) e;
        }
    }

    /** The declared types, with the driver's inference for those the client left unknown. */
    private static List<PgType> parameterTypes(PreparedStatement ps, JdbcText text, List<PgType> declared) {
        int count = Math.max(text.parameterCount(), declared.size());
        List<PgType> types = new ArrayList<>(count);
        ParameterMetaData meta = null;
        for (int n = 1; n <= count; n++) {
            PgType type = n <= declared.size() ? declared.get(n - 1) : PgType.UNKNOWN;
            int placeholder = text.bindOrder().indexOf(n) + 1;
            if (type.equals(PgType.UNKNOWN) && placeholder > 0) {
                if (meta == null) {
                    try {
                        meta = ps.getParameterMetaData();
                    } catch (SQLException | RuntimeException e) {
                        // this driver cannot describe parameters: they are bound as the client's text
                        return fillUnknown(types, declared, count);
                    }
                }
                type = JdbcTypes.parameterType(meta, placeholder);
            }
            types.add(type);
        }
        return Collections.unmodifiableList(types);
    }

    private static List<PgType> fillUnknown(List<PgType> types, List<PgType> declared, int count) {
        for (int n = types.size() + 1; n <= count; n++) {
            types.add(n <= declared.size() ? declared.get(n - 1) : PgType.UNKNOWN);
        }
        return Collections.unmodifiableList(types);
    }

    @Override
    public List<PgType> parameterTypes() {
        return parameterTypes;
    }

    @Override
    public List<Column> columns() {
        return columns;
    }

    @Override
    public ExecutionResult execute(List<Object> parameters) throws PgException {
        if (closed) {
            throw new PgException(SqlState.INVALID_SQL_STATEMENT_NAME, "prepared statement is closed");
        }
        session.ensureOpen();
        boolean implicit = false;
        PreparedStatement target = statement;
        try {
            if (cursor != null && !cursor.isClosed()) {
                // A JDBC statement has one open result, and a portal of this one is still being read: this
                // execution gets a statement of its own, which its cursor closes.
                target = session.connection().prepareStatement(text.sql(), ResultSet.TYPE_FORWARD_ONLY,
                        ResultSet.CONCUR_READ_ONLY);
                target.setFetchSize(session.fetchSize());
            }
        } catch (SQLException e) {
            throw session.error(e);
        }
        session.startWork(target, true);
        try {
            target.clearParameters();
            List<Integer> order = text.bindOrder();
            for (int i = 0; i < order.size(); i++) {
                int n = order.get(i);
                Object value = n <= parameters.size() ? parameters.get(n - 1) : null;
                JdbcTypes.bind(target, i + 1, parameterTypes.get(n - 1), value);
            }
            implicit = !columns.isEmpty() && session.beginImplicit();
            boolean hasRows = target.execute();
            if (hasRows) {
                JdbcCursor opened = new JdbcCursor(session, target, target != statement, target.getResultSet(),
                        columns, mappings, implicit);
                if (implicit) {
                    session.implicitCursorOpened(opened);
                }
                if (target == statement) {
                    cursor = opened;
                }
                return new ExecutionResult.Rows(opened);
            }
            long count = updateCount(target);
            closeIfOwn(target);
            if (implicit) {
                session.endImplicitIfIdle(false);
            }
            return ExecutionResult.Command.of(count);
        } catch (SQLException | RuntimeException e) {
            boolean canceled = session.cancelRequested();
            closeIfOwn(target);
            if (implicit) {
                session.endImplicitIfIdle(true);
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            SQLException s = (SQLException) e;
            throw canceled ? JdbcErrors.canceled(s) : session.error(s);
        } finally {
            session.endWork();
        }
    }

    private static long updateCount(PreparedStatement ps) throws SQLException {
        try {
            return ps.getLargeUpdateCount();
        } catch (UnsupportedOperationException | java.sql.SQLFeatureNotSupportedException e) {
            return ps.getUpdateCount();
        }
    }

    private void closeIfOwn(PreparedStatement target) {
        if (target != statement) {
            try {
                target.close();
            } catch (SQLException ignored) {
                // nothing left to release
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (cursor != null) {
            cursor.close();
        }
        try {
            statement.close();
        } catch (SQLException ignored) {
            // the statement is gone either way
        }
        session.statementClosed(this);
    }
}
