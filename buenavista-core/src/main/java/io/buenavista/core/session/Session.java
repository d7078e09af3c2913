package io.buenavista.core.session;

import io.buenavista.api.Column;
import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.QuerySession;
import io.buenavista.api.SqlState;
import io.buenavista.core.sql.SqlLexer;
import io.buenavista.core.sql.SqlStatement;
import io.buenavista.core.types.Codec;
import io.buenavista.core.types.CodecRegistry;
import io.buenavista.core.wire.FrontendMessage;
import io.buenavista.core.wire.Lookahead;
import io.buenavista.core.wire.MessageWriter;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/**
 * One connection's SQL session after authentication: the simple and extended query protocols ("Message Flow").
 * {@link #handle} passes each frontend message to its one method here — {@link #query}, {@link #parse},
 * {@link #bind}, {@link #describe}, {@link #execute}, {@link #close(FrontendMessage.Close)}, {@link #sync},
 * {@link #flush} — and keeps the protocol's rules: after an error the extended protocol skips to the next Sync, and
 * every batch ends with ReadyForQuery. A statement whose columns only its parameters' values decide (see
 * {@link io.buenavista.api.PreparedQuery#columnsDependOnParameters()}) runs at Bind, so the portal's Describe is exact;
 * a simple Query's statement that its handler describes only by running it is started the same way. So is a statement
 * that runs alone (an unnamed Parse that its Bind, Execute and Sync follow in what has already arrived, outside a
 * transaction): it is prepared to run once and runs at its Parse; its Bind, Describe and Execute take the portal it
 * left, and an error while it ran goes out at the message where PostgreSQL reports it (see {@link #runAlone}). A Query
 * of several statements is checked for syntax errors whole before its first statement runs, as PostgreSQL parses it
 * (see {@link #query}).
 *
 * <p>In a failed transaction block each message is answered as PostgreSQL answers it: a Query's statement and a
 * Parse are refused with 25P02 (after their syntax errors) unless they end the block
 * ({@link Transactions#endsTransaction}) or are empty; Bind refuses any other statement and any parameter; Describe
 * refuses what returns rows; Execute refuses every portal bound before the block failed, which stays to be described
 * or closed (its rows are released); Close, Flush and Sync work as ever.
 *
 * <p>The work is done by the session's parts: {@link PortalRunner} runs statements (with {@link CoreStatements} for
 * those the core runs itself, {@link RowStream} for their rows), {@link Transactions} keeps the transaction state,
 * {@link PreparedStatements} and {@link Portals} hold what the client named.
 *
 * <p>A CancelRequest ({@link #cancel}), the {@code statement_timeout} or a shutdown ({@link #terminate}) stops the
 * message being handled in whatever phase it is, prepare, execute or rows (see {@link HandlerCalls}); one that
 * arrives between messages is ignored, as PostgreSQL ignores it. A statement that runs alone is stopped while it
 * runs at its Parse, but its 57014 too goes out at its Execute, where PostgreSQL's would. (A simple Query's statement
 * started as at Bind and stopped before it returned its cursor sends no RowDescription before its 57014, where
 * PostgreSQL describes it first: describing it would take a call into the handler after the stop.)
 */
public final class Session {
    private final QuerySession handler;
    private final MessageWriter out;
    private final Lookahead lookahead;
    private final CodecRegistry codecs;
    private final SessionSettings settings;
    private final Notices notices;
    private final HandlerCalls calls;
    private final PreparedStatements statements;
    private final Portals portals;
    private final ParameterDecoder parameters;
    private final SettingChanges settingChanges;
    private final Transactions transactions;
    private final StatementPreparer preparer;
    private final CoreStatements core;
    private final PortalRunner runner;
    /** After an error in the extended protocol: messages up to the next Sync are ignored. */
    private boolean skipUntilSync;
    /** No Query, Parse, Bind, Execute or FunctionCall has arrived since the last ReadyForQuery. */
    private boolean atStatementBoundary = true;
    /** What the statement that ran at its Parse left for its Bind and Execute; null when none did. */
    private RanAtParse ranAtParse;
    /**
     * The unnamed statement when it was prepared to run once (see {@link #runAlone}) and its Bind took it, or it was
     * stopped while it ran: a later Bind or Describe of it prepares it anew.
     */
    private Prepared unnamedRunOnce;

