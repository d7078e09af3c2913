package io.buenavista.core.session;

import io.buenavista.api.Column;
import io.buenavista.api.ExecutionResult;
import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.RowCursor;
import io.buenavista.api.SqlState;
import io.buenavista.api.TransactionOptions;
import io.buenavista.core.sql.Statement;
import io.buenavista.core.types.CodecRegistry;
import io.buenavista.core.wire.MessageWriter;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The statements the core runs itself rather than the handler, one method each: transaction control
 * ({@code BEGIN}, {@code COMMIT}, {@code ROLLBACK}, {@code SET TRANSACTION}), the core's settings ({@code SET},
 * {@code RESET}, {@code SHOW}), cursors ({@code DECLARE}, {@code FETCH}, {@code MOVE}, {@code CLOSE}), SQL-level
 * prepared statements ({@code PREPARE}, {@code EXECUTE}, {@code DEALLOCATE}) and {@code COPY … TO STDOUT}.
 * {@link StatementPreparer} decides which statements these are.
 */
final class CoreStatements {
    private final MessageWriter out;
    private final SessionSettings settings;
    private final CodecRegistry codecs;
    private final PreparedStatements statements;
    private final Portals portals;
    private final Transactions transactions;
    private final SettingChanges settingChanges;
    private final StatementPreparer preparer;
    private final ParameterDecoder parameters;
    private final HandlerCalls calls;
    private final RowStream rows;
    private final Notices notices;

    CoreStatements(MessageWriter out, SessionSettings settings, CodecRegistry codecs, PreparedStatements statements,
            Portals portals, Transactions transactions, SettingChanges settingChanges, StatementPreparer preparer,
            ParameterDecoder parameters, HandlerCalls calls, RowStream rows, Notices notices) {
        this.out = out;
        this.settings = settings;
        this.codecs = codecs;
        this.statements = statements;
        this.portals = portals;
        this.transactions = transactions;
        this.settingChanges = settingChanges;
        this.preparer = preparer;
        this.parameters = parameters;
        this.calls = calls;
        this.rows = rows;
        this.notices = notices;
    }

    /**
     * Runs the portal's statement. One that returns rows (SHOW, FETCH) leaves them as the portal's cursor for the
     * caller to stream; the others send their tag (COPY its data first). EXECUTE is not run here: its statement is
     * the handler's, see {@link #executeTarget} and {@link #executeArguments}.
     */
    void run(Portal portal) throws IOException {
        Statement kind = portal.statement.kind();
        if (kind instanceof Statement.Begin b) {
            begin(b);
        } else if (kind instanceof Statement.Commit) {
            notices.commandComplete(transactions.commit());
        } else if (kind instanceof Statement.Rollback) {
            transactions.rollback();
            notices.commandComplete("ROLLBACK");
        } else if (kind instanceof Statement.SetTransaction st) {
            setTransaction(st);
        } else if (kind instanceof Statement.SetVariable s) {
            settingChanges.set(s, transactions.isOpen());
            notices.commandComplete("SET");
        } else if (kind instanceof Statement.ResetVariable r) {
            settingChanges.reset(r, transactions.isOpen());
            notices.commandComplete("RESET");
        } else if (kind instanceof Statement.ShowVariable s) {
            show(portal, s);
        } else if (kind instanceof Statement.SetConfig c) {
            setConfig(portal, c);
        } else if (kind instanceof Statement.DeclareCursor d) {
            declare(portal, d);
        } else if (kind instanceof Statement.Fetch f) {
            fetch(portal, f);
        } else if (kind instanceof Statement.CloseCursor c) {
            closeCursor(portal, c);
        } else if (kind instanceof Statement.PrepareStatement ps) {
            prepare(portal, ps);
        } else if (kind instanceof Statement.Deallocate d) {
            deallocate(d);
        } else if (kind instanceof Statement.CopyTo c) {
            copyOut(portal, c);
        } else {
            throw new IllegalStateException("not a core statement: " + kind);
        }
    }

