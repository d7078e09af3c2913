package io.buenavista.core.duckdb;

import io.buenavista.api.Column;
import io.buenavista.api.ExecutionResult;
import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.SqlState;
import io.buenavista.core.sql.SqlLexer;
import io.buenavista.core.sql.SqlToken;

import org.duckdb.DuckDBResultSetMetaData;
import org.duckdb.StatementReturnType;

import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A statement prepared by DuckDB. Preparing only parses and binds: nothing is executed, so describing an
 * {@code INSERT} inserts nothing. DuckDB understands {@code $1..$n} itself.
 */
final class DuckDbPreparedQuery implements PreparedQuery {
    /** What DuckDB described at prepare time: fixed for the life of the statement, and kept with it in the cache. */
    record Description(StatementReturnType returnType, int duckParameterCount, List<PgType> parameterTypes,
            List<Column> columns, List<DuckDbTypes.Mapping> mappings, List<String> duckTypes,
            boolean columnsDependOnParameters) {
        Description(StatementReturnType returnType, int duckParameterCount, List<PgType> parameterTypes,
                List<Column> columns, List<DuckDbTypes.Mapping> mappings, List<String> duckTypes) {
            this(returnType, duckParameterCount, parameterTypes, columns, mappings, duckTypes, false);
        }
    }

    private final DuckDbSession session;
    private final StatementCache.Key key;
    private final String sql;
    /** The schema generation it was prepared in; it goes back to the cache only if that is still current. */
    private final long generation;
    /** A statement that may change the schema or the session: never cached, and running it invalidates caches. */
    private final boolean changesSchema;
    /** DuckDB's driver closes a statement whose execution failed; it is then prepared again. */
    private PreparedStatement statement;
    private final StatementReturnType returnType;
    private final int duckParameterCount;
    private final List<PgType> parameterTypes;
    private final List<Column> columns;
    private final List<DuckDbTypes.Mapping> mappings;
    private final Description description;
    /**
     * DuckDB binds this statement only with its parameters' values (a table function's arguments): its columns are
     * those of each execution's result, not of the description.
     */
    private final boolean columnsDependOnParameters;
    /** The schema generation in which the result's shape was last found unchanged. */
    private long shapeCheckedIn;
    private boolean closed;

    private DuckDbPreparedQuery(DuckDbSession session, StatementCache.Key key, String sql, long generation,
            boolean changesSchema, PreparedStatement statement, Description d) {
        this.session = session;
        this.key = key;
        this.sql = sql;
        this.generation = generation;
        this.changesSchema = changesSchema;
        this.statement = statement;
        this.description = d;
        this.returnType = d.returnType();
        this.duckParameterCount = d.duckParameterCount();
        this.parameterTypes = d.parameterTypes();
        this.columns = d.columns();
        this.mappings = d.mappings();
        this.columnsDependOnParameters = d.columnsDependOnParameters();
        this.shapeCheckedIn = generation;
    }

    /** Reuses an idle statement of the session's cache. */
    static DuckDbPreparedQuery reuse(DuckDbSession session, StatementCache.Key key, StatementCache.Idle idle) {
        return new DuckDbPreparedQuery(session, key, idle.sql(), idle.generation(), false, idle.statement(),
                idle.description());
    }

