package io.buenavista.core.duckdb;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;
import io.buenavista.core.sql.SqlLexer;
import io.buenavista.core.sql.SqlToken;
import io.buenavista.core.sql.SqlToken.Kind;

import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a client may do to a DuckDB database that other sessions share: change its own session only, and learn
 * nothing of the server's files. Every DuckDB statement is checked here before DuckDB prepares it; a refusal is
 * {@code 42501}, which the session treats as any other error.
 *
 * <p>Two layers. DuckDB's own lock ({@code lock_configuration} with {@link #allowedConfigs()} left open, set by
 * {@link DuckDbHandler} when the database opens) catches every way of changing a setting, however it is written
 * ({@code SET}, {@code PRAGMA x = …}, {@code EXPLAIN ANALYZE SET …}, {@code CALL enable_logging()}). The check here,
 * on the statement's tokens (DuckDB's JDBC driver tells nothing about a statement before running it), refuses what
 * that lock does not cover and gives the common forms a clear message:
 * <ul>
 *   <li>{@code ATTACH}, {@code DETACH} and {@code USE} of another database: attached databases are shared by all
 *       sessions, and re-attaching a file would undo its read-only attachment;</li>
 *   <li>{@code SET}/{@code RESET} of a DuckDB setting not in {@link #SESSION_SETTINGS} (DuckDB's own
 *       {@code duckdb_settings().scope} is not a guide: most settings act on the whole database even without
 *       {@code GLOBAL}), {@code SET GLOBAL}/{@code RESET GLOBAL} of any, and {@code PRAGMA} other than the read-only
 *       ones of {@link #READ_PRAGMAS};</li>
 *   <li>{@code FORCE CHECKPOINT} (documented to abort other sessions' transactions), {@code CREATE SECRET} and
 *       {@code DROP SECRET} (secrets belong to the database), and calls of the functions of
 *       {@link #GLOBAL_FUNCTIONS};</li>
 *   <li>{@code INSTALL}, {@code LOAD}, {@code UPDATE EXTENSIONS}, {@code EXPORT}/{@code IMPORT DATABASE} and the
 *       functions that read files ({@link #FILE_FUNCTIONS}) unless file access is allowed: DuckDB, with external
 *       access off, still lets SQL read and write the paths it allows itself (the database files, the spill
 *       directory);</li>
 *   <li>{@code COPY} (what reaches DuckDB reads or writes a file: the core itself serves {@code COPY … TO STDOUT}) and
 *       a file named in place of a table ({@code FROM '/etc/passwd'}, DuckDB's replacement scan) unless file access
 *       is allowed;</li>
 *   <li>{@code CHECKPOINT} (and the {@code checkpoint()} table function) when the sessions share only read-only attachments
 *       ({@link DuckDbConfig#readOnlyAttachmentsOnly()}): there is nothing for a tenant to write out, and a
 *       checkpoint waits for every session's transactions;</li>
 *   <li>the functions that run SQL given as a value ({@link #DYNAMIC_SQL}: {@code query('…')} would hide any of
 *       these names in a string);</li>
 *   <li>lists and structs nested more than {@link #MAX_VALUE_NESTING} levels deep ({@code 54000}, see
 *       {@link #checkValueNesting}): DuckDB binds them in time that grows with about the cube of the depth and
 *       checks for no cancel meanwhile, so one such statement would hold a core for a minute whatever the
 *       client's {@code statement_timeout};</li>
 *   <li>the functions and views that show the server's file paths ({@link #PATH_NAMES}); the session's
 *       {@code pg_settings} and {@code current_setting} (catalog.sql) leave path-valued settings out, and naming
 *       DuckDB's own ones past that ({@code pg_catalog.pg_settings} is rewritten to the session's) is refused.</li>
 * </ul>
 * Statements come here one at a time: the core splits a query at its semicolons with the same lexical rules as
 * DuckDB's parser, which matters because DuckDB's JDBC driver runs every statement of a multi-statement text.
 */
final class DuckDbLockdown {

    /**
     * DuckDB settings a client may change, each checked to act on its own connection only (set on one connection,
     * unchanged on another and on a new one). Kept out on purpose although per session: {@code max_expression_depth}
     * (its guard protects the native stack), {@code enable_profiling} and the progress bar (they print on the
     * server's console), {@code errors_as_json} (error mapping reads DuckDB's text), the streaming buffer sizes
     * (memory per session).
     */
    static final List<String> SESSION_SETTINGS = List.of("Calendar", "integer_division", "ieee_floating_point_ops",
            "scalar_subquery_error_on_multiple_rows", "order_by_non_integer_literal", "explain_output",
            "max_execution_time", "regex_match_operator_semantics", "binary_as_string", "disable_timestamptz_casts",
            "pivot_limit", "late_materialization_max_rows", "operator_memory_limit");

    /** Per-session settings the handler itself changes on session connections. */
    static final List<String> SERVER_SETTINGS = List.of("TimeZone", "search_path", "jdbc_stream_results");

    private static final Set<String> SESSION_SETTING_KEYS = lowerCase(SESSION_SETTINGS);

    /** PRAGMAs that only read (DuckDB runs them as queries). */
    static final Set<String> READ_PRAGMAS = Set.of("table_info", "show_tables", "show_tables_expanded", "show",
            "storage_info", "version", "platform", "user_agent", "functions", "collations", "database_size",
            "metadata_info");

    /** Functions that change the database for every session, refused in any position. */
    static final Set<String> GLOBAL_FUNCTIONS = Set.of("force_checkpoint", "enable_logging", "disable_logging",
            "truncate_duckdb_logs", "register_external_resource", "register_external_resource_type",
            "create_external_resource", "destroy_external_resource", "deregister_external_resource",
            "import_database", "copy_database", "add_parquet_key");

    /**
     * Functions that read files. Without file access DuckDB still lets them read the paths it allows itself (the
     * database files, their WAL, the spill directory): raw pages of every session's data.
     */
    static final Set<String> FILE_FUNCTIONS = Set.of("read_blob", "read_text", "read_csv", "read_csv_auto",
            "read_json", "read_json_auto", "read_json_objects", "read_json_objects_auto", "read_ndjson",
            "read_ndjson_auto", "read_ndjson_objects", "read_parquet", "parquet_scan", "parquet_metadata",
            "parquet_schema", "parquet_file_metadata", "parquet_kv_metadata", "parquet_full_metadata",
            "parquet_bloom_probe", "glob", "sniff_csv", "read_duckdb", "read_single_csv_file",
            "read_single_json_file", "read_single_parquet_file");

    /** Functions and views whose rows or errors show the server's file paths. */
    static final Set<String> PATH_NAMES = Set.of("duckdb_databases", "duckdb_settings", "pragma_database_list",
            "database_list", "show_databases", "duckdb_temporary_files", "duckdb_extensions",
            "duckdb_extension_repositories", "duckdb_secrets", "which_secret", "duckdb_external_file_cache");

    /** Functions that run SQL given as a value, which no check of the statement's text can see into. */
    static final Set<String> DYNAMIC_SQL = Set.of("query", "query_table", "json_execute_serialized_sql");

    /**
     * The deepest nesting of list and struct values and types a statement may have. DuckDB binds nested lists in
     * time that grows with about the cube of the depth (measured in process: 300 nested {@code list_value} or
     * {@code [} 5–9 s, 990 nearly a minute; structs about half that), in a phase where neither a cancel nor the
     * timeout interrupts it. At 64 levels it takes tens of milliseconds; PostgreSQL allows arrays of 6
     * dimensions.
     */
    static final int MAX_VALUE_NESTING = 64;

    /** Calls and type names whose parentheses build a list, struct, map or union (one nesting level each). */
    private static final Set<String> VALUE_CONSTRUCTORS = Set.of("list_value", "list_pack", "array_value",
            "struct_pack", "row", "map", "union_value", "array", "list", "struct", "union");

    /** Names that are only the session's own (catalog.sql) when not qualified; DuckDB's own ones show paths. */
    private static final Set<String> UNQUALIFIED_ONLY = Set.of("pg_settings", "current_setting");

    private final boolean allowGlobalChanges;
    private final boolean allowFileAccess;
    private final boolean readOnlyAttachmentsOnly;
    private final String defaultCatalog;
    /** DuckDB's setting names, lower case: a name it does not know is DuckDB's to report (42704, as PostgreSQL). */
    private final Set<String> duckDbSettings;

    /**
     * @param defaultCatalog the database the sessions use ({@code USE} of it stays allowed)
     * @param duckDbSettings the names of DuckDB's settings ({@code duckdb_settings()})
     */
    DuckDbLockdown(DuckDbConfig config, String defaultCatalog, Set<String> duckDbSettings) {
        this.allowGlobalChanges = config.allowGlobalChanges();
        this.allowFileAccess = config.allowFileAccess();
        this.readOnlyAttachmentsOnly = config.readOnlyAttachmentsOnly();
        this.defaultCatalog = defaultCatalog;
        this.duckDbSettings = lowerCase(List.copyOf(duckDbSettings));
    }

    /** DuckDB's {@code allowed_configs}: the settings that stay changeable once the configuration is locked. */
    static List<String> allowedConfigs() {
        return java.util.stream.Stream.concat(SERVER_SETTINGS.stream(), SESSION_SETTINGS.stream()).toList();
    }

    /**
     * Refuses {@code sql} (one statement, as DuckDB will see it) when it would act beyond the session.
     *
     * @throws PgException {@code 42501}
     */
    void check(String sql) {
        List<SqlToken> tokens = SqlLexer.significantTokens(sql);
        checkValueNesting(tokens);
        checkNames(tokens);
        checkFileScans(tokens);
        int i = afterExplain(tokens);
        if (i >= tokens.size() || tokens.get(i).kind() != Kind.WORD) {
            return;
        }
        switch (tokens.get(i).keyword()) {
            case "ATTACH", "DETACH" -> global(tokens.get(i).keyword(), "attached databases are shared by all sessions");
            case "USE" -> use(tokens, i + 1);
            case "SET", "RESET" -> setting(tokens, i);
            case "PRAGMA" -> pragma(tokens, i + 1);
            case "FORCE" -> {
                if (isWord(tokens, i + 1, "CHECKPOINT")) {
                    global("FORCE CHECKPOINT", "it may abort other sessions' transactions");
                }
                if (isWord(tokens, i + 1, "INSTALL")) {
                    files("FORCE INSTALL");
                }
            }
            case "CREATE", "DROP" -> secret(tokens, i);
            case "INSTALL", "LOAD" -> files(tokens.get(i).keyword());
            case "COPY" -> files("COPY to or from a file");
            case "CHECKPOINT" -> {
                if (readOnlyAttachmentsOnly && !allowGlobalChanges) {
                    throw refused("CHECKPOINT", "the database's files are read-only and shared by all sessions");
                }
            }
            case "EXPORT", "IMPORT" -> {
                if (isWord(tokens, i + 1, "DATABASE")) {
                    files(tokens.get(i).keyword() + " DATABASE");
                }
            }
            case "UPDATE" -> {
                if (isWord(tokens, i + 1, "EXTENSIONS")) {
                    files("UPDATE EXTENSIONS");
                }
            }
            default -> { }
        }
    }

    /** The index of the statement an {@code EXPLAIN [ANALYZE] [(options)]} wraps, else 0. */
    private static int afterExplain(List<SqlToken> tokens) {
        int i = 0;
        while (isWord(tokens, i, "EXPLAIN")) {
            i++;
            if (isWord(tokens, i, "ANALYZE") || isWord(tokens, i, "ANALYSE")) {
                i++;
            }
            if (i < tokens.size() && tokens.get(i).kind() == Kind.LEFT_PAREN) {
                int depth = 0;
                for (; i < tokens.size(); i++) {
                    Kind k = tokens.get(i).kind();
                    depth += k == Kind.LEFT_PAREN ? 1 : k == Kind.RIGHT_PAREN ? -1 : 0;
                    if (depth == 0) {
                        i++;
                        break;
                    }
                }
            }
        }
        return i;
    }

    /**
     * Refuses lists and structs nested deeper than {@link #MAX_VALUE_NESTING}: each {@code [} and {@code &#123;}
     * is a level, and so are the parentheses of a call or type of {@link #VALUE_CONSTRUCTORS}; a subscript
     * ({@code a[1]}) counts while it is open, which only matters when subscripts nest.
     *
     * @throws PgException {@code 54000}, as PostgreSQL's refusal of an array of too many dimensions
     */
    static void checkValueNesting(List<SqlToken> tokens) {
        // One bit per open bracket: whether it is a level. A bit set keeps it flat for any depth of parentheses.
        BitSet counted = new BitSet();
        int open = 0;
        int depth = 0;
        for (int i = 0; i < tokens.size(); i++) {
            SqlToken t = tokens.get(i);
            if (t.kind() == Kind.RIGHT_PAREN || t.isPunctuation("]") || t.isPunctuation("}")) {
                if (open > 0 && counted.get(--open)) {
                    depth--;
                }
                continue;
            }
            boolean level;
            if (t.kind() == Kind.LEFT_PAREN) {
                SqlToken before = i > 0 ? tokens.get(i - 1) : null;
                level = before != null && before.kind() == Kind.WORD
                        && VALUE_CONSTRUCTORS.contains(before.value().toLowerCase(Locale.ROOT));
            } else if (t.isPunctuation("[") || t.isPunctuation("{")) {
                level = true;
            } else {
                continue;
            }
            counted.set(open++, level);
            if (level && ++depth > MAX_VALUE_NESTING) {
                throw new PgException(SqlState.PROGRAM_LIMIT_EXCEEDED, "lists and structs nested more than "
                        + MAX_VALUE_NESTING + " levels deep are not supported");
            }
        }
    }

    /** Functions that act globally, read files, and names that show paths, wherever they appear. */
    private void checkNames(List<SqlToken> tokens) {
        for (int i = 0; i < tokens.size(); i++) {
            SqlToken t = tokens.get(i);
            if (!t.isIdentifier()) {
                continue;
            }
            String name = t.value().toLowerCase(Locale.ROOT);
            boolean called = i + 1 < tokens.size() && tokens.get(i + 1).kind() == Kind.LEFT_PAREN;
            if (called && GLOBAL_FUNCTIONS.contains(name) && !allowGlobalChanges) {
                throw refused(name + "()", "it changes the database for every session");
            }
            if (called && FILE_FUNCTIONS.contains(name) && !allowFileAccess) {
                throw refused(name + "()", "the server does not allow file access");
            }
            if (called && name.equals("checkpoint") && readOnlyAttachmentsOnly && !allowGlobalChanges) {
                throw refused("checkpoint()", "the database's files are read-only and shared by all sessions");
            }
            if (called && DYNAMIC_SQL.contains(name)) {
                throw refused(name + "()", "it runs SQL text the server cannot check");
            }
            if (PATH_NAMES.contains(name)) {
                throw refused(name, "it shows the server's files");
            }
            if (i > 0 && tokens.get(i - 1).text().equals(".") && UNQUALIFIED_ONLY.contains(name)) {
                throw refused("qualified " + name, "DuckDB's own shows the server's files; write " + name
                        + " unqualified");
            }
        }
    }

    /** Words after which a parenthesis opens a subquery or a list, not a function's arguments. */
    private static final Set<String> NOT_CALLS = Set.of("FROM", "JOIN", "SELECT", "IN", "EXISTS", "AS", "ON",
            "AND", "OR", "NOT", "WHERE", "UNION", "EXCEPT", "INTERSECT", "ALL", "ANY", "SOME", "LATERAL", "WITH",
            "USING", "HAVING", "BY", "THEN", "ELSE", "WHEN", "RETURNING", "VALUES", "INTO", "TABLE", "EXPLAIN",
            "ANALYZE", "MATERIALIZED");

    /** Words that end a FROM list at their parenthesis level. */
    private static final Set<String> FROM_LIST_ENDS = Set.of("WHERE", "GROUP", "HAVING", "ORDER", "LIMIT",
            "OFFSET", "QUALIFY", "WINDOW", "UNION", "EXCEPT", "INTERSECT", "ON", "USING", "SELECT", "RETURNING",
            "SET", "FETCH", "FOR");

    /**
     * A string where a table belongs ({@code FROM 'file.csv'}, {@code JOIN '…'}, {@code FROM t, '…'}): DuckDB reads
     * it as a file. Strings inside a function's arguments ({@code EXTRACT(year FROM '2020-01-01')},
     * {@code substring('abc' FROM 2)}) are values.
     */
    private void checkFileScans(List<SqlToken> tokens) {
        if (allowFileAccess) {
            return;
        }
        java.util.ArrayDeque<boolean[]> levels = new java.util.ArrayDeque<>(); // {in a call, in a FROM list}
        levels.push(new boolean[] {false, false});
        for (int i = 0; i < tokens.size(); i++) {
            SqlToken t = tokens.get(i);
            boolean[] level = levels.peek();
            switch (t.kind()) {
                case LEFT_PAREN -> {
                    SqlToken before = i > 0 ? tokens.get(i - 1) : null;
                    boolean call = before != null && before.isIdentifier()
                            && !(before.kind() == Kind.WORD && NOT_CALLS.contains(before.keyword()));
                    levels.push(new boolean[] {call, false});
                }
                case RIGHT_PAREN -> {
                    if (levels.size() > 1) {
                        levels.pop();
                    }
                }
                case WORD -> {
                    if (!level[0] && (t.isWord("FROM") || t.isWord("JOIN"))) {
                        level[1] = true;
                    } else if (!level[0] && FROM_LIST_ENDS.contains(t.keyword())) {
                        level[1] = false;
                    }
                }
                case STRING, DOLLAR_STRING -> {
                    SqlToken before = i > 0 ? tokens.get(i - 1) : null;
                    if (!level[0] && before != null && (before.isWord("FROM") || before.isWord("JOIN")
                            || before.text().equals(",") && level[1])) {
                        throw refused("reading the file " + t.text(), "the server does not allow file access");
                    }
                }
                default -> { }
            }
        }
    }

    private void use(List<SqlToken> tokens, int i) {
        if (allowGlobalChanges || i < tokens.size() && tokens.get(i).isIdentifier()
                && tokens.get(i).value().equalsIgnoreCase(defaultCatalog)) {
            return;
        }
        throw refused("USE of another database", "attached databases are shared by all sessions");
    }

    /** {@code SET|RESET [GLOBAL|SESSION|LOCAL] [VARIABLE] name …}. */
    private void setting(List<SqlToken> tokens, int i) {
        String verb = tokens.get(i).keyword();
        i++;
        String scope = "";
        if (isWord(tokens, i, "GLOBAL") || isWord(tokens, i, "SESSION") || isWord(tokens, i, "LOCAL")) {
            scope = tokens.get(i).keyword();
            i++;
        }
        if (isWord(tokens, i, "VARIABLE")) {
            return; // DuckDB's variables belong to the connection
        }
        if (allowGlobalChanges) {
            return;
        }
        if (scope.equals("GLOBAL")) {
            throw refused(verb + " GLOBAL", "a client may change only its own session");
        }
        if (i < tokens.size() && tokens.get(i).isIdentifier()) {
            String name = tokens.get(i).value();
            String key = name.toLowerCase(Locale.ROOT);
            if (!duckDbSettings.contains(key)) {
                // DuckDB's lock would call it locked; PostgreSQL's answer for a name it does not know:
                throw new PgException(SqlState.UNDEFINED_OBJECT, "unrecognized configuration parameter \"" + name
                        + "\"");
            }
            if (!SESSION_SETTING_KEYS.contains(key)) {
                throw settingRefused(name);
            }
        }
    }

    /** {@code PRAGMA name [= value | (arguments)]}. */
    private void pragma(List<SqlToken> tokens, int i) {
        if (allowGlobalChanges || i >= tokens.size() || !tokens.get(i).isIdentifier()) {
            return; // DuckDB reports what is malformed
        }
        String name = tokens.get(i).value().toLowerCase(Locale.ROOT);
        boolean assignment = i + 1 < tokens.size() && tokens.get(i + 1).text().equals("=");
        if (assignment) {
            throw refused("PRAGMA " + name + " = …", "use SET for the settings a session may change");
        }
        if (!READ_PRAGMAS.contains(name)) {
            throw refused("PRAGMA " + name, "it may change the database for every session");
        }
    }

    /** {@code CREATE [OR REPLACE] [PERSISTENT|TEMPORARY|TEMP] SECRET} and {@code DROP … SECRET}. */
    private void secret(List<SqlToken> tokens, int i) {
        int j = i + 1;
        if (isWord(tokens, j, "OR") && isWord(tokens, j + 1, "REPLACE")) {
            j += 2;
        }
        if (isWord(tokens, j, "PERSISTENT") || isWord(tokens, j, "TEMPORARY") || isWord(tokens, j, "TEMP")) {
            j++;
        }
        if (isWord(tokens, j, "SECRET")) {
            global(tokens.get(i).keyword() + " SECRET", "secrets belong to the whole database");
        }
    }

    private void global(String what, String why) {
        if (!allowGlobalChanges) {
            throw refused(what, why);
        }
    }

    private void files(String what) {
        if (!allowFileAccess) {
            throw refused(what, "the server does not allow file access");
        }
    }

    private static boolean isWord(List<SqlToken> tokens, int i, String word) {
        return i < tokens.size() && tokens.get(i).isWord(word);
    }

    static PgException settingRefused(String name) {
        return refused("changing \"" + name + "\"", "it is not a setting a session may change on this server");
    }

    private static PgException refused(String what, String why) {
        return new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied: " + what + " (" + why + ")");
    }

    private static Set<String> lowerCase(List<String> names) {
        return names.stream().map(n -> n.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }
}