    /**
     * The result columns of a statement as of now: a FETCH returns its cursor's, an EXECUTE its prepared
     * statement's (as in PostgreSQL, looked up when described, since the cursor may be declared after the FETCH was
     * parsed).
     */
    List<Column> columnsOf(Prepared p) {
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
    short[] simpleFormats(Prepared p, int columns) {
        if (p.kind() instanceof Statement.Fetch f && !f.move()) {
            Portal cursor = portals.get(f.cursor());
            if (cursor != null && cursor.sqlCursor != null && cursor.sqlCursor.binary()) {
                return FormatCodes.allBinary(columns);
            }
        }
        return null;
    }

    // ---- transaction control and settings ----

    /** {@code BEGIN}; {@code default_transaction_read_only} applies unless the statement says otherwise. */
    private void begin(Statement.Begin b) throws IOException {
        TransactionOptions options = b.modes().toTransactionOptions();
        if (b.modes().readOnly() == null && "on".equals(settings.get("default_transaction_read_only"))) {
            options = new TransactionOptions(true, options.isolationLevel());
        }
        transactions.begin(options);
        notices.commandComplete(b.tagStem());
    }

    /** {@code SET SESSION CHARACTERISTICS AS TRANSACTION}: only the read-only default is kept. */
    private void setTransaction(Statement.SetTransaction st) throws IOException {
        if (st.sessionDefault() && st.modes().readOnly() != null) {
            settingChanges.change("default_transaction_read_only", st.modes().readOnly() ? "on" : "off",
                    transactions.isOpen());
        }
        notices.commandComplete("SET");
    }

    private void show(Portal portal, Statement.ShowVariable s) {
        List<Column> columns = portal.statement.columns();
        if (s.isAll()) {
            portal.cursor = new ValuesCursor(columns, settings.shownByShowAll());
            return;
        }
        String value = settings.get(s.name());
        if (value == null) {
            throw SessionSettings.unrecognized(s.name()); // a custom setting never made
        }
        portal.cursor = new ValuesCursor(columns, value);
    }

    /**
     * {@code SELECT set_config(name, value, is_local)}: a SET (a RESET for a null value) that answers the new
     * value. Outside a transaction block a local change lasts as long as the statement, as in PostgreSQL.
     */
    private void setConfig(Portal portal, Statement.SetConfig c) {
        String name = setConfigText(c.name(), portal.parameters);
        if (name == null) {
            throw new PgException("22004", "SET requires parameter name"); // null_value_not_allowed
        }
        String value = setConfigText(c.value(), portal.parameters);
        Object local = c.isLocal().isParameter() ? portal.parameters.get(c.isLocal().parameter() - 1)
                : c.isLocal().constant();
        boolean isLocal = local instanceof Boolean b ? b : local != null && parseBoolean(local.toString());
        if (!settings.accepts(name)) {
            throw SessionSettings.unrecognized(name);
        }
        String shown = settingChanges.setConfig(name, value, isLocal, transactions.isOpen());
        portal.cursor = new ValuesCursor(portal.statement.columns(), shown);
    }

    private static String setConfigText(Statement.SetConfigArgument a, List<Object> parameters) {
        if (!a.isParameter()) {
            return a.constant();
        }
        Object value = parameters.get(a.parameter() - 1);
        if (value != null && !(value instanceof String)) {
            throw new PgException(SqlState.UNDEFINED_FUNCTION, "function set_config does not exist for these "
                    + "argument types").withHint("set_config takes text, text and boolean arguments.");
        }
        return (String) value;
    }

    /** PostgreSQL's boolean input: a unique prefix of true/false/yes/no, on/off, 1/0. */
    private static boolean parseBoolean(String text) {
        String t = text.strip().toLowerCase(java.util.Locale.ROOT);
        if (!t.isEmpty() && ("true".startsWith(t) || "yes".startsWith(t) || t.equals("on") || t.equals("1"))) {
            return true;
        }
        if (!t.isEmpty() && ("false".startsWith(t) || "no".startsWith(t) || t.equals("off") || t.equals("0"))) {
            return false;
        }
        throw new PgException(SqlState.INVALID_TEXT_REPRESENTATION,
                "invalid input syntax for type boolean: \"" + text + "\"");
    }

    // ---- cursors ----

    /**
     * {@code DECLARE}: runs the query and keeps its rows as a portal named after the cursor, until CLOSE or the end
     * of the transaction. Only forward-only cursors that end with their transaction exist here.
     */
    private void declare(Portal declare, Statement.DeclareCursor d) throws IOException {
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
        Portal cursor = new Portal(d.name(), query, declare.parameters, columns, formats,
                FormatCodes.codecs(codecs, columns, formats));
        try {
            cursor.sqlCursor = new SqlCursor(executeForRows(query, declare.parameters, "cursor's"), d.binary());
        } catch (RuntimeException e) {
            cursor.close();
            throw e;
        }
        cursor.started = true;
        cursor.cursor = cursor.sqlCursor.remaining(); // for a protocol Execute on the cursor's portal
        portals.add(cursor);
        notices.commandComplete(d.tagStem());
    }

    /** {@code FETCH} leaves the rows as the portal's cursor to stream; {@code MOVE} only counts them. */
    private void fetch(Portal portal, Statement.Fetch f) throws IOException {
        Portal declared = portals.get(f.cursor());
        if (declared == null || declared.sqlCursor == null) {
            throw Portals.noSuchCursor(f.cursor());
        }
        SqlCursor cursor = declared.sqlCursor;
        if (f.move()) {
            long moved = cursor.move(f.direction(), f.count());
            notices.commandComplete(Statement.commandTag("MOVE", moved));
        } else {
            portal.cursor = cursor.fetch(f.direction(), f.count());
        }
    }

    /** {@code CLOSE name} closes any portal of that name; {@code CLOSE ALL} every one but the running one. */
    private void closeCursor(Portal running, Statement.CloseCursor c) throws IOException {
        if (c.name() == null) {
            portals.closeAllBut(running);
        } else if (!portals.close(c.name())) {
            throw Portals.noSuchCursor(c.name());
        }
        notices.commandComplete(c.tagStem());
    }

    // ---- SQL-level prepared statements ----

    /** {@code PREPARE}: a named statement in the protocol's namespace, prepared by the handler now. */
    private void prepare(Portal portal, Statement.PrepareStatement ps) throws IOException {
        statements.checkUnused(ps.name());
        statements.checkRoom();
        List<PgType> types = new ArrayList<>(ps.parameterTypes().size());
        for (String name : ps.parameterTypes()) {
            types.add(SqlTypeNames.resolve(name));
        }
        Prepared prepare = portal.statement;
        String sql = prepare.sql().substring(ps.statementOffset());
        int offset = prepare.offset() + ps.statementOffset();
        statements.add(preparer.prepareHandlerStatement(ps.name(), sql, offset, types));
        notices.commandComplete(ps.tagStem());
    }

    /** The statement an {@code EXECUTE} runs: a named one of the handler's. */
    Prepared executeTarget(Statement.ExecuteStatement e) {
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
    List<Object> executeArguments(Statement.ExecuteStatement e, Prepared target) {
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
                SqlTypeNames.resolve(a.castType()); // an unknown type name is an error even though unused
            }
            values.add(parameters.decodeText(types.get(i), a.text(), i + 1));
        }
        return values;
    }