    /**
     * Prepares {@code sql} (the final text) with DuckDB.
     *
     * @param generation the session's schema generation read before preparing
     */
    static DuckDbPreparedQuery prepare(DuckDbSession session, StatementCache.Key key, String sql, long generation) {
        NumericCasts.Rewritten uncast = NumericCasts.rewrite(sql);
        PreparedStatement ps;
        Set<Integer> numeric = uncast.params();
        try {
            ps = session.connection().prepareStatement(uncast.sql());
            sql = uncast.sql();
        } catch (SQLException e) {
            if (numeric.isEmpty()) {
                throw DuckDbErrors.map(e);
            }
            // Some expressions need their parameter's type at prepare time: the numeric casts stay, widened. (In a
            // transaction block DuckDB has aborted it by then, which the retry reports; DuckDB prepares nearly every
            // expression with an untyped parameter, so this is rare.)
            sql = NumericCasts.typed(uncast.sql(), numeric);
            numeric = Set.of();
            try {
                ps = session.connection().prepareStatement(sql);
            } catch (SQLException again) {
                throw DuckDbErrors.map(again);
            }
        }
        try {
            boolean[] unresolved = unresolvedParameters(ps);
            String typed = DuckDbTypes.castDeclaredParameters(sql, unresolved, key.declared());
            if (typed != null) {
                // DuckDB could not infer a parameter the client declared: state the type in the text instead.
                ps.close();
                sql = typed;
                ps = session.connection().prepareStatement(sql);
                unresolved = unresolvedParameters(ps);
            }
            String byValues = sql;
            String[] untyped = typeUntypedParameters(ps, sql, unresolved, key.declared(), numeric);
            if (untyped != null) {
                ps.close();
                Typed t = prepareTyped(session, sql, untyped, firstUntyped(unresolved, key.declared(), numeric));
                sql = t.sql();
                ps = t.statement();
                unresolved = unresolvedParameters(ps);
            }
            Description d = describe(ps, key.declared(), key.sql());
            boolean unbound = d.duckTypes().contains(UNBOUND);
            Set<Integer> probed = numericToProbe(numeric, unresolved, key.declared());
            if (!probed.isEmpty()) {
                Description probe = withNumericProbe(session, d, NumericCasts.typed(sql, probed), probed,
                        key.declared(), key.sql());
                unbound &= probe == d; // the probe, when it prepared, typed every column
                d = probe;
            }
            if (unbound) {
                // DuckDB binds it only with its parameters' values (a table function's arguments), typed or not:
                // it runs as it was before the parameters were typed, which lets DuckDB type them by value.
                if (!sql.equals(byValues)) {
                    ps.close();
                    sql = byValues;
                    ps = session.connection().prepareStatement(sql);
                    d = describe(ps, key.declared(), key.sql());
                }
                d = withNullProbe(ps, d, key.sql());
            }
            return new DuckDbPreparedQuery(session, key, sql, generation, mayChangeSchema(sql), ps, d);
        } catch (SQLException | RuntimeException e) {
            try {
                ps.close();
            } catch (SQLException ignored) {
                // the original failure is what matters
            }
            throw e instanceof SQLException s ? DuckDbErrors.map(s) : (RuntimeException) e;
        }
    }

    /**
     * The description of a statement DuckDB binds only with its parameters' values, as it binds with every parameter
     * NULL: a table function then has its columns (and no rows: it is run only when it returns rows and has no
     * other effect). Each execution's own result still gives the columns sent; this is what Describe of the
     * statement shows. Should the probe fail, DuckDB's placeholder stays.
     */
    private static Description withNullProbe(PreparedStatement ps, Description d, String clientSql)
            throws SQLException {
        Description unknown = new Description(d.returnType(), d.duckParameterCount(), d.parameterTypes(), d.columns(),
                d.mappings(), d.duckTypes(), true);
        if (d.returnType() != StatementReturnType.QUERY_RESULT || !QUERY_STATEMENTS.contains(firstWord(clientSql))) {
            return unknown;
        }
        for (int i = 1; i <= d.duckParameterCount(); i++) {
            ps.setObject(i, null);
        }
        try (ResultSet rs = ps.executeQuery()) {
            return withResultColumns(d, rs, clientSql);
        } catch (SQLException | RuntimeException e) {
            return unknown;
        } finally {
            ps.clearParameters();
        }
    }

    /** The description with the columns of an executed result (of a statement DuckDB binds by its values). */
    private static Description withResultColumns(Description d, ResultSet rs, String clientSql) throws SQLException {
        ResultShape shape = resultShape(rs, ColumnLabels.read(clientSql), ClientCatalogQueries.find(clientSql));
        return new Description(d.returnType(), d.duckParameterCount(), d.parameterTypes(), shape.columns(),
                shape.mappings(), d.duckTypes(), true);
    }

