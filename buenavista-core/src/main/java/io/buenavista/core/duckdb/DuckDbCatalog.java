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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;
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
 * application traffic) open without that cost.
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

    private static final List<String> STATEMENTS = load();
    /** All of catalog.sql as one multi-statement text: DuckDB then runs it in one call. */
    private static final String SCRIPT = String.join(";\n", STATEMENTS);
    /** The views of catalog.sql, which pg_class does not list. */
    private static final List<String> VIEW_NAMES = viewNames(STATEMENTS);
    /** The names of all objects catalog.sql creates, lower case. */
    private static final Set<String> OBJECT_NAMES = objectNames(STATEMENTS);
    private static final int SHORTEST_NAME = OBJECT_NAMES.stream().mapToInt(String::length).min().orElse(1);
    private static final int LONGEST_NAME = OBJECT_NAMES.stream().mapToInt(String::length).max().orElse(1);

    private final DuckDBConnection conn;
    private final String defaultCatalog;
    private final String user;
    private final String database;
    /** Core settings by lower-case name. */
    private final Map<String, String> settings = new LinkedHashMap<>();
    private boolean objectsInstalled;

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
        if (objectsInstalled) {
            return false;
        }
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (!isNameChar(c)) {
                i++;
                continue;
            }
            int start = i;
            while (i < n && isNameChar(sql.charAt(i))) {
                i++;
            }
            int length = i - start;
            if (length >= SHORTEST_NAME && length <= LONGEST_NAME
                    && OBJECT_NAMES.contains(sql.substring(start, i).toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isNameChar(char c) {
        return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    boolean objectsInstalled() {
        return objectsInstalled;
    }

    /**
     * Creates the views and macros of catalog.sql in one DuckDB call. Inside a transaction block they belong to the
     * block: the session calls {@link #objectsRolledBack()} when it is rolled back.
     */
    void installObjects() {
        try (Statement s = conn.createStatement()) {
            String duckVersion;
            try (ResultSet rs = s.executeQuery("SELECT library_version FROM pragma_version()")) {
                rs.next();
                duckVersion = rs.getString(1);
            }
            String version = "PostgreSQL " + settings.get("server_version")
                    + " on x86_64-pc-linux-gnu, compiled by Buena Vista " + BUENA_VISTA_VERSION + ", DuckDB "
                    + duckVersion;
            List<String> script = new ArrayList<>();
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
            script.add(SCRIPT);
            run(s, script);
            objectsInstalled = true;
        } catch (SQLException e) {
            throw new PgException(SqlState.INTERNAL_ERROR, "could not install the catalog: " + e.getMessage(), e);
        }
    }

    /** The transaction block that created the objects was rolled back, and them with it. */
    void objectsRolledBack() {
        objectsInstalled = false;
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
            if (objectsInstalled) {
                publishSettings(script); // otherwise installObjects() publishes them
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

    private static List<String> load() {
        try (InputStream in = DuckDbCatalog.class.getResourceAsStream("catalog.sql")) {
            if (in == null) {
                throw new IllegalStateException("catalog.sql is missing from the class path");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            List<String> statements = new ArrayList<>();
            for (SqlStatement st : SqlLexer.split(text)) {
                if (!SqlLexer.significantTokens(st.text()).isEmpty()) {
                    statements.add(st.text());
                }
            }
            return List.copyOf(statements);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Set<String> objectNames(List<String> statements) {
        Set<String> names = new HashSet<>();
        for (String sql : statements) {
            List<SqlToken> t = SqlLexer.significantTokens(sql);
            for (int i = 0; i + 1 < t.size() && i < 6; i++) {
                if (t.get(i).isWord("view") || t.get(i).isWord("macro")) {
                    names.add(t.get(i + 1).value().toLowerCase(Locale.ROOT));
                    break;
                }
            }
        }
        return Set.copyOf(names);
    }

    private static List<String> viewNames(List<String> statements) {
        List<String> names = new ArrayList<>();
        for (String sql : statements) {
            List<SqlToken> t = SqlLexer.significantTokens(sql);
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
