package io.buenavista.core.session;

import io.buenavista.api.Column;
import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.QuerySession;
import io.buenavista.api.SqlState;
import io.buenavista.core.sql.SqlLexer;
import io.buenavista.core.sql.Statement;
import io.buenavista.core.sql.StatementClassifier;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns one statement's text into a {@link Prepared}: classifies it, keeps the statements the core runs itself
 * (see {@link CoreStatements}) and has the handler prepare the rest. A {@code DECLARE} or {@code COPY} carries its
 * query, prepared by the handler along with it.
 */
final class StatementPreparer {
    private final QuerySession handler;
    private final HandlerCalls calls;
    private final SessionSettings settings;

    StatementPreparer(QuerySession handler, HandlerCalls calls, SessionSettings settings) {
        this.handler = handler;
        this.calls = calls;
        this.settings = settings;
    }

    /**
     * Prepares one statement.
     *
     * @param offset   where {@code sql} starts in the client's text, to place error positions there
     * @param declared the parameter types the client gave ({@link PgType#UNKNOWN} for those it left open)
     */
    Prepared prepare(String name, String sql, int offset, List<PgType> declared) {
        return prepare(name, sql, offset, declared, false);
    }

    /**
     * Prepares a statement of a simple Query, which runs once, at once, without parameters: the handler's part
     * through {@link QuerySession#prepareToRunOnce}, which may leave its description to its execution.
     */
    Prepared prepareToRunOnce(String sql, int offset) {
        return prepare("", sql, offset, List.of(), true);
    }

    /**
     * In a failed transaction block, which accepts only a statement that ends it: returns when {@code sql} is one,
     * else refuses it with 25P02. PostgreSQL parses a statement before it refuses it, so a syntax error still goes
     * out as one: the core finds those of the statements it reads, and for the others the statement is prepared
     * (nothing runs) and only a syntax error of that prepare is kept.
     */
    void refuseUnlessEndsTransaction(String sql, int offset) {
        if (Transactions.endsTransaction(classify(sql, offset))) {
            return;
        }
        try {
            prepare("", sql, offset, List.of()).drop();
        } catch (PgException e) {
            if (e.isFatal() || SqlState.SYNTAX_ERROR.equals(e.sqlState())
                    || SqlState.QUERY_CANCELED.equals(e.sqlState())) {
                throw e;
            }
        }
        throw Transactions.aborted();
    }

    /**
     * Before a Query of several statements runs any of them: the syntax errors of this one, the core's for the
     * statements it reads and the handler's ({@link QuerySession#checkSyntax}) for the rest, placed in the client's
     * text.
     */
    void checkSyntax(String sql, int offset) {
        Statement kind = classify(sql, offset);
        int at;
        String text;
        if (kind instanceof Statement.Other) {
            at = 0;
            text = sql;
        } else if (kind instanceof Statement.DeclareCursor d) {
            at = d.queryOffset();
            text = sql.substring(at);
        } else {
            return; // the core's own statements, read whole by classify; the rest are rare in a batch
        }
        try {
            handler.checkSyntax(text);
        } catch (PgException e) {
            throw e.position() > 0 ? e.withPosition(e.position() + offset + at) : e;
        }
    }

    private static Statement classify(String sql, int offset) {
        try {
            return StatementClassifier.classify(sql);
        } catch (PgException e) {
            throw e.position() > 0 ? e.withPosition(e.position() + offset) : e;
        }
    }