    /** The columns of an executed result, and how to read each. */
    record ResultShape(List<Column> columns, List<DuckDbTypes.Mapping> mappings) {}

    /**
     * The columns of an executed result as PostgreSQL names them where known, and how to read each.
     *
     * @param labels the client's select list, read before it ran
     * @param rule   the client catalog query it is, or null
     */
    static ResultShape resultShape(ResultSet rs, ColumnLabels.SelectList labels, ClientCatalogQueries.Rule rule)
            throws SQLException {
        DuckDBResultSetMetaData meta = rs.getMetaData().unwrap(DuckDBResultSetMetaData.class);
        List<Column> columns = new ArrayList<>();
        List<DuckDbTypes.Mapping> mappings = new ArrayList<>();
        resultColumns(meta, resultTypes(meta), labels, rule, columns, mappings);
        return new ResultShape(List.copyOf(columns), List.copyOf(mappings));
    }

    /**
     * The type DuckDB gives the placeholder column of a statement it could not bind without its parameters' values:
     * it then describes one column {@code unknown} whatever the statement returns, and binds it again at execution.
     */
    private static final String UNBOUND = "UNKNOWN";

    /**
     * The DuckDB type of each untyped parameter ({@code $(i+1)} at i, null to leave it), or null when none needs one.
     * PostgreSQL fixes every parameter's type at Parse, from its context or, where only its own output
     * gives one (a select-list item, a VALUES cell, {@code coalesce($1, $2)}), as text; where nothing does
     * ({@code $1 IS NULL}) it refuses with 42P18. DuckDB instead leaves such a parameter untyped, describes the
     * statement with a placeholder and binds it again with the values at execution, which may give other columns.
     * An untyped value arrives as text, so each parameter DuckDB could not type is written {@code ($n::VARCHAR)};
     * when the placeholder remains because of another occurrence, every untyped parameter gets the type DuckDB
     * inferred. The statement executed is then the one described.
     *
     * @param numeric the parameters whose numeric cast {@link NumericCasts} took out of the text (typed by it)
     */
    private static String[] typeUntypedParameters(PreparedStatement ps, String sql, boolean[] unresolved,
            List<PgType> declared, Set<Integer> numeric) throws SQLException {
        DuckDBResultSetMetaData meta = ps.getMetaData().unwrap(DuckDBResultSetMetaData.class);
        boolean placeholder = resultTypes(meta).contains(UNBOUND);
        ParameterMetaData params = ps.getParameterMetaData();
        String[] types = new String[unresolved.length];
        boolean any = false;
        for (int i = 0; i < unresolved.length; i++) {
            if (!untyped(i, declared, numeric)) {
                continue;
            }
            if (unresolved[i]) {
                if (typelessContext(sql, i + 1)) {
                    throw indeterminate(i, null);
                }
                types[i] = "VARCHAR";
                any = true;
            } else if (placeholder) {
                types[i] = params.getParameterTypeName(i + 1);
                any = true;
            }
        }
        return any ? types : null;
    }

    private record Typed(String sql, PreparedStatement statement) {}

    /** DuckDB finding no operator for the argument types it names: {@code '+(INTEGER, VARCHAR)'}. */
    private static final java.util.regex.Pattern NO_OPERATOR = java.util.regex.Pattern.compile(
            "No function matches the given name and argument types '([^\\w\\s(]+)\\(([^,()]+), ([^,()]+)\\)'");

    /**
     * Prepares {@code sql} with each parameter {@code $(i+1)} written {@code ($n::types[i])}. Where DuckDB then finds
     * no operator for a parameter typed text and an operand of another type ({@code n + $1}, {@code $1 + 1}), the
     * parameter takes that operand's type, as PostgreSQL's operator resolution gives an unknown operand the type of
     * the other; failing that, the parameter's type is indeterminate (42P18) with DuckDB's refusal as the detail.
     *
     * @param first the parameter to name in 42P18
     */
    private static Typed prepareTyped(DuckDbSession session, String sql, String[] types, int first) {
        SQLException failure;
        int attempts = 0;
        while (true) {
            String typed = DuckDbTypes.castParameters(sql, n -> n < types.length ? types[n] : null);
            try {
                return new Typed(typed, session.connection().prepareStatement(typed));
            } catch (SQLException e) {
                failure = e;
            }
            int retyped = attempts++ < types.length ? operandOfOtherType(failure.getMessage(), typed, types) : -1;
            if (retyped < 0) {
                throw indeterminate(first, DuckDbErrors.map(failure));
            }
        }
    }