    /** {@code DEALLOCATE name}, or {@code ALL}: every named statement, protocol-level ones included. */
    private void deallocate(Statement.Deallocate d) throws IOException {
        if (d.name() == null) {
            statements.dropAllNamed();
        } else {
            statements.require(d.name());
            statements.drop(d.name());
        }
        notices.commandComplete(d.tagStem());
    }

    // ---- COPY ----

    /** {@code COPY … TO STDOUT}: streams the query's rows as CopyData, then {@code COPY n}. */
    private void copyOut(Portal portal, Statement.CopyTo c) throws IOException {
        long count;
        try (RowCursor cursor = executeForRows(portal.statement.inner(), portal.parameters, "COPY")) {
            List<Column> columns = cursor.columns();
            CopyOut copy = new CopyOut(c, columns, FormatCodes.codecs(codecs, columns, null),
                    settings.typeContext());
            copy.begin(out);
            count = rows.copy(cursor, copy);
        }
        out.copyDone();
        notices.commandComplete(Statement.commandTag("COPY", count));
    }

    /** Runs the query of a DECLARE or COPY, which was prepared as one that returns rows. */
    private RowCursor executeForRows(Prepared query, List<Object> parameters, String what) {
        ExecutionResult result = calls.call(() -> query.query().execute(parameters), query.offset());
        if (!(result instanceof ExecutionResult.Rows rows)) {
            throw new PgException(SqlState.INTERNAL_ERROR, "the " + what + " query returned no rows");
        }
        return rows.cursor();
    }
}
