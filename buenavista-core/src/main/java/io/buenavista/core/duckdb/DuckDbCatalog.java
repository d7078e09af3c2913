package io.buenavista.core.duckdb;

import io.buenavista.api.PgException;
import io.buenavista.api.SessionContext;
import io.buenavista.api.SqlState;
import io.buenavista.core.session.SessionSettings;
import io.buenavista.core.sql.SqlLexer;
import io.buenavista.core.sql.SqlQuoting;
import io.buenavista.core.sql.SqlStatement;
import io.buenavista.core.sql.SqlToken;

import org.duckdb.DuckDBConnection;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The PostgreSQL catalog as one DuckDB session sees it: installs the TEMP views and macros of {@code catalog.sql}
 * on the session's connection (TEMP objects belong to the connection, so they survive {@code USE} and a locked
 * configuration) and keeps the DuckDB variables they read up to date.
 *
 * <p>Opening a session runs nothing on DuckDB unless the search path differs from the default (DuckDB's default
 * path then answers as PostgreSQL's {@code "$user", public} would). The objects cost DuckDB tens of milliseconds to
 * create (it binds each one), so they, and the variables only they read, are created only before the first
 * statement that names one of them ({@link #needsObjects}): sessions that never look at the catalog (pgbench, most
 * application traffic) open without that cost. The first statement that names one gets all objects but those that
 * catalog.sql marks with a comment line {@value #ON_DEMAND} (the costliest to create: functions, constraints,
 * indexes, columns, types); a statement that names one of those gets it then, with the objects it uses.
 *
 * <p>Schema mapping: the default catalog's {@code main} is schema {@code public}; an attached catalog X's
 * {@code main} is schema X; other schemas of attached catalogs are not shown. {@code search_path} is translated
 * into DuckDB's ({@code public} → {@code <default>.main}, X → {@code X.main}); schemas that do not exist are
 * skipped, as PostgreSQL skips them.
 */
final class DuckDbCatalog {
    /** The value of {@code version()} after "PostgreSQL ". */
    static final String BUENA_VISTA_VERSION = "0.1.0";

    /** Core-owned settings that {@code current_setting} and {@code pg_settings} answer from the core. */
    static final List<String> CORE_SETTINGS = List.of("server_version", "server_version_num", "server_encoding",
            "client_encoding", "DateStyle", "IntervalStyle", "TimeZone", "integer_datetimes",
            "standard_conforming_strings", "application_name", "is_superuser", "session_authorization",
            "default_transaction_read_only", "in_hot_standby", "extra_float_digits", "search_path",
            "transaction_isolation", "default_transaction_isolation", "transaction_read_only", "statement_timeout",
            "max_identifier_length", "lc_collate", "lc_ctype", "block_size");

    private static final Set<String> CORE_SETTING_KEYS = CORE_SETTINGS.stream()
            .map(n -> n.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());

    /** The comment line before a statement of catalog.sql that keeps its object out of the first installation. */
    static final String ON_DEMAND = "-- on demand";

    private static final List<Definition> STATEMENTS = load();
    /** The views of catalog.sql, which pg_class does not list. */
    private static final List<String> VIEW_NAMES = viewNames(STATEMENTS);
    /** Lower-case object name → the statements that create it, with those of the objects they use. */
    private static final Map<String, BitSet> NEEDED_BY_NAME = neededByName(STATEMENTS);
    /** The statements of the first installation: all not on demand, with those of the objects they use. */
    private static final BitSet FIRST = first(STATEMENTS);
    private static final int SHORTEST_NAME = NEEDED_BY_NAME.keySet().stream().mapToInt(String::length).min().orElse(1);
    private static final int LONGEST_NAME = NEEDED_BY_NAME.keySet().stream().mapToInt(String::length).max().orElse(1);

    /**
     * One statement of catalog.sql.
     *
     * @param sql      its text
     * @param name     the object it creates, lower case; null for none
     * @param onDemand whether it waits for a statement naming its object
     * @param needs    the statements it needs run first and itself (indexes into the list): those creating the
     *                 objects it names, with theirs
     */
    private record Definition(String sql, String name, boolean onDemand, BitSet needs) {}

    private final DuckDBConnection conn;
    private final String defaultCatalog;
    private final String user;
    private final String database;
    /** Core settings by lower-case name. */
    private final Map<String, String> settings = new LinkedHashMap<>();
    /** The statements of catalog.sql that have run; empty until the first installation, which sets the variables. */
    private final BitSet installed = new BitSet();
    /** Those of them that ran inside the current transaction block, gone if it rolls back. */
    private final BitSet installedInBlock = new BitSet();

    private DuckDbCatalog(DuckDBConnection conn, String defaultCatalog, String user, String database) {
        this.conn = conn;
        this.defaultCatalog = defaultCatalog;
        this.user = user;
        this.database = database;
    }

    /**
     * Prepares a fresh session connection: sets DuckDB's search path when the session's differs from the default.
     * The objects follow with {@link #installObjects()}.
     *
     * @param context the session's context; null for defaults (user and database {@code duckdb})
     * @param defaultCatalog DuckDB's default catalog (the database file's name, {@code memory} in memory), which
     *                       this catalog shows as schema {@code public}
     */
    static DuckDbCatalog install(DuckDBConnection conn, SessionContext context, String defaultCatalog) {
        String user = context == null ? "duckdb" : context.principal().name();
        String database = context == null || context.startup().database() == null
                || context.startup().database().isEmpty() ? user : context.startup().database();
        DuckDbCatalog catalog = new DuckDbCatalog(conn, defaultCatalog, user, database);
        for (String name : CORE_SETTINGS) {
            String value = context == null ? null : context.setting(name);
            value = value == null ? defaultSetting(name) : value;
            if (value != null) { // unknown to the core: DuckDB's own setting of that name answers
                catalog.settings.put(name.toLowerCase(Locale.ROOT), value);
            }
        }
        String searchPath = catalog.settings.get("search_path");
        if (!searchPathNames(searchPath == null ? "" : searchPath).stream().allMatch("public"::equals)) {
            try (Statement s = conn.createStatement()) {
                List<String> script = new ArrayList<>();
                catalog.applySearchPath(s, script, searchPath);
                run(s, script);
            } catch (SQLException e) {
                throw new PgException(SqlState.INTERNAL_ERROR, "could not set the search path: " + e.getMessage(), e);
            }
        }
        return catalog;
    }

    /**
     * Whether {@code sql} (the final text) names an object of the catalog that is not installed yet. Errs on the
     * side of yes: a name inside a string or a comment counts too.
     */
    boolean needsObjects(String sql) {
        BitSet needed = needed(sql);
        needed.andNot(installed);
        return !needed.isEmpty();
    }

    /** The statements that create the objects {@code sql} names, with those of the objects they use. */
    private static BitSet needed(String sql) {
        BitSet needed = new BitSet();
        forEachWord(sql, SHORTEST_NAME, LONGEST_NAME, word -> {
            BitSet statements = NEEDED_BY_NAME.get(word);
            if (statements != null) {
                needed.or(statements);
            }
        });
        return needed;
    }

    /**
     * Gives {@code action} each word of {@code sql} (a run of name characters, wherever it stands) whose length is
     * within the bounds, lower case; shorter and longer ones are skipped without making a string of them.
     */
    private static void forEachWord(String sql, int shortest, int longest, Consumer<String> action) {
        int n = sql.length();
        int i = 0;
        while (i < n) {
            if (!isNameChar(sql.charAt(i))) {
                i++;
                continue;
            }
            int start = i;
            while (i < n && isNameChar(sql.charAt(i))) {
                i++;
            }
            int length = i - start;
            if (length >= shortest && length <= longest) {
                action.accept(sql.substring(start, i).toLowerCase(Locale.ROOT));
            }
        }
    }

    private static boolean isNameChar(char c) {
        return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /** Whether every object of the catalog is installed. */
    boolean objectsInstalled() {
        return installed.cardinality() == STATEMENTS.size();
    }

    /** Creates every object of the catalog not installed yet. */
    void installObjects() {
        BitSet all = new BitSet();
        all.set(0, STATEMENTS.size());
        install(all, false);
    }

    /**
     * Creates the objects of the catalog {@code sql} names that are not installed yet, and the first time the first
     * installation's too, in one DuckDB call. Inside a transaction block they belong to the block: the session calls
     * {@link #objectsRolledBack()} when it is rolled back, {@link #blockEnded()} when it ends either way.
     */
    void installObjects(String sql, boolean inBlock) {
        BitSet wanted = needed(sql);
        wanted.or(FIRST);
        install(wanted, inBlock);
    }

    private void install(BitSet wanted, boolean inBlock) {
        BitSet missing = (BitSet) wanted.clone();
        missing.andNot(installed);
        if (missing.isEmpty()) {
            return;
        }
        try (Statement s = conn.createStatement()) {
            List<String> script = new ArrayList<>();
            if (installed.isEmpty()) {
                variables(s, script);
                missing.or(FIRST);
            }
            missing.stream().forEach(i -> script.add(STATEMENTS.get(i).sql()));
            run(s, script);
            installed.or(missing);
            if (inBlock) {
                installedInBlock.or(missing);
            }
        } catch (SQLException e) {
            throw new PgException(SqlState.INTERNAL_ERROR, "could not install the catalog: " + e.getMessage(), e);
        }
    }

    /** Adds the statements that set the variables the objects read. */
    private void variables(Statement s, List<String> script) throws SQLException {
        String duckVersion;
        try (ResultSet rs = s.executeQuery("SELECT library_version FROM pragma_version()")) {
            rs.next();
            duckVersion = rs.getString(1);
        }
        String version = "PostgreSQL " + settings.get("server_version")
                + " on x86_64-pc-linux-gnu, compiled by Buena Vista " + BUENA_VISTA_VERSION + ", DuckDB "
                + duckVersion;
        script.add("SET VARIABLE bv_version = " + literal(version));
        script.add("SET VARIABLE bv_user = " + literal(user));
        script.add("SET VARIABLE bv_database = " + literal(database));
        script.add("SET VARIABLE bv_default_db = " + literal(defaultCatalog));
        // Sets as MAPs read with map_contains: DuckDB turns list_contains of a long constant list into an IN
        // list and that into a join, planned and run again wherever the catalog names a view or quotes a name.
        script.add("SET VARIABLE bv_catalog_objects = MAP(" + list(VIEW_NAMES) + ", list_transform("
                + list(VIEW_NAMES) + ", lambda n: true))");
        script.add("SET VARIABLE bv_keywords = (SELECT MAP(k, list_transform(k, lambda x: true)) FROM "
                + "(SELECT list(DISTINCT keyword_name) AS k FROM duckdb_keywords() "
                + "WHERE keyword_category <> 'unreserved'))");
        StringJoiner names = new StringJoiner(", ", "MAP {", "}");
        CORE_SETTINGS.forEach(n -> names.add(literal(n.toLowerCase(Locale.ROOT)) + ": " + literal(n)));
        script.add("SET VARIABLE bv_setting_names = " + names);
        publishSettings(script);
        // Only the visible schemas: DuckDB's own path may have moved since (USE) and stays as it is.
        script.add("SET VARIABLE bv_visible = "
                + list(List.copyOf(visibleSchemas(s, settings.get("search_path")).keySet())));
    }

    /** The transaction block was rolled back, and the objects created in it with it. */
    void objectsRolledBack() {
        installed.andNot(installedInBlock);
        installedInBlock.clear();
    }

    /** The transaction block ended: the objects it created stay (after a commit) or are gone already. */
    void blockEnded() {
        installedInBlock.clear();
    }

    /**
     * Takes note of a changed core setting or custom (dotted) one; custom ones only reach {@code current_setting}
     * (PostgreSQL's {@code pg_settings} does not list them). Runs outside any open result (the caller frees the
     * connection); DuckDB variables and {@code SET search_path} are not transactional, as the core's settings
     * bookkeeping expects.
     */
    void settingChanged(String name, String value) throws SQLException {
        String key = name.toLowerCase(Locale.ROOT);
        if (!CORE_SETTING_KEYS.contains(key) && !SessionSettings.isCustom(key)) {
            return;
        }
        settings.put(key, value);
        try (Statement s = conn.createStatement()) {
            List<String> script = new ArrayList<>();
            if (!installed.isEmpty()) {
                publishSettings(script); // otherwise the first installation publishes them
            }
            if (key.equals("search_path")) {
                applySearchPath(s, script, value);
            }
            run(s, script);
        }
    }

    /** Runs statements in one DuckDB call. */
    private static void run(Statement s, List<String> script) throws SQLException {
        if (!script.isEmpty()) {
            s.execute(String.join(";\n", script));
        }
    }

    private void publishSettings(List<String> script) {
        StringJoiner map = new StringJoiner(", ", "MAP {", "}");
        settings.forEach((k, v) -> map.add(literal(k) + ": " + literal(v)));
        script.add("SET VARIABLE bv_settings = " + map);
    }

    /**
     * Adds to {@code script} the statements that set DuckDB's search path and the visible schema list
     * ({@code bv_visible}) from a PostgreSQL search path.
     */
    private void applySearchPath(Statement s, List<String> script, String searchPath) throws SQLException {
        Map<String, String> visible = visibleSchemas(s, searchPath);
        script.add("SET VARIABLE bv_visible = " + list(List.copyOf(visible.keySet())));
        // An empty DuckDB path would mean DuckDB's default; PostgreSQL then finds no unqualified table at all, but
        // refusing every unqualified name is less useful than DuckDB's default, which is public anyway.
        script.add("SET search_path = " + literal(visible.values().stream().filter(Objects::nonNull)
                .collect(Collectors.joining(","))));
    }

    /**
     * The schemas a PostgreSQL search path makes visible, in order, with DuckDB's {@code catalog.schema} for each
     * (none for {@code pg_catalog}, always first); schemas that do not exist are skipped.
     */
    private Map<String, String> visibleSchemas(Statement s, String searchPath) throws SQLException {
        Map<String, String> existing = schemas(s);
        Map<String, String> visible = new LinkedHashMap<>();
        visible.put("pg_catalog", null);
        for (String schema : searchPathNames(searchPath == null ? "" : searchPath)) {
            String duck = existing.get(schema);
            if (duck != null && !visible.containsKey(schema)) {
                visible.put(schema, duck);
            }
        }
        return visible;
    }

    /** The PostgreSQL schema names of the catalog with DuckDB's {@code catalog.schema} for each. */
    private Map<String, String> schemas(Statement s) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (ResultSet rs = s.executeQuery("SELECT database_name, schema_name FROM duckdb_schemas() "
                + "WHERE database_name NOT IN ('system', 'temp') ORDER BY database_name = "
                + literal(defaultCatalog) + " DESC")) {
            while (rs.next()) {
                String db = rs.getString(1);
                String schema = rs.getString(2);
                String pgName = db.equals(defaultCatalog) ? (schema.equals("main") ? "public" : schema)
                        : schema.equals("main") ? db : null;
                if (pgName != null) {
                    out.putIfAbsent(pgName, SqlQuoting.identifier(db) + "." + SqlQuoting.identifier(schema));
                }
            }
        }
        return out;
    }

    /** The schema names of a {@code search_path} value such as {@code "$user", public}. */
    static List<String> searchPathNames(String searchPath) {
        List<String> names = new ArrayList<>();
        for (SqlToken t : SqlLexer.significantTokens(searchPath)) {
            if (t.isIdentifier() || t.kind() == SqlToken.Kind.STRING) {
                String name = t.value().strip();
                if (!name.isEmpty() && !name.equals("$user")) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    private static String defaultSetting(String name) {
        return switch (name) {
            case "server_version" -> "16.0";
            case "server_version_num" -> "160000";
            case "search_path" -> "\"$user\", public";
            default -> null;
        };
    }

    private static String single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** A literal; null is the empty string. */
    static String literal(String value) {
        return SqlQuoting.literal(Objects.requireNonNullElse(value, ""));
    }

    private static String list(List<String> values) {
        StringJoiner j = new StringJoiner(", ", "[", "]::VARCHAR[]");
        values.forEach(v -> j.add(literal(v)));
        return j.toString();
    }

    private static List<Definition> load() {
        try (InputStream in = DuckDbCatalog.class.getResourceAsStream("catalog.sql")) {
            if (in == null) {
                throw new IllegalStateException("catalog.sql is missing from the class path");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            List<Definition> statements = new ArrayList<>();
            Map<String, BitSet> byName = new HashMap<>();
            int previousEnd = 0;
            for (SqlStatement st : SqlLexer.split(text)) {
                List<SqlToken> tokens = SqlLexer.significantTokens(st.text());
                if (tokens.isEmpty()) {
                    continue;
                }
                // A line of the comments between the previous statement and this one may mark it.
                boolean onDemand = text.substring(previousEnd, st.offset()).lines()
                        .anyMatch(line -> line.strip().equals(ON_DEMAND));
                previousEnd = st.offset() + st.text().length();
                String name = createdName(tokens);
                BitSet needs = new BitSet();
                needs.set(statements.size());
                // Names of objects created before this statement; later ones it cannot use, as DuckDB binds each
                // object when it is created.
                for (String word : words(st.text())) {
                    BitSet used = byName.get(word);
                    if (used != null && !word.equals(name)) {
                        needs.or(used);
                    }
                }
                if (name != null) {
                    byName.computeIfAbsent(name, k -> new BitSet()).or(needs);
                }
                statements.add(new Definition(st.text(), name, onDemand, needs));
            }
            return List.copyOf(statements);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The name of the view or macro a statement creates, lower case; null for another statement. */
    private static String createdName(List<SqlToken> t) {
        for (int i = 0; i + 1 < t.size() && i < 6; i++) {
            if (t.get(i).isWord("view") || t.get(i).isWord("macro")) {
                return t.get(i + 1).value().toLowerCase(Locale.ROOT);
            }
        }
        return null;
    }

    /** The words of a text as {@link #needsObjects} reads them, lower case. */
    private static Set<String> words(String sql) {
        Set<String> words = new HashSet<>();
        forEachWord(sql, 1, Integer.MAX_VALUE, words::add);
        return words;
    }

    private static Map<String, BitSet> neededByName(List<Definition> statements) {
        Map<String, BitSet> byName = new HashMap<>();
        for (Definition d : statements) {
            if (d.name() != null) {
                byName.computeIfAbsent(d.name(), k -> new BitSet()).or(d.needs());
            }
        }
        return Map.copyOf(byName);
    }

    private static BitSet first(List<Definition> statements) {
        BitSet first = new BitSet();
        for (Definition d : statements) {
            if (!d.onDemand()) {
                first.or(d.needs());
            }
        }
        return first;
    }

    private static List<String> viewNames(List<Definition> statements) {
        List<String> names = new ArrayList<>();
        for (Definition d : statements) {
            List<SqlToken> t = SqlLexer.significantTokens(d.sql());
            for (int i = 0; i + 1 < t.size() && i < 6; i++) {
                if (t.get(i).isWord("view")) {
                    names.add(t.get(i + 1).value());
                    break;
                }
            }
        }
        return List.copyOf(names);
    }
}