    /**
     * Gives the text-typed parameter right beside the operator DuckDB refused the type of its other operand; returns
     * the parameter's index, or -1 when the refusal is of another kind or no such parameter stands beside it.
     */
    private static int operandOfOtherType(String message, String typedSql, String[] types) {
        java.util.regex.Matcher m = message == null ? null : NO_OPERATOR.matcher(message);
        if (m == null || !m.find()) {
            return -1;
        }
        boolean leftIsText = m.group(2).equals("VARCHAR");
        String other = (leftIsText ? m.group(3) : m.group(2)).replace("_LITERAL", "");
        if (leftIsText == m.group(3).equals("VARCHAR") || other.equals("STRING") || other.startsWith("DECIMAL")) {
            return -1; // both or neither text; a decimal's scale would round the value PostgreSQL keeps
        }
        // 1-based; DuckDB points at the operator or at the start of the expression it joins
        int position = DuckDbErrors.position(message, typedSql);
        if (position <= 0) {
            return -1;
        }
        List<SqlToken> tokens = SqlLexer.significantTokens(typedSql);
        int depth = 0;
        for (int i = 0; i < tokens.size(); i++) {
            SqlToken t = tokens.get(i);
            if (t.offset() < position - 1) {
                continue;
            }
            depth += t.kind() == SqlToken.Kind.LEFT_PAREN ? 1 : t.kind() == SqlToken.Kind.RIGHT_PAREN ? -1 : 0;
            if (depth < 0) {
                return -1;
            }
            if (depth > 0 || !t.text().equals(m.group(1))) {
                continue;
            }
            // ($n::VARCHAR) is six tokens: ( $n : : VARCHAR )
            int at = leftIsText ? i - 5 : i + 2;
            if (at < 0 || at >= tokens.size() || tokens.get(at).kind() != SqlToken.Kind.PARAMETER
                    || !tokens.get(leftIsText ? i - 1 : i + 1).text().equals(leftIsText ? ")" : "(")) {
                return -1;
            }
            int n = SqlLexer.parameterCount(tokens.get(at).text()) - 1;
            if (n < 0 || n >= types.length || !"VARCHAR".equals(types[n])) {
                return -1;
            }
            types[n] = other;
            return n;
        }
        return -1;
    }

    /** Whether the client left {@code $(i+1)} to the server to type (and no numeric cast in the text types it). */
    private static boolean untyped(int i, List<PgType> declared, Set<Integer> numeric) {
        return (i >= declared.size() || PgType.UNKNOWN.equals(declared.get(i))) && !numeric.contains(i);
    }

