package io.buenavista.core.session;

import io.buenavista.api.Column;
import io.buenavista.api.ExecutionResult;
import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.QuerySession;
import io.buenavista.api.RowCursor;
import io.buenavista.api.SqlState;
import io.buenavista.api.TransactionOptions;
import io.buenavista.core.sql.SqlLexer;
import io.buenavista.core.sql.SqlStatement;
import io.buenavista.core.sql.Statement;
import io.buenavista.core.sql.StatementClassifier;
import io.buenavista.core.types.ByteSink;
import io.buenavista.core.types.Codec;
import io.buenavista.core.types.CodecRegistry;
import io.buenavista.core.types.Utf8;
import io.buenavista.core.wire.FrontendMessage;
import io.buenavista.core.wire.MessageWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One connection's SQL session after authentication: the simple and extended query protocols ("Message Flow"), the
 * prepared statements and portals, the transaction state, and the skip-until-Sync rule after an error. Each
 * frontend message has one method here: {@link #query}, {@link #parse}, {@link #bind}, {@link #describe},
 * {@link #execute}, {@link #close(FrontendMessage.Close)}, {@link #sync}.
 *
 * <p>Transactions: everything between two Syncs, and all statements of one Query, form one implicit transaction
 * unless the client opened a block. The handler is told with begin/commit/rollback; a batch of a single statement
 * runs in the handler's autocommit, which is the same thing at lower cost.
 */
public final class Session {
    private static final Logger log = LoggerFactory.getLogger(Session.class);

    private final QuerySession handler;
    private final MessageWriter out;
    private final SessionSettings settings;
    private final CodecRegistry codecs;
    private final SessionLimits limits;
    private final BooleanSupplier nextIsSync;
    private final PreparedStatements statements;
    private final Portals portals;
    private final ParameterDecoder parameters;
    private final Notices notices;
    private final HandlerCalls calls;
    private final RowStream rows;
    private final SettingChanges settingChanges;
    private final Transactions transactions;

    private boolean skipUntilSync;
    /**
     * @param nextIsSync tells whether the next message is already buffered and is a Sync, so a lone statement can
     *                   skip the implicit transaction
     * @param timer      the server's timer, which enforces {@code statement_timeout} by cancelling the running
     *                   statement; null to ignore the setting
     */
    public Session(QuerySession handler, MessageWriter out, SessionSettings settings, CodecRegistry codecs,
            SessionLimits limits, BooleanSupplier nextIsSync, ScheduledExecutorService timer) {
        this.handler = handler;
        this.notices = new Notices(out);
        this.calls = new HandlerCalls(handler, timer);
        this.rows = new RowStream(out, calls, settings, notices);
        this.out = out;
        this.settings = settings;
        this.codecs = codecs;
        this.limits = limits;
        this.statements = new PreparedStatements(limits);
        this.portals = new Portals(limits);
        this.parameters = new ParameterDecoder(codecs, settings);
        this.nextIsSync = nextIsSync;
        this.settingChanges = new SettingChanges(settings, handler, notices);
        this.transactions = new Transactions(handler, calls, portals, settingChanges, notices);
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
     * Handles one message.
     *
     * @return false when the client terminated
     * @throws PgException FATAL errors, which end the connection
     */
    public boolean handle(FrontendMessage message) throws IOException {
        if (message instanceof FrontendMessage.Terminate) {
            return false;
        }
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
                flushNotices();
                out.flush();
            } else if (message instanceof FrontendMessage.FunctionCall) {
                out.errorResponse(new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                        "fast-path function calls are not supported"));
                readyForQuery();
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

    private void query(String sql) throws IOException {
        closeUnnamed();
        List<SqlStatement> parts = SqlLexer.split(sql);
        if (parts.isEmpty()) {
            out.emptyQueryResponse();
            readyForQuery();
            return;
        }
        boolean batch = parts.size() > 1;
        for (SqlStatement part : parts) {
            try {
                Prepared p = prepare("", part.text(), part.offset(), List.of());
                List<Column> columns = columnsOf(p);
                short[] formats = simpleFormats(p, columns.size());
                Portal portal = new Portal("", p, List.of(), columns, formats, codecsFor(columns, formats));
                try {
                    runPortal(portal, 0, batch, true);
                } finally {
                    portal.close();
                    p.drop();
                }
            } catch (PgException e) {
                if (e.isFatal()) {
                    throw e;
                }
                out.errorResponse(e);
                transactions.afterError();
                break;
            }
        }
        endBatch();
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

    private void parse(FrontendMessage.Parse m) throws IOException {
        if (!m.name().isEmpty()) {
            statements.checkUnused(m.name());
        }
        if (!statements.contains(m.name())) {
            statements.checkRoom(); // the unnamed statement is replaced, not added
        }
        List<SqlStatement> parts = SqlLexer.split(m.sql());
        if (parts.size() > 1) {
            throw new PgException(SqlState.SYNTAX_ERROR, "cannot insert multiple commands into a prepared statement");
        }
        List<PgType> declared = new ArrayList<>(m.parameterTypes().length);
        for (int oid : m.parameterTypes()) {
            PgType t = oid == 0 ? PgType.UNKNOWN : PgType.byOid(oid);
            if (t == null) {
                throw new PgException(SqlState.UNDEFINED_OBJECT, "type with OID " + oid + " is not supported");
            }
            declared.add(t);
        }
        Prepared p = parts.isEmpty()
                ? new Prepared(m.name(), "", 0, null, null, declared, List.of())
                : prepare(m.name(), parts.get(0).text(), parts.get(0).offset(), declared);
        statements.add(p);
        out.parseComplete();
    }

    private void bind(FrontendMessage.Bind m) throws IOException {
        Prepared p = statements.require(m.statement());
        if (!m.portal().isEmpty()) {
            portals.checkUnused(m.portal());
        }
        if (!portals.contains(m.portal())) {
            portals.checkRoom(); // the unnamed portal is replaced, not added
        }
        int n = p.parameterTypes().size();
        if (m.values().length != n) {
            throw new PgException(SqlState.PROTOCOL_VIOLATION, "bind message supplies " + m.values().length
                    + " parameters, but prepared statement \"" + p.name() + "\" requires " + n);
        }
        short[] paramFormats = FormatCodes.expand(m.parameterFormats(), n, "parameter");
        List<Object> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            values.add(parameters.decode(p.parameterTypes().get(i), paramFormats[i], m.values()[i], i + 1));
        }
        List<Column> columns = columnsOf(p);
        short[] resultFormats = FormatCodes.expand(m.resultFormats(), columns.size(), "result");
        Codec[] cs = codecsFor(columns, resultFormats);
        portals.add(new Portal(m.portal(), p, values, columns, resultFormats, cs));
        out.bindComplete();
    }

    private void describe(FrontendMessage.Describe m) throws IOException {
        if (m.kind() == 'S') {
            Prepared p = statements.require(m.name());
            int[] oids = new int[p.parameterTypes().size()];
            for (int i = 0; i < oids.length; i++) {
                PgType t = p.parameterTypes().get(i);
                // A parameter nobody could type is passed as text, so that is what the client should send.
                oids[i] = t == PgType.UNKNOWN ? PgType.TEXT.oid() : t.oid();
            }
            out.parameterDescription(oids);
            describeRows(columnsOf(p), null);
        } else if (m.kind() == 'P') {
            Portal portal = portals.require(m.name());
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

    private void execute(FrontendMessage.Execute m) throws IOException {
        Portal portal = portals.require(m.portal());
        try {
            runPortal(portal, m.maxRows(), !nextIsSync.getAsBoolean(), false);
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
        endBatch();
    }

    // ---- running statements ----

    /**
     * Prepares one statement: the core's own statements are classified, the rest go to the handler.
     */
    private Prepared prepare(String name, String sql, int offset, List<PgType> declared) {
        Statement kind;
        try {
            kind = StatementClassifier.classify(sql);
        } catch (PgException e) {
            throw e.position() > 0 ? e.withPosition(e.position() + offset) : e;
        }
        if (kind instanceof Statement.DeclareCursor d) {
            Prepared query = prepareInner(sql.substring(d.queryOffset()), offset + d.queryOffset(), declared);
            return new Prepared(name, sql, offset, kind, null, query.parameterTypes(), List.of(), query);
        }
        if (kind instanceof Statement.CopyTo c) {
            Prepared query = prepareInner(c.query(), offset + Math.max(c.queryOffset(), 0), declared);
            return new Prepared(name, sql, offset, kind, null, query.parameterTypes(), List.of(), query);
        }
        if (isCoreStatement(kind)) {
            int n = Math.max(declared.size(), SqlLexer.parameterCount(sql));
            List<PgType> types = new ArrayList<>(declared);
            while (types.size() < n) {
                types.add(PgType.UNKNOWN);
            }
            List<Column> columns = kind instanceof Statement.ShowVariable s ? showColumns(s) : List.of();
            return new Prepared(name, sql, offset, kind, null, types, columns);
        }
        if (kind.tagStem().equals("COPY")) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                    "only COPY (query) TO STDOUT and COPY table TO STDOUT are supported");
        }
        PreparedQuery q = call(() -> handler.prepare(sql, declared), offset);
        return new Prepared(name, sql, offset, kind, q, q.parameterTypes(), q.columns());
    }

    /**
     * Prepares the query of a DECLARE or COPY: a statement of the handler's that returns rows (PostgreSQL's grammar
     * allows only a SELECT there, so anything else is its syntax error).
     */
    private Prepared prepareInner(String sql, int offset, List<PgType> declared) {
        Prepared query = prepare("", sql, offset, declared);
        if (query.query() == null || query.columns().isEmpty()) {
            query.drop();
            String word = SqlLexer.significantTokens(sql).get(0).text();
            throw new PgException(SqlState.SYNTAX_ERROR, "syntax error at or near \"" + word + "\"")
                    .withPosition(offset + 1);
        }
        return query;
    }

    /**
     * The result columns of a statement as of now: a FETCH returns its cursor's, an EXECUTE its prepared
     * statement's (as in PostgreSQL, looked up when described, since the cursor may be declared after the FETCH was
     * parsed).
     */
    private List<Column> columnsOf(Prepared p) {
        if (p.kind() instanceof Statement.Fetch f && !f.move()) {
            Portal cursor = portals.get(f.cursor());
            return cursor == null ? List.of() : cursor.columns;
        }
        if (p.kind() instanceof Statement.ExecuteStatement e) {
            Prepared target = statements.get(e.name());
            return target == null ? List.of() : columnsOf(target);
        }
        return p.columns();
    }

    /** The simple protocol's result formats: binary for a FETCH from a BINARY cursor, else text (null). */
    private short[] simpleFormats(Prepared p, int columns) {
        if (p.kind() instanceof Statement.Fetch f && !f.move()) {
            Portal cursor = portals.get(f.cursor());
            if (cursor != null && cursor.sqlCursor != null && cursor.sqlCursor.binary()) {
                return FormatCodes.allBinary(columns);
            }
        }
        return null;
    }

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
        if (kind instanceof Statement.ShowVariable s) {
            return s.isAll() || settings.owns(s.name());
        }
        return false;
    }

    private List<Column> showColumns(Statement.ShowVariable s) {
        if (s.isAll()) {
            return List.of(new Column("name", PgType.TEXT), new Column("setting", PgType.TEXT),
                    new Column("description", PgType.TEXT));
        }
        return List.of(new Column(settings.canonical(s.name()), PgType.TEXT));
    }

    /**
     * Runs a portal and streams up to {@code maxRows} rows (0: all).
     *
     * @param moreInBatch whether other statements may follow before the batch ends, so the statement needs the
     *                    implicit transaction rather than autocommit
     * @param describe    whether to send RowDescription first (simple query)
     */
    private void runPortal(Portal portal, int maxRows, boolean moreInBatch, boolean describe) throws IOException {
        calls.withTimeout(portal, settings.statementTimeoutMillis(), () -> {
            runPortalUntimed(portal, maxRows, moreInBatch, describe);
            return null;
        });
    }

    private void runPortalUntimed(Portal portal, int maxRows, boolean moreInBatch, boolean describe)
            throws IOException {
        Prepared p = portal.statement;
        if (p.isEmpty()) {
            out.emptyQueryResponse();
            return;
        }
        transactions.checkAccepts(p.kind());
        if (!portal.started) {
            portal.started = true;
            transactions.beforeStatement(p.kind(), moreInBatch);
            boolean hasRows;
            if (p.kind() instanceof Statement.ExecuteStatement e) {
                Prepared target = executeTarget(e);
                portal.executes(target);
                hasRows = startQuery(portal, target, executeArguments(e, target));
            } else if (p.query() == null) {
                runCoreStatement(portal);
                hasRows = portal.cursor != null;
            } else {
                hasRows = startQuery(portal, p, portal.parameters);
            }
            if (!hasRows) {
                portal.done = true;
                return;
            }
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
     * Executes a handler's statement for a portal: its rows become the portal's cursor, or a command's tag is sent.
     *
     * @return whether it returned rows
     */
    private boolean startQuery(Portal portal, Prepared statement, List<Object> parameters) throws IOException {
        ExecutionResult result = call(() -> statement.query().execute(parameters), statement.offset());
        if (result instanceof ExecutionResult.Command c) {
            flushNotices();
            out.commandComplete(c.tag() != null ? c.tag()
                    : statement.kind().commandTag(Math.max(c.rowCount(), 0)));
            return false;
        }
        portal.cursor = ((ExecutionResult.Rows) result).cursor();
        return true;
    }

    private void runCoreStatement(Portal portal) throws IOException {
        Prepared p = portal.statement;
        Statement kind = p.kind();
        if (kind instanceof Statement.Begin b) {
            TransactionOptions options = b.modes().toTransactionOptions();
            if (b.modes().readOnly() == null && "on".equals(settings.get("default_transaction_read_only"))) {
                options = new TransactionOptions(true, options.isolationLevel());
            }
            transactions.begin(options);
            complete(b.tagStem());
        } else if (kind instanceof Statement.Commit) {
            complete(transactions.commit());
        } else if (kind instanceof Statement.Rollback) {
            transactions.rollback();
            complete("ROLLBACK");
        } else if (kind instanceof Statement.SetTransaction st) {
            if (st.sessionDefault() && st.modes().readOnly() != null) {
                settingChanges.change("default_transaction_read_only", st.modes().readOnly() ? "on" : "off",
                        transactions.isOpen());
            }
            complete("SET");
        } else if (kind instanceof Statement.SetVariable s) {
            settingChanges.set(s, transactions.isOpen());
            complete("SET");
        } else if (kind instanceof Statement.ResetVariable r) {
            settingChanges.reset(r, transactions.isOpen());
            complete("RESET");
        } else if (kind instanceof Statement.ShowVariable s) {
            portal.cursor = s.isAll() ? new ValuesCursor(p.columns(), settings.all())
                    : new ValuesCursor(p.columns(), settings.get(s.name()));
        } else if (kind instanceof Statement.DeclareCursor d) {
            declareCursor(portal, d);
            complete(d.tagStem());
        } else if (kind instanceof Statement.Fetch f) {
            SqlCursor cursor = sqlCursor(f.cursor());
            if (f.move()) {
                long moved = cursor.move(f.direction(), f.count());
                complete(Statement.commandTag("MOVE", moved));
            } else {
                portal.cursor = cursor.fetch(f.direction(), f.count());
            }
        } else if (kind instanceof Statement.CloseCursor c) {
            closeCursor(c, portal);
            complete(c.tagStem());
        } else if (kind instanceof Statement.PrepareStatement ps) {
            prepareStatement(ps, p);
            complete(ps.tagStem());
        } else if (kind instanceof Statement.Deallocate d) {
            deallocate(d);
            complete(d.tagStem());
        } else if (kind instanceof Statement.CopyTo c) {
            copyOut(portal, c);
        } else {
            throw new IllegalStateException("not a core statement: " + kind);
        }
    }

    // ---- cursors ----

    /**
     * {@code DECLARE}: runs the query and keeps its rows as a portal named after the cursor, until CLOSE or the end
     * of the transaction. Only forward-only cursors that end with their transaction exist here.
     */
    private void declareCursor(Portal declare, Statement.DeclareCursor d) {
        if (d.hold()) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "WITH HOLD cursors are not supported")
                    .withHint("Read the rows before the transaction ends.");
        }
        if (d.scroll()) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "SCROLL cursors are not supported")
                    .withHint("Declare it NO SCROLL and read forward only.");
        }
        if (!transactions.isOpen()) {
            throw new PgException(SqlState.NO_ACTIVE_SQL_TRANSACTION,
                    "DECLARE CURSOR can only be used in transaction blocks");
        }
        portals.checkUnused(d.name());
        portals.checkRoom();
        Prepared query = declare.statement.inner();
        List<Column> columns = query.columns();
        short[] formats = d.binary() ? FormatCodes.allBinary(columns.size()) : null;
        Portal cursor = new Portal(d.name(), query, declare.parameters, columns, formats, codecsFor(columns, formats));
        try {
            ExecutionResult result = call(() -> query.query().execute(declare.parameters), query.offset());
            if (!(result instanceof ExecutionResult.Rows rows)) {
                throw new PgException(SqlState.INTERNAL_ERROR, "the cursor's query returned no rows");
            }
            cursor.sqlCursor = new SqlCursor(rows.cursor(), d.binary());
        } catch (RuntimeException e) {
            cursor.close();
            throw e;
        }
        cursor.started = true;
        cursor.cursor = cursor.sqlCursor.remaining(); // for a protocol Execute on the cursor's portal
        portals.add(cursor);
    }

    /** The DECLAREd cursor of that name; 34000 if there is none. */
    private SqlCursor sqlCursor(String name) {
        Portal portal = portals.get(name);
        if (portal == null || portal.sqlCursor == null) {
            throw Portals.noSuchCursor(name);
        }
        return portal.sqlCursor;
    }

    /** {@code CLOSE name} closes any portal of that name; {@code CLOSE ALL} every one but the running one. */
    private void closeCursor(Statement.CloseCursor c, Portal running) {
        if (c.name() == null) {
            portals.closeAllBut(running);
        } else if (!portals.close(c.name())) {
            throw Portals.noSuchCursor(c.name());
        }
    }

    // ---- SQL-level prepared statements ----

    /** {@code PREPARE}: a named statement in the protocol's namespace, prepared by the handler now. */
    private void prepareStatement(Statement.PrepareStatement ps, Prepared prepare) {
        statements.checkUnused(ps.name());
        statements.checkRoom();
        List<PgType> types = new ArrayList<>(ps.parameterTypes().size());
        for (String name : ps.parameterTypes()) {
            types.add(SqlTypeNames.resolve(name));
        }
        String sql = prepare.sql().substring(ps.statementOffset());
        int offset = prepare.offset() + ps.statementOffset();
        Prepared statement = prepare(ps.name(), sql, offset, types);
        if (statement.query() == null) {
            statement.drop();
            String word = SqlLexer.significantTokens(sql).get(0).text();
            throw new PgException(SqlState.SYNTAX_ERROR, "syntax error at or near \"" + word + "\"")
                    .withPosition(offset + 1);
        }
        statements.add(statement);
    }

    private Prepared executeTarget(Statement.ExecuteStatement e) {
        if (e.name().isEmpty()) {
            throw PreparedStatements.doesNotExist(e.name()); // EXECUTE cannot name the unnamed statement
        }
        Prepared target = statements.require(e.name());
        if (target.query() == null) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                    "EXECUTE of a statement the server runs itself is not supported");
        }
        return target;
    }

    /** EXECUTE's constants, read as text in the types of the prepared statement's parameters. */
    private List<Object> executeArguments(Statement.ExecuteStatement e, Prepared target) {
        List<PgType> types = target.parameterTypes();
        if (types.size() != e.arguments().size()) {
            throw new PgException(SqlState.SYNTAX_ERROR, "wrong number of parameters for prepared statement \""
                    + e.name() + "\"").withDetail("Expected " + types.size() + " parameters but got "
                    + e.arguments().size() + ".");
        }
        List<Object> values = new ArrayList<>(types.size());
        for (int i = 0; i < types.size(); i++) {
            Statement.ExecuteArgument a = e.arguments().get(i);
            if (a.castType() != null) {
                SqlTypeNames.resolve(a.castType());
            }
            values.add(parameters.decodeText(types.get(i), a.text(), i + 1));
        }
        return values;
    }

    /** {@code DEALLOCATE name}, or {@code ALL}: every named statement, protocol-level ones included. */
    private void deallocate(Statement.Deallocate d) {
        if (d.name() == null) {
            statements.dropAllNamed();
        } else {
            statements.require(d.name());
            statements.drop(d.name());
        }
    }

    // ---- COPY ----

    /** {@code COPY … TO STDOUT}: streams the query's rows as CopyData, then {@code COPY n}. */
    private void copyOut(Portal portal, Statement.CopyTo c) throws IOException {
        Prepared query = portal.statement.inner();
        ExecutionResult executed = call(() -> query.query().execute(portal.parameters), query.offset());
        if (!(executed instanceof ExecutionResult.Rows result)) {
            throw new PgException(SqlState.INTERNAL_ERROR, "the COPY query returned no rows");
        }
        long count;
        try (RowCursor cursor = result.cursor()) {
            List<Column> columns = cursor.columns();
            CopyOut copy = new CopyOut(c, columns, codecsFor(columns, null), settings.typeContext());
            copy.begin(out);
            count = rows.copy(cursor, copy);
        }
        out.copyDone();
        complete(Statement.commandTag("COPY", count));
    }

    private void complete(String tag) throws IOException {
        flushNotices();
        out.commandComplete(tag);
    }

    private void failExtended(PgException e) throws IOException {
        out.errorResponse(e);
        // Sent at once, as PostgreSQL does: a client that sent Flush rather than Sync (asyncpg's prepare) waits
        // for this error before it sends anything else.
        out.flush();
        transactions.afterError();
        skipUntilSync = true;
    }

    private void readyForQuery() throws IOException {
        flushNotices();
        settingChanges.report(out);
        out.readyForQuery(transactionStatus());
        out.flush();
    }

    private void flushNotices() throws IOException {
        notices.send();
    }

    private <T> T call(HandlerCalls.Call<T> call, int offset) {
        return calls.call(call, offset);
    }

    // ---- bookkeeping ----

    /** The codecs of the columns; 42883 for a binary format a codec cannot write. */
    private Codec[] codecsFor(List<Column> columns, short[] formats) {
        return FormatCodes.codecs(codecs, columns, formats);
    }

    private void closeUnnamed() {
        portals.close("");
        statements.drop("");
    }

    private void closeAllPortals() {
        portals.closeAll();
    }

    /** Releases every statement, portal and the handler's session. */
    public void close() {
        closeAllPortals();
        statements.dropAll();
        transactions.closeSession();
        handler.close();
    }
}