    private Prepared prepare(String name, String sql, int offset, List<PgType> declared, boolean once) {
        Statement kind = classify(sql, offset);
        if (kind instanceof Statement.DeclareCursor d) {
            Prepared query = prepareRowsQuery(sql.substring(d.queryOffset()), offset + d.queryOffset(), declared);
            return new Prepared(name, sql, offset, kind, null, query.parameterTypes(), List.of(), query);
        }
        if (kind instanceof Statement.CopyTo c) {
            Prepared query = prepareRowsQuery(c.query(), offset + Math.max(c.queryOffset(), 0), declared);
            return new Prepared(name, sql, offset, kind, null, query.parameterTypes(), List.of(), query);
        }
        if (isCoreStatement(kind)) {
            // A PREPARE's $n belong to the statement it prepares, which gets its values from EXECUTE: like
            // PostgreSQL, the PREPARE itself takes only the parameters the client declared.
            int n = kind instanceof Statement.PrepareStatement ? declared.size()
                    : Math.max(declared.size(), SqlLexer.parameterCount(sql));
            List<PgType> types = new ArrayList<>(declared);
            while (types.size() < n) {
                types.add(PgType.UNKNOWN);
            }
            List<Column> columns = kind instanceof Statement.ShowVariable s ? showColumns(s) : List.of();
            if (kind instanceof Statement.SetConfig c) {
                setConfigParameterTypes(c, types);
                columns = List.of(new Column("set_config", PgType.TEXT));
            }
            return new Prepared(name, sql, offset, kind, null, types, columns);
        }
        if (kind.tagStem().equals("COPY")) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                    "only COPY (query) TO STDOUT and COPY table TO STDOUT are supported");
        }
        PreparedQuery q = calls.call(() -> once ? handler.prepareToRunOnce(sql) : handler.prepare(sql, declared),
                offset);
        try {
            calls.checkStopped(); // a cancel during the prepare, which the handler need not interrupt
        } catch (PgException e) {
            q.close();
            throw e;
        }
        return new Prepared(name, sql, offset, kind, q, q.parameterTypes(), q.columns());
    }

    /**
     * Prepares the statement of a {@code PREPARE}: one the handler runs (PostgreSQL's grammar allows only plain
     * queries and DML there, so one of the core's own is its syntax error).
     */
    Prepared prepareHandlerStatement(String name, String sql, int offset, List<PgType> declared) {
        Prepared statement = prepare(name, sql, offset, declared);
        if (statement.query() == null) {
            throw dropWithSyntaxError(statement, sql, offset);
        }
        return statement;
    }

    /** Prepares the query of a {@code DECLARE} or {@code COPY}: a statement of the handler's that returns rows. */
    private Prepared prepareRowsQuery(String sql, int offset, List<PgType> declared) {
        Prepared query = prepare("", sql, offset, declared);
        if (query.query() == null || query.columns().isEmpty()) {
            throw dropWithSyntaxError(query, sql, offset);
        }
        return query;
    }

    /** PostgreSQL's parser's error for a statement where its grammar expects another kind. */
    private static PgException dropWithSyntaxError(Prepared statement, String sql, int offset) {
        statement.drop();
        String word = SqlLexer.significantTokens(sql).get(0).text();
        return new PgException(SqlState.SYNTAX_ERROR, "syntax error at or near \"" + word + "\"")
                .withPosition(offset + 1);
    }

    /** The statements {@link CoreStatements} runs: SET/RESET/SHOW only of the settings the core keeps. */
    private boolean isCoreStatement(Statement kind) {
        if (kind instanceof Statement.Begin || kind instanceof Statement.Commit || kind instanceof Statement.Rollback
                || kind instanceof Statement.SetTransaction || kind instanceof Statement.Fetch
                || kind instanceof Statement.CloseCursor || kind instanceof Statement.PrepareStatement
                || kind instanceof Statement.ExecuteStatement || kind instanceof Statement.Deallocate) {
            return true;
        }
        if (kind instanceof Statement.SetVariable s) {
            return settings.accepts(s.name());
        }
        if (kind instanceof Statement.ResetVariable r) {
            return r.isAll() || settings.accepts(r.name());
        }
        if (kind instanceof Statement.SetConfig) {
            return true;
        }
        if (kind instanceof Statement.ShowVariable s) {
            // A custom setting never set is the core's too: PostgreSQL's error, not another database's SHOW.
            return s.isAll() || settings.owns(s.name()) || SessionSettings.isCustom(s.name());
        }
        return false;
    }

    /** The types PostgreSQL infers for set_config's parameters the client left open: text, text, boolean. */
    private static void setConfigParameterTypes(Statement.SetConfig c, List<PgType> types) {
        List<Statement.SetConfigArgument> arguments = List.of(c.name(), c.value(), c.isLocal());
        for (int i = 0; i < arguments.size(); i++) {
            int p = arguments.get(i).parameter() - 1;
            if (p >= 0 && p < types.size() && PgType.UNKNOWN.equals(types.get(p))) {
                types.set(p, i == 2 ? PgType.BOOL : PgType.TEXT);
            }
        }
    }

    private List<Column> showColumns(Statement.ShowVariable s) {
        if (s.isAll()) {
            return List.of(new Column("name", PgType.TEXT), new Column("setting", PgType.TEXT),
                    new Column("description", PgType.TEXT));
        }
        String canonical = settings.canonical(s.name());
        return List.of(new Column(canonical == null ? s.name() : canonical, PgType.TEXT));
    }
}