    /**
     * Whether {@code $n} is somewhere the operand of {@code IS [NOT] NULL}, {@code ISNULL} or {@code NOTNULL},
     * which gives PostgreSQL no type for it. Operators bind tighter than {@code IS}, so {@code $n} is that operand
     * when no operator comes before it. Asked only of parameters DuckDB could not type from any context.
     */
    static boolean typelessContext(String sql, int n) {
        List<SqlToken> tokens = SqlLexer.significantTokens(sql);
        for (int i = 0; i < tokens.size(); i++) {
            SqlToken t = tokens.get(i);
            if (t.kind() != SqlToken.Kind.PARAMETER || !t.value().equals(Integer.toString(n))) {
                continue;
            }
            SqlToken before = i > 0 ? tokens.get(i - 1) : null;
            if (before != null && before.kind() == SqlToken.Kind.OPERATOR) {
                continue;
            }
            int k = i + 1;
            if (k < tokens.size() && (tokens.get(k).isWord("ISNULL") || tokens.get(k).isWord("NOTNULL"))) {
                return true;
            }
            if (k < tokens.size() && tokens.get(k).isWord("IS")) {
                k++;
                if (k < tokens.size() && tokens.get(k).isWord("NOT")) {
                    k++;
                }
                if (k < tokens.size() && tokens.get(k).isWord("NULL")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static int firstUntyped(boolean[] unresolved, List<PgType> declared, Set<Integer> numeric) {
        for (int i = 0; i < unresolved.length; i++) {
            if (unresolved[i] && untyped(i, declared, numeric)) {
                return i;
            }
        }
        return firstUnresolved(unresolved);
    }

    private static int firstUnresolved(boolean[] unresolved) {
        for (int i = 0; i < unresolved.length; i++) {
            if (unresolved[i]) {
                return i;
            }
        }
        return -1;
    }

    /**
     * PostgreSQL's error for a parameter whose type nothing determines.
     *
     * @param i     the parameter's 0-based index, or -1 when DuckDB did not say which
     * @param cause DuckDB's refusal of the parameter typed as text, or null
     */
    private static PgException indeterminate(int i, PgException cause) {
        PgException e = new PgException("42P18", i < 0 ? "could not determine the data type of a parameter"
                : "could not determine data type of parameter $" + (i + 1), cause);
        e = e.withHint("Cast the parameter to the type it should have, e.g. $" + Math.max(i + 1, 1) + "::integer.");
        return cause == null ? e : e.withDetail("As text: " + cause.getMessage());
    }

    /** {@code unresolved[i]} is true when DuckDB could not infer the type of {@code $(i+1)}. */
    private static boolean[] unresolvedParameters(PreparedStatement ps) throws SQLException {
        ParameterMetaData params = ps.getParameterMetaData();
        int count = params.getParameterCount();
        boolean[] unresolved = new boolean[count];
        for (int i = 0; i < count; i++) {
            String name = params.getParameterTypeName(i + 1);
            unresolved[i] = name == null || name.equals("INVALID") || name.equals("UNKNOWN");
        }
        return unresolved;
    }

    /** The numeric parameters (cast in the text or declared by the client) that DuckDB left untyped. */
    private static Set<Integer> numericToProbe(Set<Integer> cast, boolean[] unresolved, List<PgType> declared) {
        Set<Integer> out = new java.util.TreeSet<>();
        for (int i = 0; i < unresolved.length; i++) {
            boolean isNumeric = cast.contains(i) || i < declared.size() && PgType.NUMERIC.equals(declared.get(i));
            if (unresolved[i] && isNumeric) {
                out.add(i);
            }
        }
        return out;
    }

    /**
     * The description of a statement whose numeric parameters DuckDB types only from the values bound: the result
     * columns DuckDB could not type yet are described as the probe (those parameters as DECIMAL(38,16)) types them,
     * as unconstrained numeric where it is that type; the parameters are numeric.
     */
    private static Description withNumericProbe(DuckDbSession session, Description d, String probeSql,
            Set<Integer> params, List<PgType> declared, String clientSql) throws SQLException {
        Description probe;
        try (PreparedStatement ps = session.connection().prepareStatement(probeSql)) {
            probe = describe(ps, declared, clientSql);
        } catch (SQLException e) {
            return d; // the statement itself prepared: it is described as DuckDB sees it
        }
        List<Column> columns = new ArrayList<>(d.columns());
        List<DuckDbTypes.Mapping> mappings = new ArrayList<>(d.mappings());
        if (probe.returnType() != d.returnType() || probe.columns().size() != columns.size()) {
            columns = new ArrayList<>(probe.columns());
            mappings = new ArrayList<>(probe.mappings());
        }
        for (int i = 0; i < columns.size(); i++) {
            boolean untyped = i >= d.duckTypes().size() || "UNKNOWN".equals(d.duckTypes().get(i));
            if (untyped && i < probe.duckTypes().size()) {
                DuckDbTypes.Mapping m = NumericCasts.WIDE_TYPE.equals(probe.duckTypes().get(i))
                        ? new DuckDbTypes.Mapping(PgType.NUMERIC, -1, DuckDbTypes.Kind.DECIMAL, null)
                        : probe.mappings().get(i);
                mappings.set(i, m);
                columns.set(i, m.column(columns.get(i).name()));
            }
        }
        List<PgType> types = new ArrayList<>(d.parameterTypes());
        for (int i : params) {
            if (i < types.size() && (i >= declared.size() || PgType.UNKNOWN.equals(declared.get(i)))) {
                types.set(i, PgType.NUMERIC);
            }
        }
        return new Description(probe.returnType(), d.duckParameterCount(), List.copyOf(types), List.copyOf(columns),
                List.copyOf(mappings), d.duckTypes());
    }

    /**
     * @param clientSql the client's text, before the catalog rewrites: PostgreSQL's column names come from it; null
     *                  to keep DuckDB's
     */
    private static Description describe(PreparedStatement ps, List<PgType> declared, String clientSql)
            throws SQLException {
        DuckDBResultSetMetaData meta = ps.getMetaData().unwrap(DuckDBResultSetMetaData.class);
        // DuckDB describes INSERT/UPDATE/DELETE with a "Count" column and DDL/SET with a "Success" column;
        // only real queries return rows to the client.
        StatementReturnType returnType = meta.getReturnType();
        List<Column> columns = new ArrayList<>();
        List<DuckDbTypes.Mapping> mappings = new ArrayList<>();
        List<String> duckTypes = resultTypes(meta);
        ClientCatalogQueries.Rule rule = clientSql == null ? null : ClientCatalogQueries.find(clientSql);
        if (returnType == StatementReturnType.QUERY_RESULT) {
            resultColumns(meta, duckTypes, clientSql == null ? null : ColumnLabels.read(clientSql), rule, columns,
                    mappings);
        }
        ParameterMetaData params = ps.getParameterMetaData();
        int count = params.getParameterCount();
        List<PgType> types = new ArrayList<>();
        for (int i = 0; i < Math.max(count, declared.size()); i++) {
            PgType given = i < declared.size() ? declared.get(i) : null;
            if (given != null && !given.equals(PgType.UNKNOWN)) {
                types.add(given);
            } else if (i < count) {
                types.add(ClientCatalogQueries.parameter(rule, i,
                        DuckDbTypes.parameterType(params.getParameterTypeName(i + 1))));
            } else {
                types.add(PgType.UNKNOWN);
            }
        }
        return new Description(returnType, count, List.copyOf(types), List.copyOf(columns), List.copyOf(mappings),
                duckTypes);
    }

    /** The result's columns as PostgreSQL names them where known, and how to read each, into the two lists. */
    private static void resultColumns(DuckDBResultSetMetaData meta, List<String> duckTypes,
            ColumnLabels.SelectList labels, ClientCatalogQueries.Rule rule, List<Column> columns,
            List<DuckDbTypes.Mapping> mappings) throws SQLException {
        // DuckDB names unaliased columns after their expression text; PostgreSQL's names where they are known.
        List<String> names = labels == null ? null : labels.names(meta.getColumnCount());
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            DuckDbTypes.Mapping m = DuckDbTypes.map(duckTypes.get(i - 1), meta.getPrecision(i), meta.getScale(i));
            String label = meta.getColumnLabel(i);
            m = ClientCatalogQueries.column(rule, label, m);
            mappings.add(m);
            String name = names == null ? null : names.get(i - 1);
            columns.add(m.column(name != null ? name : label));
        }
    }

    private static List<String> resultTypes(DuckDBResultSetMetaData meta) throws SQLException {
        if (meta.getReturnType() != StatementReturnType.QUERY_RESULT) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            names.add(meta.getColumnTypeName(i));
        }
        return List.copyOf(names);
    }

    /**
     * Refuses to run a statement whose result would no longer match the RowDescription the client was given, as
     * PostgreSQL does: DuckDB binds a prepared statement again after the schema changed ({@code SELECT *} after
     * {@code ALTER TABLE ... ADD COLUMN}) and would return other columns. Checked once per schema generation, before
     * anything runs, by preparing the text afresh.
     */
    private void checkResultShape() throws SQLException {
        long now = session.schemaGeneration();
        if (now == shapeCheckedIn) {
            return;
        }
        try (PreparedStatement fresh = session.connection().prepareStatement(sql)) {
            DuckDBResultSetMetaData meta = fresh.getMetaData().unwrap(DuckDBResultSetMetaData.class);
            if (meta.getReturnType() != returnType || !resultTypes(meta).equals(description.duckTypes())) {
                throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "cached plan must not change result type")
                        .withRoutine("RevalidateCachedQuery");
            }
        }
        shapeCheckedIn = now;
    }

    /** Statements whose first word says they only read rows. */
    private static final Set<String> QUERY_STATEMENTS = Set.of("select", "with", "values", "from", "table");
    /** Statements whose first word says they only read or write rows keep the schema; anything else may not. */
    private static final Set<String> ROW_STATEMENTS = Set.of("select", "with", "values", "from", "table", "insert",
            "update", "delete");

    /**
     * Whether running {@code sql} may change what other statements bind to: DDL, {@code SET}, {@code USE},
     * {@code ATTACH}, {@code CALL}... Judged by the first word, skipping blanks, comments and parentheses.
     */
    static boolean mayChangeSchema(String sql) {
        return !ROW_STATEMENTS.contains(firstWord(sql));
    }

    /** The statement's first word, lower-cased, skipping blanks, comments and parentheses; "" when none. */
    private static String firstWord(String sql) {
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c) || c == '(') {
                i++;
            } else if (sql.startsWith("--", i)) {
                int eol = sql.indexOf('\n', i);
                i = eol < 0 ? n : eol + 1;
            } else if (sql.startsWith("/*", i)) {
                // PostgreSQL nests block comments; a nested one only makes this judge conservatively.
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else {
                break;
            }
        }
        int start = i;
        while (i < n && Character.isLetter(sql.charAt(i))) {
            i++;
        }
        return sql.substring(start, i).toLowerCase(Locale.ROOT);
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
    public boolean columnsDependOnParameters() {
        return columnsDependOnParameters;
    }