    /**
     * @param lookahead  the messages already buffered after the one being handled: a statement that a Sync
     *                   follows can skip the implicit transaction
     * @param timer      the server's timer, which enforces {@code statement_timeout} by cancelling the running
     *                   statement; null to ignore the setting
     */
    public Session(QuerySession handler, MessageWriter out, SessionSettings settings, CodecRegistry codecs,
            SessionLimits limits, Lookahead lookahead, ScheduledExecutorService timer) {
        this.handler = handler;
        this.out = out;
        this.lookahead = lookahead;
        this.codecs = codecs;
        this.settings = settings;
        this.notices = new Notices(out);
        this.calls = new HandlerCalls(handler, timer);
        this.statements = new PreparedStatements(limits);
        this.portals = new Portals(limits);
        this.parameters = new ParameterDecoder(codecs, settings);
        this.settingChanges = new SettingChanges(settings, handler, notices);
        this.transactions = new Transactions(handler, calls, portals, settingChanges, notices);
        this.preparer = new StatementPreparer(handler, calls, settings);
        RowStream rows = new RowStream(out, calls, settings, notices);
        this.core = new CoreStatements(out, settings, codecs, statements, portals, transactions, settingChanges,
                preparer, parameters, calls, rows, notices);
        this.runner = new PortalRunner(out, calls, transactions, core, rows, notices);
    }

    /** The ReadyForQuery status: I, T or E. */
    public char transactionStatus() {
        return transactions.status();
    }

    /** Queues a notice for the client; sent before the next CommandComplete or ReadyForQuery. Any thread. */
    public void notice(PgException notice) {
        notices.add(notice);
    }

    /** Cancels the running statement, if one runs. Called from a cancel request's thread. */
    public void cancel() {
        calls.cancel();
    }

    /**
     * Ends the running statement, if one runs, for a server shutdown: it stops as a cancelled one would, and
     * {@link #handle} throws FATAL 57P01 instead of reporting 57014. Any thread.
     */
    public void terminate() {
        calls.terminate();
    }

    /**
     * Handles one message.
     *
     * @return false when the client terminated
     * @throws PgException FATAL errors, which end the connection
     */
    public boolean handle(FrontendMessage message) throws IOException {
        if (message instanceof FrontendMessage.Terminate) {
            return false;
        }
        if (startsOrContinuesStatement(message)) {
            atStatementBoundary = false;
        }
        calls.begin();
        try {
            return dispatch(message);
        } finally {
            calls.end();
        }
    }

    /**
     * Whether {@code next} would start a new statement at a statement boundary: it is a Query, Parse, Bind or
     * FunctionCall, and none of those (nor an Execute) came since the last ReadyForQuery. An Execute is not a start:
     * it may continue a suspended portal's result, which is never cut.
     */
    public boolean startsStatementAtBoundary(FrontendMessage next) {
        return atStatementBoundary && startsOrContinuesStatement(next) && !(next instanceof FrontendMessage.Execute);
    }

    private static boolean startsOrContinuesStatement(FrontendMessage m) {
        return m instanceof FrontendMessage.Query || m instanceof FrontendMessage.Parse
                || m instanceof FrontendMessage.Bind || m instanceof FrontendMessage.Execute
                || m instanceof FrontendMessage.FunctionCall;
    }

