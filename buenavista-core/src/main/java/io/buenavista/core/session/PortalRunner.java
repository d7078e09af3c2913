package io.buenavista.core.session;

import io.buenavista.api.ExecutionResult;
import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;
import io.buenavista.core.sql.Statement;
import io.buenavista.core.wire.MessageWriter;

import java.io.IOException;
import java.util.List;

/**
 * Runs a portal for a simple Query or an Execute (under the caller's {@code statement_timeout}): in the right
 * transaction, by the
 * handler or by {@link CoreStatements}; then its rows go out through {@link RowStream}. A portal suspended by a row
 * limit is started once and resumed by later Executes.
 */
final class PortalRunner {
    private final MessageWriter out;
    private final HandlerCalls calls;
    private final Transactions transactions;
    private final CoreStatements core;
    private final RowStream rows;
    private final Notices notices;

    PortalRunner(MessageWriter out, HandlerCalls calls, Transactions transactions,
            CoreStatements core, RowStream rows, Notices notices) {
        this.out = out;
        this.calls = calls;
        this.transactions = transactions;
        this.core = core;
        this.rows = rows;
        this.notices = notices;
    }

    /**
     * Runs a portal and streams up to {@code maxRows} rows (0: all).
     *
     * @param moreInBatch whether other statements may follow before the batch ends, so the statement needs the
     *                    implicit transaction rather than autocommit
     * @param describe    whether to send RowDescription first (simple query)
     */
    void run(Portal portal, int maxRows, boolean moreInBatch, boolean describe) throws IOException {
        Prepared p = portal.statement;
        if (p.isEmpty()) {
            out.emptyQueryResponse();
            return;
        }
        transactions.checkRuns(portal);
        if (portal.earlyTag != null) {
            notices.commandComplete(portal.earlyTag);
            portal.earlyTag = null;
            return;
        }
        if (!portal.started) {
            portal.started = true;
            transactions.beforeStatement(p.kind(), moreInBatch);
            if (!start(portal)) {
                portal.done = true;
                return;
            }
            calls.checkStopped(); // stopped while it executed: not even its RowDescription goes out
            if (portal.cursor.columns().size() != portal.codecs.length) {
                throw new PgException(SqlState.INTERNAL_ERROR, "the statement returned "
                        + portal.cursor.columns().size() + " columns but described " + portal.codecs.length);
            }
            if (describe) {
                out.rowDescription(portal.cursor.columns(), portal.resultFormats);
            }
        }
        rows.send(portal, maxRows);
    }

    /**
     * Starts, at Bind (or before its RowDescription in a simple Query), the statement of a portal whose columns only
     * its execution tells (see {@link io.buenavista.api.PreparedQuery#columnsDependOnParameters()}): its rows wait in
     * the portal's cursor for Execute, and a command's tag goes out with the first Execute.
     *
     * @param moreInBatch as for {@link #run}; at Bind the batch's end is not known yet
     */
    void startAtBind(Portal portal, boolean moreInBatch) {
        Prepared p = portal.statement;
        transactions.checkRuns(portal);
        portal.started = true;
        transactions.beforeStatement(p.kind(), moreInBatch);
        ExecutionResult result = calls.call(() -> p.query().execute(portal.parameters), p.offset());
        calls.checkStopped();
        if (result instanceof ExecutionResult.Command c) {
            portal.done = true;
            portal.earlyTag = tag(c, p);
        } else {
            portal.cursor = ((ExecutionResult.Rows) result).cursor();
        }
    }

    /**
     * Starts the portal's statement.
     *
     * @return whether it returned rows, now the portal's cursor; if not, its tag has been sent
     */
    private boolean start(Portal portal) throws IOException {
        Prepared p = portal.statement;
        if (p.kind() instanceof Statement.ExecuteStatement e) {
            Prepared target = core.executeTarget(e);
            portal.executes(target);
            return startQuery(portal, target, core.executeArguments(e, target));
        }
        if (p.query() == null) {
            core.run(portal);
            return portal.cursor != null;
        }
        return startQuery(portal, p, portal.parameters);
    }

    /** Executes a handler's statement: its rows become the portal's cursor, or its command tag is sent. */
    private boolean startQuery(Portal portal, Prepared statement, List<Object> parameters) throws IOException {
        ExecutionResult result = calls.call(() -> statement.query().execute(parameters), statement.offset());
        if (result instanceof ExecutionResult.Command c) {
            notices.commandComplete(tag(c, statement));
            return false;
        }
        portal.cursor = ((ExecutionResult.Rows) result).cursor();
        return true;
    }

    /** A command's tag: the handler's own, else the statement's with the row count. */
    private static String tag(ExecutionResult.Command c, Prepared statement) {
        return c.tag() != null ? c.tag() : statement.kind().commandTag(Math.max(c.rowCount(), 0));
    }
}