    @Override
    public ExecutionResult execute(List<Object> parameters) throws PgException {
        if (closed) {
            throw new PgException(SqlState.INVALID_SQL_STATEMENT_NAME, "prepared statement is closed");
        }
        session.ensureOpen();
        session.startWork(null, true);
        try {
            // Reading a suspended cursor into memory may take a while: it counts as part of this statement.
            session.releaseConnection();
            throwIfCanceled(null);
            checkResultShape();
            List<Object> values = parameters == null ? List.of() : parameters;
            PreparedStatement ps = liveStatement();
            bind(ps, values);
            session.startWork(ps, false);
            // A cancel that came while no statement was set to interrupt: the flag is all it left.
            throwIfCanceled(null);
            boolean hasRows;
            try {
                hasRows = ps.execute();
            } catch (SQLException e) {
                throwIfCanceled(e);
                if (DuckDbErrors.HIDDEN_STREAM_ERROR.equals(e.getMessage())) {
                    return executeWithoutStreaming(e, values);
                }
                throw DuckDbErrors.map(e);
            }
            return result(hasRows, true);
        } catch (SQLException e) {
            throw DuckDbErrors.map(e);
        } finally {
            session.endWork();
            if (changesSchema) {
                // Also after a failure: part of it may have happened (a multi-statement CALL, an ATTACH).
                session.schemaChanged();
            }
        }
    }