    private boolean dispatch(FrontendMessage message) throws IOException {
        if (message instanceof FrontendMessage.Sync) {
            sync();
            return true;
        }
        if (message instanceof FrontendMessage.CopyData || message instanceof FrontendMessage.CopyDone
                || message instanceof FrontendMessage.CopyFail) {
            return true; // outside COPY these are ignored, as PostgreSQL does
        }
        if (message instanceof FrontendMessage.PasswordMessage) {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION, "unexpected password message after authentication");
        }
        if (skipUntilSync) {
            return true;
        }
        try {
            if (message instanceof FrontendMessage.Query q) {
                query(q.sql());
            } else if (message instanceof FrontendMessage.Malformed m) {
                malformed(m);
            } else if (message instanceof FrontendMessage.Parse p) {
                parse(p);
            } else if (message instanceof FrontendMessage.Bind b) {
                bind(b);
            } else if (message instanceof FrontendMessage.Describe d) {
                describe(d);
            } else if (message instanceof FrontendMessage.Execute e) {
                execute(e);
            } else if (message instanceof FrontendMessage.Close c) {
                close(c);
            } else if (message instanceof FrontendMessage.Flush) {
                flush();
            } else if (message instanceof FrontendMessage.FunctionCall) {
                functionCall();
            }
        } catch (PgException e) {
            if (e.isFatal()) {
                throw e;
            }
            failExtended(e);
        }
        return true;
    }

    /**
     * A body that failed to decode (the frame itself was fine): a simple Query or FunctionCall is answered with the
     * error and ReadyForQuery, an extended-protocol message fails its batch.
     */
    private void malformed(FrontendMessage.Malformed m) throws IOException {
        if (m.type() == 'Q' || m.type() == 'F') {
            out.errorResponse(m.error());
            readyForQuery();
        } else {
            failExtended(m.error());
        }
    }

    // ---- simple query ----

    /** Query: each statement runs in turn, as an unnamed portal; the first error ends the batch. */
    private void query(String sql) throws IOException {
        closeUnnamed();
        List<SqlStatement> parts = SqlLexer.split(sql);
        if (parts.isEmpty()) {
            out.emptyQueryResponse();
            readyForQuery();
            return;
        }
        boolean batch = parts.size() > 1;
        try {
            if (batch) {
                // PostgreSQL parses a whole Query before it runs any of it: a syntax error anywhere is the Query's
                // only answer (in a failed block too, before its 25P02).
                for (SqlStatement part : parts) {
                    preparer.checkSyntax(part.text(), part.offset());
                }
            }
            for (SqlStatement part : parts) {
                calls.withTimeout(part, settings.statementTimeoutMillis(), () -> {
                    runStatement(part, batch);
                    return null;
                });
            }
        } catch (PgException e) {
            if (e.isFatal()) {
                throw e;
            }
            out.errorResponse(e);
            transactions.afterError();
        }
        endBatch();
    }

    /**
     * Prepares and runs one statement of a Query, from its text to its last row. A statement the handler describes
     * only by running it (see {@link QuerySession#prepareToRunOnce}) starts as at Bind, then its RowDescription goes
     * out from its cursor.
     */
    private void runStatement(SqlStatement part, boolean batch) throws IOException {
        if (transactions.isFailed()) {
            preparer.refuseUnlessEndsTransaction(part.text(), part.offset());
        }
        Prepared p = preparer.prepareToRunOnce(part.text(), part.offset());
        if (p.columnsDependOnParameters()) {
            Portal portal = new Portal("", p, List.of(), List.of(), null, new Codec[0]);
            try {
                runner.startAtBind(portal, batch);
                describeFromCursor(portal, new short[0]);
                if (portal.cursor != null) {
                    out.rowDescription(portal.columns, portal.resultFormats);
                }
                runner.run(portal, 0, batch, false);
            } finally {
                portal.close();
                p.drop();
            }
            return;
        }
        List<Column> columns = core.columnsOf(p);
        short[] formats = core.simpleFormats(p, columns.size());
        Portal portal = new Portal("", p, List.of(), columns, formats, FormatCodes.codecs(codecs, columns, formats));
        try {
            runner.run(portal, 0, batch, true);
        } finally {
            portal.close();
            p.drop();
        }
    }

    /**
     * The end of a Query or the Sync of the extended protocol: commits the implicit transaction (a failure is
     * reported like any error), closes all portals outside a block, and reports ReadyForQuery.
     */
    private void endBatch() throws IOException {
        try {
            transactions.endBatch();
        } catch (PgException e) {
            if (e.isFatal()) {
                throw e;
            }
            out.errorResponse(e);
        }
        readyForQuery();
    }

    // ---- extended query ----

    /**
     * Parse. In a failed block a statement is refused here (after its syntax errors, before anything else), unless it
     * ends the block or is empty, as PostgreSQL refuses it.
     */
    private void parse(FrontendMessage.Parse m) throws IOException {
        List<SqlStatement> parts = SqlLexer.split(m.sql());
        if (parts.size() > 1) {
            throw new PgException(SqlState.SYNTAX_ERROR, "cannot insert multiple commands into a prepared statement");
        }
        if (transactions.isFailed() && !parts.isEmpty()) {
            calls.withTimeout(m, settings.statementTimeoutMillis(), () -> {
                preparer.refuseUnlessEndsTransaction(parts.get(0).text(), parts.get(0).offset());
                return null;
            });
        }
        if (!m.name().isEmpty()) {
            statements.checkUnused(m.name());
        }
        if (!statements.contains(m.name())) {
            statements.checkRoom(); // the unnamed statement is replaced, not added
        }
        List<PgType> declared = new ArrayList<>(m.parameterTypes().length);
        for (int oid : m.parameterTypes()) {
            PgType t = oid == 0 ? PgType.UNKNOWN : PgType.byOid(oid);
            if (t == null) {
                throw new PgException(SqlState.UNDEFINED_OBJECT, "type with OID " + oid + " is not supported");
            }
            declared.add(t);
        }
        if (parts.size() == 1 && runsAlone(m)) {
            runAlone(m, parts.get(0));
            return;
        }
        Prepared p = parts.isEmpty()
                ? new Prepared(m.name(), "", 0, null, null, declared, List.of())
                : calls.withTimeout(m, settings.statementTimeoutMillis(),
                        () -> preparer.prepare(m.name(), parts.get(0).text(), parts.get(0).offset(), declared));
        statements.add(p);
        out.parseComplete();
    }

    /**
     * Whether an unnamed Parse starts a statement that runs alone: it has no parameters, no transaction is open (nor
     * any portal), and what has already arrived after it is its Bind ({@link #bindsAlone}), perhaps a Describe of the
     * unnamed portal, an Execute of it and a Sync (pgjdbc sends that for each plain Statement in its extended mode).
     * Nothing can then come between its Parse and its Execute, and no implicit transaction spans it.
     */
    private boolean runsAlone(FrontendMessage.Parse m) {
        if (!m.name().isEmpty() || m.parameterTypes().length > 0 || transactions.isOpen() || !portals.isEmpty()) {
            return false;
        }
        List<FrontendMessage> next = lookahead.arrived(4);
        if (next.isEmpty() || !(next.get(0) instanceof FrontendMessage.Bind b) || !bindsAlone(b)) {
            return false;
        }
        int i = 1;
        if (i < next.size() && next.get(i) instanceof FrontendMessage.Describe d && d.kind() == 'P'
                && d.name().isEmpty()) {
            i++;
        }
        return i + 1 < next.size() && next.get(i) instanceof FrontendMessage.Execute e && e.portal().isEmpty()
                && next.get(i + 1) instanceof FrontendMessage.Sync;
    }

    /**
     * A Bind of the unnamed statement into the unnamed portal without parameters, its rows in text: one that cannot
     * fail once its statement has run.
     */
    private static boolean bindsAlone(FrontendMessage.Bind b) {
        short[] results = b.resultFormats();
        return b.portal().isEmpty() && b.statement().isEmpty() && b.values().length == 0
                && b.parameterFormats().length == 0 && (results.length == 0 || results.length == 1 && results[0] == 0);
    }

    /**
     * Parse of a statement that runs alone ({@link #runsAlone}): it is prepared to run once
     * ({@link StatementPreparer#prepareToRunOnce}) and, when the handler describes it only by running it, it runs now,
     * as a simple Query's statement would, in autocommit; its Bind takes the portal it left. When it fails, a prepare
     * of its text (which runs nothing) tells where PostgreSQL reports the error: the prepare's own error fails this
     * Parse; else the statement is the prepared one, and its Execute reports the error of the run (as PostgreSQL, it
     * is then described first). A cancel or timeout while it runs stops it where PostgreSQL's Execute would be: its
     * Execute reports the 57014, after its Bind (which prepares it, since nothing more may call the handler in this
     * message once it is stopped) and Describe. One during its prepare to run once fails this Parse, as it would
     * PostgreSQL's.
     */
    private void runAlone(FrontendMessage.Parse m, SqlStatement part) throws IOException {
        calls.withTimeout(m, settings.statementTimeoutMillis(), () -> {
            Prepared once = preparer.prepareToRunOnce(part.text(), part.offset());
            if (once.columnsDependOnParameters()) {
                Portal portal = new Portal("", once, List.of(), List.of(), null, new Codec[0]);
                try {
                    runner.startAtBind(portal, false);
                } catch (PgException e) {
                    portal.close();
                    if (e.isFatal()) {
                        once.drop();
                        throw e;
                    }
                    if (SqlState.QUERY_CANCELED.equals(e.sqlState())) {
                        statements.add(once);
                        unnamedRunOnce = once; // so that its Bind prepares it anew (see statement)
                    } else {
                        once.drop();
                        statements.add(preparer.prepare("", part.text(), part.offset(), List.of()));
                    }
                    ranAtParse = new RanAtParse.Failed(e);
                    return null;
                } catch (RuntimeException e) {
                    portal.close();
                    once.drop();
                    throw e;
                }
                ranAtParse = new RanAtParse.Started(portal);
            } else {
                ranAtParse = new RanAtParse.NotStarted(once);
            }
            statements.add(once);
            return null;
        });
        out.parseComplete();
    }

    /**
     * The statement of that name. The unnamed one, when it was prepared only to run once, is prepared anew first: a
     * later Bind or Describe of it is legal.
     */
    private Prepared statement(String name, FrontendMessage m) throws IOException {
        Prepared p = statements.require(name);
        if (p != unnamedRunOnce) {
            return p;
        }
        unnamedRunOnce = null;
        Prepared again = calls.withTimeout(m, settings.statementTimeoutMillis(),
                () -> preparer.prepare("", p.sql(), p.offset(), List.of()));
        statements.add(again);
        return again;
    }

    /** Forgets what a statement that ran at its Parse left, closing its portal if its Bind did not take it. */
    private void discardRanAtParse() {
        if (ranAtParse instanceof RanAtParse.Started started) {
            started.portal().close();
        }
        ranAtParse = null;
    }

    private void bind(FrontendMessage.Bind m) throws IOException {
        RanAtParse ran = ranAtParse;
        if (ran != null && !bindsAlone(m)) {
            discardRanAtParse(); // not the Bind the lookahead saw: cannot happen
            ran = null;
        }
        if (ran instanceof RanAtParse.Started started) {
            ranAtParse = null;
            Portal portal = started.portal();
            try {
                describeFromCursor(portal, m.resultFormats());
            } catch (RuntimeException e) {
                portal.close();
                throw e;
            }
            portals.add(portal);
            unnamedRunOnce = portal.statement;
            out.bindComplete();
            return;
        }
        Prepared p;
        if (ran instanceof RanAtParse.NotStarted notStarted) {
            ranAtParse = null;
            p = notStarted.statement();
            unnamedRunOnce = p;
        } else {
            p = statement(m.statement(), m);
        }
        int n = p.parameterTypes().size();
        if (m.values().length != n) {
            throw new PgException(SqlState.PROTOCOL_VIOLATION, "bind message supplies " + m.values().length
                    + " parameters, but prepared statement \"" + p.name() + "\" requires " + n);
        }
        if (transactions.isFailed() && (!Transactions.endsTransaction(p.kind()) || n > 0)) {
            // PostgreSQL binds nothing else there: no statement can run, and no parameter's type input either.
            throw Transactions.aborted();
        }
        if (!m.portal().isEmpty()) {
            portals.checkUnused(m.portal());
        }
        if (!portals.contains(m.portal())) {
            portals.checkRoom(); // the unnamed portal is replaced, not added
        }
        short[] paramFormats = FormatCodes.expand(m.parameterFormats(), n, "parameter");
        List<Object> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            values.add(parameters.decode(p.parameterTypes().get(i), paramFormats[i], m.values()[i], i + 1));
        }
        if (p.columnsDependOnParameters()) {
            if (ran instanceof RanAtParse.Failed failed) {
                ranAtParse = null;
                throw failed.error(); // it would have run at this Bind
            }
            bindStarted(m, p, values);
            return;
        }
        List<Column> columns = core.columnsOf(p);
        short[] resultFormats = FormatCodes.expand(m.resultFormats(), columns.size(), "result");
        portals.add(new Portal(m.portal(), p, values, columns, resultFormats,
                FormatCodes.codecs(codecs, columns, resultFormats)));
        out.bindComplete();
    }

    /**
     * Bind of a statement whose columns only its execution tells: it runs now, under statement_timeout, and the
     * portal is described from its cursor (PostgreSQL knows a portal's columns at Bind; so does the client then).
     */
    private void bindStarted(FrontendMessage.Bind m, Prepared p, List<Object> values) throws IOException {
        portals.close(m.portal()); // the unnamed portal it replaces must not hold the handler's connection
        Portal portal = new Portal(m.portal(), p, values, List.of(), null, new Codec[0]);
        try {
            calls.withTimeout(m, settings.statementTimeoutMillis(), () -> {
                runner.startAtBind(portal, true);
                return null;
            });
            describeFromCursor(portal, m.resultFormats());
        } catch (IOException | RuntimeException e) {
            portal.close();
            throw e;
        }
        portals.add(portal);
        out.bindComplete();
    }

    /** Describes a portal started ahead of its Execute by the columns of its cursor (none when it returned no rows). */
    private void describeFromCursor(Portal portal, short[] formatCodes) {
        List<Column> columns = portal.cursor == null ? List.of() : portal.cursor.columns();
        short[] resultFormats = FormatCodes.expand(formatCodes, columns.size(), "result");
        portal.described(columns, resultFormats, FormatCodes.codecs(codecs, columns, resultFormats));
    }

    /** Describe. In a failed block PostgreSQL describes only what returns no rows (it cannot read the catalog). */
    private void describe(FrontendMessage.Describe m) throws IOException {
        if (m.kind() == 'S') {
            Prepared p = statement(m.name(), m);
            List<Column> columns = core.columnsOf(p);
            if (transactions.isFailed() && !columns.isEmpty()) {
                throw Transactions.aborted();
            }
            int[] oids = new int[p.parameterTypes().size()];
            for (int i = 0; i < oids.length; i++) {
                PgType t = p.parameterTypes().get(i);
                // A parameter nobody could type is passed as text, so that is what the client should send.
                oids[i] = t == PgType.UNKNOWN ? PgType.TEXT.oid() : t.oid();
            }
            out.parameterDescription(oids);
            describeRows(columns, null);
        } else if (m.kind() == 'P') {
            Portal portal = portals.require(m.name());
            if (transactions.isFailed() && !portal.columns.isEmpty()) {
                throw Transactions.aborted();
            }
            describeRows(portal.columns, portal.resultFormats);
        } else {
            throw new PgException(SqlState.PROTOCOL_VIOLATION, "invalid DESCRIBE message subtype " + (int) m.kind());
        }
    }

    private void describeRows(List<Column> columns, short[] formats) throws IOException {
        if (columns.isEmpty()) {
            out.noData();
        } else {
            out.rowDescription(columns, formats);
        }
    }

    /**
     * Execute: a failed portal is closed, so a later Execute of it finds nothing to resume. One that a failed block
     * refuses to run stays, as in PostgreSQL.
     */
    private void execute(FrontendMessage.Execute m) throws IOException {
        Portal portal = portals.require(m.portal());
        transactions.checkRuns(portal);
        if (ranAtParse instanceof RanAtParse.Failed failed && m.portal().isEmpty()) {
            ranAtParse = null;
            portals.remove(m.portal());
            portal.close();
            throw failed.error();
        }
        try {
            calls.withTimeout(m, settings.statementTimeoutMillis(), () -> {
                runner.run(portal, m.maxRows(), !lookahead.nextIsSync(), false);
                return null;
            });
        } catch (PgException e) {
            portals.remove(m.portal());
            portal.close();
            throw e;
        }
    }

    private void close(FrontendMessage.Close m) throws IOException {
        if (m.kind() == 'S') {
            Prepared p = statements.remove(m.name());
            if (p != null) {
                portals.closeBoundFrom(p);
                p.drop();
            }
        } else if (m.kind() == 'P') {
            portals.close(m.name());
        } else {
            throw new PgException(SqlState.PROTOCOL_VIOLATION, "invalid CLOSE message subtype " + (int) m.kind());
        }
        out.closeComplete();
    }

    private void sync() throws IOException {
        skipUntilSync = false;
        discardRanAtParse();
        endBatch();
    }

    private void flush() throws IOException {
        notices.send();
        out.flush();
    }

    private void functionCall() throws IOException {
        out.errorResponse(new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                "fast-path function calls are not supported"));
        readyForQuery();
    }

    // ---- protocol rules ----

    private void failExtended(PgException e) throws IOException {
        discardRanAtParse();
        out.errorResponse(e);
        // Sent at once, as PostgreSQL does: a client that sent Flush rather than Sync (asyncpg's prepare) waits
        // for this error before it sends anything else.
        out.flush();
        transactions.afterError();
        skipUntilSync = true;
    }

    private void readyForQuery() throws IOException {
        notices.send();
        settingChanges.report(out);
        out.readyForQuery(transactionStatus());
        out.flush();
        atStatementBoundary = true;
    }

    /** A Query replaces the unnamed statement and portal, as Parse and Bind do. */
    private void closeUnnamed() {
        portals.close("");
        statements.drop("");
    }

    /** Releases every statement, portal and the handler's session. */
    public void close() {
        discardRanAtParse();
        portals.closeAll();
        statements.dropAll();
        transactions.closeSession();
        handler.close();
    }

    /** What a statement that ran at its Parse ({@link #runAlone}) left for the Bind and Execute that follow. */
    private sealed interface RanAtParse {
        /** It runs: its Bind takes this portal, its cursor read or its tag waiting for the Execute. */
        record Started(Portal portal) implements RanAtParse {}

        /** The handler prepared it to run once without running it: its Bind binds it as it is. */
        record NotStarted(Prepared statement) implements RanAtParse {}

        /** It failed while it ran: its Execute reports this error. */
        record Failed(PgException error) implements RanAtParse {}
    }
}
