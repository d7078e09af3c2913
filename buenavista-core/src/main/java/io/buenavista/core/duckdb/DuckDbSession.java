package io.buenavista.core.duckdb;

import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.QuerySession;
import io.buenavista.api.SqlState;
import io.buenavista.api.TransactionOptions;
import io.buenavista.core.sql.SqlLexer;
import io.buenavista.core.sql.SqlQuoting;

import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client session on its own DuckDB connection.
 *
 * <p>DuckDB allows one open streamed result per connection, and refuses to prepare or run anything else while one is
 * open. So before any other statement runs, the still-open cursor (a portal suspended by a row limit) reads the rest
 * of its result ahead into a {@link RowSpill} (a bounded amount in memory per session, the rest in a temporary file)
 * and is then resumed from there. That read-ahead is part of the statement that needed the connection: a cancel or
 * its statement_timeout stops it with 57014 and leaves the cursor as it was.
 */
final class DuckDbSession implements QuerySession {
    private static final Logger LOG = LoggerFactory.getLogger(DuckDbSession.class);

    private final DuckDBConnection conn;
    /** The catalog emulation on this connection, or null when not installed (tests of the bare session). */
    private final DuckDbCatalog catalog;
    /** Refuses statements that act beyond this session; null in tests of the bare session. */
    private final DuckDbLockdown lockdown;
    private final Set<PreparedQuery> statements = new LinkedHashSet<>();
    private final StatementCache cache = new StatementCache();
    /**
     * The database's schema generation, shared by all sessions of a handler: moved by every statement that may
     * change what others bind to, it makes the idle statements prepared before stale.
     */
    private final AtomicLong schemaGeneration;
    /** Column names of tables INSERTs named without a column list (see {@link InsertColumns}), for one generation. */
    private final java.util.Map<List<String>, List<String>> tableColumns = new java.util.HashMap<>();
    private long columnsGeneration = -1;
    /** The generation when the transaction block began; a block sees its own snapshot of the catalog. */
    private long generationAtBegin;
    /** A statement that may change the schema ran in the current block. */
    private boolean schemaChangedInBlock;
    /** The catalog's objects were created in the current block: a rollback takes them away again. */
    private boolean catalogInstalledInBlock;

    /** Bytes of read-ahead rows a session keeps in memory, over all its cursors; the rest go to temporary files. */
    static final long SPILL_MEMORY = 1 << 20;

    /** Where cursors put the rows they read ahead. */
    private final RowSpill.Space spills;
    /** Settings changed while a cursor held the connection, in order; applied before the next statement. */
    private final Map<String, String> pendingSettings = new LinkedHashMap<>();
    /** The cursor whose result still occupies the connection, or null; read by cancel() from another thread. */
    private volatile DuckDbCursor streaming;
    private boolean inTransaction;
    private boolean closed;
    /** The values reported to the client instead of the core's defaults ({@link #parameterStatus()}). */
    private final Map<String, String> reported;
    /** The custom settings the session starts with ({@link #customSettings()}). */
    private final Map<String, String> customSettings;
    /** Told once when the session closes (the database counts its sessions). */
    private final Runnable onClose;

    // Written by cancel() from another thread.
    private volatile boolean busy;
    private volatile boolean cancelRequested;
    private volatile Statement running;

    DuckDbSession(DuckDBConnection conn) {
        this(conn, null, new AtomicLong());
    }

    /** @param schemaGeneration the handler's, shared by all sessions on the same database */
    DuckDbSession(DuckDBConnection conn, DuckDbCatalog catalog, AtomicLong schemaGeneration) {
        this(conn, catalog, schemaGeneration, null, null);
    }

    /**
     * @param schemaGeneration the handler's, shared by all sessions on the same database
     * @param lockdown         what this session's client may do, or null for anything (tests of the bare session)
     * @param spillDirectory   where cursors' read-ahead rows go beyond the memory budget; null for the JVM's
     *                         temporary directory
     */
    DuckDbSession(DuckDBConnection conn, DuckDbCatalog catalog, AtomicLong schemaGeneration, DuckDbLockdown lockdown,
            Path spillDirectory) {
        this(conn, catalog, schemaGeneration, lockdown, spillDirectory, Map.of(), Map.of(), () -> { });
    }