    private PreparedStatement liveStatement() throws SQLException {
        if (statement.isClosed()) {
            statement = session.connection().prepareStatement(sql);
        }
        return statement;
    }

    private void bind(PreparedStatement ps, List<Object> parameters) throws SQLException {
        if (parameters.size() < duckParameterCount) {
            throw new PgException(SqlState.PROTOCOL_VIOLATION, "statement needs " + duckParameterCount
                    + " parameters, got " + parameters.size());
        }
        ps.clearParameters();
        for (int i = 0; i < duckParameterCount; i++) {
            DuckDbTypes.bind(session.connection(), ps, i + 1, parameters.get(i),
                    i < parameterTypes.size() ? parameterTypes.get(i) : null);
        }
    }

    private ExecutionResult result(boolean hasRows, boolean stream) throws SQLException {
        if (hasRows) {
            ResultSet rs = statement.getResultSet();
            DuckDbCursor cursor;
            if (columnsDependOnParameters) {
                Description bound = withResultColumns(description, rs, key.sql());
                cursor = new DuckDbCursor(session, this, rs, bound.columns(), bound.mappings());
            } else {
                cursor = new DuckDbCursor(session, this, rs, columns, mappings);
            }
            return started(session, cursor, stream);
        }
        long count = statement.getLargeUpdateCount();
        return ExecutionResult.Command.of(returnType == StatementReturnType.CHANGED_ROWS ? count : -1);
    }

    /**
     * DuckDB 2.0's JDBC driver loses the message of an error raised before the first row of a streamed result
     * (e.g. a failed cast), reporting only "Invalid result set". Outside a transaction block the failed statement
     * left nothing behind, so it is run once more without streaming, which reports the real error. Inside a
     * block DuckDB has aborted the transaction and cannot run it again.
     */
    private ExecutionResult executeWithoutStreaming(SQLException hidden, List<Object> parameters)
            throws SQLException {
        if (session.inTransaction() || returnType != StatementReturnType.QUERY_RESULT) {
            throw new PgException(SqlState.INTERNAL_ERROR,
                    "the query failed, but DuckDB did not report why (its JDBC driver hides errors raised before "
                            + "the first row of a streamed result); run it outside a transaction block to see the "
                            + "reason", hidden);
        }
        setStreaming(false);
        try {
            PreparedStatement ps = liveStatement();
            bind(ps, parameters);
            session.startWork(ps, false);
            boolean hasRows;
            try {
                hasRows = ps.execute();
            } catch (SQLException e) {
                throwIfCanceled(e);
                throw DuckDbErrors.map(e);
            }
            return result(hasRows, false);
        } finally {
            setStreaming(true);
        }
    }

    private void setStreaming(boolean on) throws SQLException {
        try (Statement s = session.connection().createStatement()) {
            s.execute("SET jdbc_stream_results = " + on);
        }
    }

    private void throwIfCanceled(SQLException cause) {
        if (session.cancelRequested()) {
            throw DuckDbErrors.canceled(cause);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        session.statementClosed(this);
        // Closing the JDBC statement would close its result: a portal still reading it closes the statement when
        // it is done with the result (nothing is read ahead, and the statement is not reused meanwhile).
        DuckDbCursor cursor = session.streamingCursor();
        if (cursor != null && cursor.owner() == this) {
            cursor.closeStatementWithResult(statement);
            return;
        }
        try {
            if (changesSchema || statement.isClosed() || !session.offerToCache(key,
                    new StatementCache.Idle(statement, sql, description, generation))) {
                statement.close();
            }
        } catch (SQLException ignored) {
            // nothing left to release
        }
    }

    /**
     * A cursor on a result that just ran, as the portal's rows: streaming from DuckDB, or read ahead (spilled past
     * its memory bound) when the session must keep its connection free. A cancel that came meanwhile wins.
     */
    static ExecutionResult.Rows started(DuckDbSession session, DuckDbCursor cursor, boolean stream) {
        if (session.cancelRequested()) {
            cursor.close();
            throw DuckDbErrors.canceled(null);
        }
        if (stream) {
            session.streamingStarted(cursor);
        } else {
            try {
                cursor.readAhead();
            } catch (PgException e) {
                cursor.close();
                throw e;
            }
        }
        return new ExecutionResult.Rows(cursor);
    }
}