    /**
     * @param reported       settings reported to the client at startup instead of the core's defaults
     * @param customSettings custom settings the session starts with
     * @param onClose        run once when the session closes
     */
    DuckDbSession(DuckDBConnection conn, DuckDbCatalog catalog, AtomicLong schemaGeneration, DuckDbLockdown lockdown,
            Path spillDirectory, Map<String, String> reported, Map<String, String> customSettings,
            Runnable onClose) {
        this.reported = Map.copyOf(reported);
        this.customSettings = Map.copyOf(customSettings);
        this.onClose = onClose;
        this.conn = conn;
        this.catalog = catalog;
        this.schemaGeneration = schemaGeneration;
        this.lockdown = lockdown;
        this.spills = new RowSpill.Space(spillDirectory, SPILL_MEMORY);
    }

    DuckDBConnection connection() {
        return conn;
    }

    boolean inTransaction() {
        return inTransaction;
    }

    @Override
    public PreparedQuery prepare(String sql, List<PgType> parameterTypes) throws PgException {
        Objects.requireNonNull(sql, "sql");
        ensureOpen();
        StatementCache.Key key = new StatementCache.Key(sql,
                parameterTypes == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(parameterTypes)));
        // Read before preparing: a schema change that commits meanwhile then makes this statement stale.
        long generation = schemaGeneration.get();
        StatementCache.Idle idle = cache.take(key, generation);
        DuckDbPreparedQuery query;
        if (idle != null) {
            query = DuckDbPreparedQuery.reuse(this, key, idle);
        } else {
            releaseConnection();
            query = prepareNew(key, generation);
        }
        statements.add(query);
        return query;
    }

    /**
     * A statement of a simple Query runs by DuckDB's direct execution ({@link DuckDbDirectQuery}) when it only reads
     * or writes rows, outside a transaction block, and the rewrites that may fall back to the client's text leave it
     * as the client wrote it; it must have neither parameters nor a semicolon (DuckDB would run every statement of
     * such a text, where a prepare refuses several). Anything else is prepared as by {@link #prepare}.
     */
    @Override
    public PreparedQuery prepareToRunOnce(String sql) throws PgException {
        Objects.requireNonNull(sql, "sql");
        ensureOpen();
        if (inTransaction || DuckDbPreparedQuery.mayChangeSchema(sql) || sql.indexOf(';') >= 0
                || SqlLexer.parameterCount(sql) > 0) {
            return prepare(sql, List.of());
        }
        releaseConnection(); // the rewrites may read the catalog, which needs the connection
        if (PostgresReading.of(sql, this::columnsOf).rewritten()) {
            return prepare(sql, List.of());
        }
        String text = catalog == null ? sql : CatalogRewrites.rewrite(sql);
        if (lockdown != null) {
            lockdown.check(text); // the text DuckDB would see, after the rewrites
        }
        if (catalog != null && catalog.needsObjects(text)) {
            installCatalogObjects(text);
        }
        DuckDbDirectQuery query = new DuckDbDirectQuery(this, sql, NumericCasts.rewrite(text).sql(),
                ColumnLabels.read(sql), ClientCatalogQueries.find(sql));
        statements.add(query);
        return query;
    }

    /**
     * DuckDB's parser alone ({@code json_serialize_sql}, which parses any statement and serializes only a SELECT):
     * a syntax error is one when neither the client's text nor the rewritten one parses, as the rewrites turn some
     * of PostgreSQL's syntax into DuckDB's.
     */
    @Override
    public void checkSyntax(String sql) throws PgException {
        Objects.requireNonNull(sql, "sql");
        ensureOpen();
        if (lockdown != null) {
            lockdown.check(sql); // bounds what the parser is given, as for a prepare
        }
        releaseConnection();
        PgException error = parseError(sql);
        if (error == null) {
            return;
        }
        String rewritten = NumericCasts.rewrite(catalog == null ? sql : CatalogRewrites.rewrite(sql)).sql();
        if (!rewritten.equals(sql) && parseError(rewritten) == null) {
            return;
        }
        throw error;
    }

    /** DuckDB's syntax error for {@code sql} (42601, positioned), or null when it parses. */
    private PgException parseError(String sql) {
        try (PreparedStatement ps = conn.prepareStatement("SELECT j->>'error_type', j->>'error_message', "
                + "TRY_CAST(j->>'position' AS BIGINT) FROM (SELECT json_serialize_sql(?::VARCHAR)::JSON AS j)")) {
            ps.setString(1, sql);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !"parser".equals(rs.getString(1))) {
                    return null;
                }
                PgException e = new PgException(SqlState.SYNTAX_ERROR, rs.getString(2));
                long at = rs.getLong(3);
                byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
                if (rs.wasNull() || at < 0 || at > bytes.length) {
                    return e;
                }
                String before = new String(bytes, 0, (int) at, StandardCharsets.UTF_8); // DuckDB counts bytes
                return e.withPosition(before.codePointCount(0, before.length()) + 1);
            }
        } catch (SQLException e) {
            // In a failed block DuckDB runs nothing, but its prepare still parses first.
            try (PreparedStatement ps = conn.prepareStatement(sql)) {
                return null;
            } catch (SQLException failed) {
                PgException p = DuckDbErrors.map(failed);
                return SqlState.SYNTAX_ERROR.equals(p.sqlState()) ? DuckDbErrors.withPosition(p, sql, sql) : null;
            }
        }
    }

    private DuckDbPreparedQuery prepareNew(StatementCache.Key key, long generation) {
        PostgresReading reading = PostgresReading.of(key.sql(), this::columnsOf);
        String sql = catalog == null ? reading.text() : CatalogRewrites.rewrite(reading.text());
        try {
            return prepareRewritten(key, sql, generation);
        } catch (PgException e) {
            if (reading.rewritten() && !inTransaction) {
                // Those rewrites only add what PostgreSQL would allow; should DuckDB read them otherwise, it gets the
                // text as the client wrote it (outside a block a failed prepare leaves nothing behind).
                String plain = catalog == null ? key.sql() : CatalogRewrites.rewrite(key.sql());
                try {
                    return prepareRewritten(key, plain, generation);
                } catch (PgException again) {
                    throw DuckDbErrors.withPosition(again, plain, key.sql());
                }
            }
            // DuckDB's position counts in the text it saw; it is only the client's when no rewrite changed it.
            throw DuckDbErrors.withPosition(e, sql, key.sql());
        }
    }

    private DuckDbPreparedQuery prepareRewritten(StatementCache.Key key, String sql, long generation) {
        if (lockdown != null) {
            lockdown.check(sql); // the text DuckDB would see, after the rewrites
        }
        if (catalog == null) {
            return DuckDbPreparedQuery.prepare(this, key, sql, generation);
        }
        if (catalog.needsObjects(sql)) {
            installCatalogObjects(sql);
        }
        try {
            return DuckDbPreparedQuery.prepare(this, key, sql, generation);
        } catch (PgException e) {
            // A name the text does not show may still need the catalog (a view over pg_class). Outside a block a
            // failed prepare leaves nothing behind, so try once more with it; inside one DuckDB may have aborted.
            if (catalog.objectsInstalled() || inTransaction || !e.sqlState().startsWith("42")
                    || e.sqlState().equals(SqlState.SYNTAX_ERROR)) {
                throw e;
            }
            installCatalogObjects(null);
            return DuckDbPreparedQuery.prepare(this, key, sql, generation);
        }
    }

    /** Installs the catalog's objects {@code sql} names (and the first installation's), or all for null. */
    private void installCatalogObjects(String sql) {
        if (sql == null) {
            catalog.installObjects();
        } else {
            catalog.installObjects(sql, inTransaction);
        }
        if (inTransaction) {
            catalogInstalledInBlock = true;
        }
    }

    @Override
    public void begin(TransactionOptions options) throws PgException {
        // DuckDB has one isolation level (snapshot isolation); the requested level is accepted and not applied.
        runUtility(options != null && options.readOnly() ? "BEGIN TRANSACTION READ ONLY" : "BEGIN TRANSACTION");
        inTransaction = true;
        generationAtBegin = schemaGeneration.get();
        schemaChangedInBlock = false;
    }

    @Override
    public void commit() throws PgException {
        boolean committed = false;
        try {
            runUtility("COMMIT");
            committed = true;
        } catch (PgException e) {
            // Leave no half-open transaction behind, whatever the client does next.
            rollbackQuietly();
            throw e;
        } finally {
            endBlock(committed);
        }
    }

    @Override
    public void rollback() throws PgException {
        try {
            runUtility("ROLLBACK");
        } catch (PgException e) {
            if (!SqlState.NO_ACTIVE_SQL_TRANSACTION.equals(e.sqlState())) {
                throw e;
            }
            // DuckDB already ended the transaction: the rollback the client wants has happened.
        } finally {
            endBlock(false);
        }
    }

    private void endBlock(boolean committed) {
        inTransaction = false;
        if (catalogInstalledInBlock && !committed) {
            catalog.objectsRolledBack();
            cache.clear(); // statements prepared in the block may name the objects that are gone
        }
        if (catalogInstalledInBlock) {
            catalog.blockEnded();
        }
        catalogInstalledInBlock = false;
        if (schemaChangedInBlock) {
            // Others may have prepared against the catalog as it was before this block committed or rolled back.
            schemaChangedInBlock = false;
            schemaGeneration.incrementAndGet();
        }
        if (schemaGeneration.get() != generationAtBegin) {
            // Statements prepared in the block saw its snapshot, which may be older than the stamp they carry.
            cache.clear();
        }
    }

    private void rollbackQuietly() {
        try (Statement s = conn.createStatement()) {
            s.execute("ROLLBACK");
        } catch (SQLException ignored) {
            // no transaction left to roll back
        }
    }

    private void runUtility(String sql) {
        ensureOpen();
        releaseConnection();
        try (Statement s = conn.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw DuckDbErrors.map(e);
        }
    }

    @Override
    public void cancel() {
        if (!busy && streaming == null) {
            return; // nothing runs and no result is being read: like PostgreSQL, ignore the request
        }
        cancelRequested = true;
        Statement statement = running;
        if (statement != null) {
            try {
                // Interrupts DuckDB while it executes; fetching more rows of a streamed result is not
                // interruptible, so cursors also check cancelRequested before each row.
                statement.cancel();
            } catch (SQLException e) {
                LOG.debug("DuckDB cancel failed", e);
            }
        }
    }

    @Override
    public void settingChanged(String name, String value) {
        if (name == null || value == null || closed) {
            return;
        }
        // DuckDB binds some settings into a prepared statement (search_path resolves names at prepare).
        cache.clear();
        if (streaming != null) {
            // Applying it needs the connection, which the open cursor holds, and reading the cursor ahead here could
            // not be cancelled (the core does not run this as a statement): the next statement applies it first.
            pendingSettings.remove(name);
            pendingSettings.put(name, value);
            return;
        }
        applySetting(name, value);
    }

    private void applySetting(String name, String value) {
        // A setting DuckDB does not take fails the SET (the core then keeps the old value): the session would
        // otherwise show one value and act on another.
        if (name.equalsIgnoreCase("TimeZone")) {
            // TIMESTAMPTZ casts and functions such as date_trunc follow DuckDB's TimeZone.
            try (Statement s = conn.createStatement()) {
                s.execute("SET TimeZone = " + SqlQuoting.literal(value));
            } catch (SQLException e) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                        "invalid value for parameter \"TimeZone\": \"" + value + "\"", e)
                        .withDetail(DuckDbErrors.map(e).getMessage());
            }
        }
        if (catalog != null) {
            try {
                catalog.settingChanged(name, value);
            } catch (SQLException e) {
                throw DuckDbErrors.map(e);
            }
        }
    }

    @Override
    public Map<String, String> parameterStatus() {
        return reported;
    }

    @Override
    public Map<String, String> customSettings() {
        return customSettings;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            closeResources();
        } finally {
            onClose.run();
        }
    }

    private void closeResources() {
        if (streaming != null) {
            streaming.close();
        }
        spills.close(); // cursors the core did not close keep no file
        for (PreparedQuery q : new ArrayList<>(statements)) {
            q.close();
        }
        cache.clear();
        try {
            conn.close();
        } catch (SQLException e) {
            LOG.debug("closing a DuckDB connection failed", e);
        }
    }

    // ---- for the statements and cursors of this session ----

    void ensureOpen() {
        if (closed) {
            throw new PgException(SqlState.CONNECTION_EXCEPTION, "the DuckDB session is closed");
        }
    }

    /**
     * Frees the connection for another statement: the streaming cursor, if any, reads the rest of its result ahead.
     * Counts as work of the statement that called: cancellable, and a cancel throws 57014 with the connection still
     * taken.
     */
    void releaseConnection() {
        DuckDbCursor cursor = streaming;
        if (cursor == null) {
            applyPendingSettings();
            return;
        }
        boolean ownWork = !busy;
        if (ownWork) {
            startWork(null, true);
        }
        try {
            cursor.readAhead();
        } finally {
            if (ownWork) {
                endWork();
            }
        }
        applyPendingSettings();
    }

    private void applyPendingSettings() {
        if (!pendingSettings.isEmpty()) {
            Map<String, String> settings = new LinkedHashMap<>(pendingSettings);
            pendingSettings.clear();
            settings.forEach(this::applySetting);
        }
    }

    RowSpill.Space spills() {
        return spills;
    }

    void streamingStarted(DuckDbCursor cursor) {
        streaming = cursor;
    }

    void streamingEnded(DuckDbCursor cursor) {
        if (streaming == cursor) {
            streaming = null;
        }
    }

    boolean isStreaming(DuckDbCursor cursor) {
        return streaming == cursor;
    }

    DuckDbCursor streamingCursor() {
        return streaming;
    }

    void statementClosed(PreparedQuery query) {
        statements.remove(query);
    }

    /**
     * Keeps the idle statement of a closed query for the next Parse of the same text, unless the schema moved since
     * it was prepared or the session is closed; returns whether it was kept.
     */
    boolean offerToCache(StatementCache.Key key, StatementCache.Idle idle) {
        return !closed && idle.generation() == schemaGeneration.get() && cache.offer(key, idle);
    }

    /**
     * The column names of the one table these name parts ({@code t}, {@code s.t}, {@code db.s.t}; the schema
     * {@code public} is DuckDB's {@code main}) can mean, in order; null when none or several can. Reads DuckDB's
     * catalog with a query that cannot fail, which matters inside a transaction block: a failed prepare aborts it.
     */
    private List<String> columnsOf(List<String> name) {
        long generation = schemaGeneration.get();
        if (generation != columnsGeneration) {
            tableColumns.clear();
            columnsGeneration = generation;
        }
        if (tableColumns.containsKey(name)) {
            return tableColumns.get(name);
        }
        List<String> columns = readColumns(name);
        if (tableColumns.size() >= 64) {
            tableColumns.clear();
        }
        tableColumns.put(List.copyOf(name), columns);
        return columns;
    }

    private List<String> readColumns(List<String> name) {
        String sql = "SELECT table_oid, column_name FROM duckdb_columns() WHERE lower(table_name) = lower(?)"
                + switch (name.size()) {
                    case 1 -> "";
                    case 2 -> " AND (lower(schema_name) = lower(?) OR lower(database_name) = lower(?)"
                            + " AND schema_name = 'main')";
                    default -> " AND lower(schema_name) = lower(?) AND lower(database_name) = lower(?)";
                }
                + " ORDER BY table_oid, column_index";
        int parts = name.size();
        String table = name.get(parts - 1);
        String schema = parts >= 2 ? name.get(parts - 2) : null;
        if ("public".equals(schema)) {
            schema = "main";
        }
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            ps.setString(1, table);
            if (parts == 2) {
                ps.setString(2, schema);
                ps.setString(3, name.get(0));
            } else if (parts >= 3) {
                ps.setString(2, schema);
                ps.setString(3, name.get(parts - 3));
            }
            List<String> columns = new ArrayList<>();
            long oid = -1;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (oid >= 0 && rs.getLong(1) != oid) {
                        return null; // several tables of that name: DuckDB's own resolution decides, and may refuse
                    }
                    oid = rs.getLong(1);
                    columns.add(rs.getString(2));
                }
            }
            return columns.isEmpty() ? null : columns;
        } catch (SQLException e) {
            return null;
        }
    }

    /** The handler's schema generation now: it moves whenever any session may have changed the schema. */
    long schemaGeneration() {
        return schemaGeneration.get();
    }

    /** A statement that may have changed the schema (or the session's name resolution) ran. */
    void schemaChanged() {
        schemaGeneration.incrementAndGet();
        if (inTransaction) {
            schemaChangedInBlock = true;
        }
    }

    int cachedStatements() {
        return cache.size();
    }

    /** Marks the start of work that {@link #cancel()} may interrupt; a new statement forgets older cancels. */
    void startWork(Statement statement, boolean newStatement) {
        if (newStatement) {
            cancelRequested = false;
        }
        running = statement;
        busy = true;
    }

    void endWork() {
        busy = false;
        running = null;
    }

    boolean cancelRequested() {
        return cancelRequested;
    }

    /** Whether a statement executes or a cursor fetches (tests wait for it before they cancel). */
    boolean isBusy() {
        return busy;
    }

    /** The statement the cancel was for has ended with 57014: later work of the session does not see it. */
    void cancelHandled() {
        cancelRequested = false;
    }
}
