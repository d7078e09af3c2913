package io.buenavista.core.duckdb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The catalog queries DBeaver's PostgreSQL plugin sends when it connects, lists databases, schemas, tables, views
 * and columns, opens a table's properties (columns, constraints, indexes) and reads a table's rows, replayed through
 * pgjdbc with its default settings (extended protocol, server-side prepared statements from the fifth use) against
 * a DuckDB server and against real PostgreSQL 15 on 127.0.0.1:5432 holding the same tables in a schema of its own
 * (dropped afterwards; its name is read as {@code public} when comparing).
 *
 * <p>The SQL texts are those of DBeaver CE 24.x–25.1 ({@code org.jkiss.dbeaver.ext.postgresql} model classes
 * {@code PostgreDataSource}, {@code PostgreDatabase}, {@code PostgreSchema}, {@code PostgreDataTypeCache},
 * {@code PostgreExecutionContext}, {@code PostgreTable}; copyright 2010-2024 sources, checked against the statement
 * sequence a DBeaver 25.1.5 session sends), in the variants DBeaver picks for a server reporting version 16 (as the
 * DuckDB server does): partition columns in the table query, {@code pg_get_constraintdef} for check constraints,
 * index sizes and scan counts, {@code typcategory} filter in the data type query. The keyword list is pgjdbc's own
 * {@code DatabaseMetaData.getSQLKeywords()} query, which DBeaver calls when it builds its SQL dialect.
 */
class DuckDbDBeaverQueriesTest {
    private static final String PG_URL = PostgresTwin.PG_URL;
    private static final String PG_SCHEMA = "bv_dbeaver_" + ProcessHandle.current().pid();

    private static final String PG_DDL = "CREATE TABLE t(id integer PRIMARY KEY, name text NOT NULL, "
            + "price numeric(10,2) CHECK (price > 0), flag boolean, data bytea, tags text[], ts timestamp, "
            + "code text UNIQUE);"
            + "CREATE INDEX t_name ON t(name);"
            + "CREATE TABLE u(k bigint, d date, f double precision, r real, s smallint);"
            + "CREATE TABLE w(k integer REFERENCES t(id));"
            + "CREATE VIEW v AS SELECT id, name FROM t;"
            + "INSERT INTO t VALUES (1, 'one', 1.50, true, '\\x0102', '{a,b}', '2024-01-02 03:04:05', 'c1'), "
            + "(2, 'two', NULL, false, NULL, NULL, NULL, NULL);"
            + "INSERT INTO u VALUES (10, '2024-02-29', 0.5, 0.25, 7)";
    private static final String DUCK_DDL = "CREATE TABLE t(id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
            + "price DECIMAL(10,2) CHECK (price > 0), flag BOOLEAN, data BLOB, tags VARCHAR[], ts TIMESTAMP, "
            + "code VARCHAR UNIQUE);"
            + "CREATE INDEX t_name ON t(name);"
            + "CREATE TABLE u(k BIGINT, d DATE, f DOUBLE, r FLOAT, s SMALLINT);"
            + "CREATE TABLE w(k INTEGER REFERENCES t(id));"
            + "CREATE VIEW v AS SELECT id, name FROM t;"
            + "INSERT INTO t VALUES (1, 'one', 1.50, true, '\\x01\\x02'::BLOB, ['a', 'b'], '2024-01-02 03:04:05', "
            + "'c1'), (2, 'two', NULL, false, NULL, NULL, NULL, NULL);"
            + "INSERT INTO u VALUES (10, '2024-02-29', 0.5, 0.25, 7)";

    // ---- DBeaver's statements ----

    /** PostgreDatabase.readDatabaseInfo. */
    static final String DATABASE = "SELECT db.oid,db.* FROM pg_catalog.pg_database db WHERE datname=?";
    /** PostgreDataSource.prepareReadDatabaseListStatement ("show all databases"). */
    static final String DATABASES = "SELECT db.oid,db.* FROM pg_catalog.pg_database db WHERE 1 = 1"
            + " AND datallowconn AND NOT datistemplate \nORDER BY db.datname";
    /** PostgreExecutionContext.refreshDefaults. */
    static final String CONTEXT = "SELECT current_schema(),session_user";
    static final String SEARCH_PATH = "SHOW search_path";
    static final String VERSION = "SELECT version()";
    /** PostgreDataSource.SettingCache lookup (standard_conforming_strings is preloaded). */
    static final String SETTING = "select * from pg_catalog.pg_settings where name=?";
    static final String SETTINGS = "select * from pg_catalog.pg_settings";
    /** PostgreDataSource.isSupportsEnumTable / PostgreServerPostgreSQL probes. */
    static final String ENUM_PROBE = "SELECT * FROM pg_catalog.pg_enum WHERE 1<>1 LIMIT 1";
    static final String RELTYPE_PROBE = "SELECT reltype FROM pg_catalog.pg_class WHERE 1<>1 LIMIT 1";
    static final String ENUMS = "SELECT * FROM pg_catalog.pg_enum";
    /** PostgreDatabase.SchemaCache, all schemas and one by name. */
    static final String SCHEMAS = "SELECT n.oid,n.*,d.description FROM pg_catalog.pg_namespace n\n"
            + "LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=n.oid AND d.objsubid=0"
            + " AND d.classoid='pg_namespace'::regclass\n ORDER BY nspname";
    static final String SCHEMA = "SELECT n.oid,n.*,d.description FROM pg_catalog.pg_namespace n\n"
            + "LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=n.oid AND d.objsubid=0"
            + " AND d.classoid='pg_namespace'::regclass\n WHERE nspname=? ORDER BY nspname";
    /** PostgreDatabase.cacheDataTypes (readAllTypes off, typcategory present). */
    static final String DATA_TYPES = "SELECT t.oid,t.*,c.relkind,format_type(nullif(t.typbasetype, 0), t.typtypmod)"
            + " as base_type_name, d.description\nFROM pg_catalog.pg_type t"
            + "\nLEFT OUTER JOIN pg_catalog.pg_type et ON et.oid=t.typelem "
            + "\nLEFT OUTER JOIN pg_catalog.pg_class c ON c.oid=t.typrelid"
            + "\nLEFT OUTER JOIN pg_catalog.pg_description d ON t.oid=d.objoid"
            + "\nWHERE t.typname IS NOT NULL"
            + "\nAND (c.relkind IS NULL OR c.relkind = 'c') AND (et.typcategory IS NULL OR et.typcategory <> 'C')";
    /** PostgreDatabase caches shown under the database node and in its properties. */
    static final String ROLES = "SELECT a.oid,a.*,pd.description FROM pg_catalog.pg_roles a "
            + "\nleft join pg_catalog.pg_shdescription pd on a.oid = pd.objoid\nORDER BY a.rolname";
    static final String ACCESS_METHODS = "SELECT am.oid,am.* FROM pg_catalog.pg_am am \nORDER BY am.oid";
    static final String ENCODINGS = "SELECT c.contoencoding as encid,pg_catalog.pg_encoding_to_char(c.contoencoding)"
            + " as encname\nFROM pg_catalog.pg_conversion c\nGROUP BY c.contoencoding\nORDER BY 2\n";
    static final String COLLATIONS = "SELECT c.oid,c.* FROM pg_catalog.pg_collation c \nORDER BY c.oid";
    static final String LANGUAGES = "SELECT l.oid,l.* FROM pg_catalog.pg_language l \nORDER BY l.oid";
    static final String TABLESPACES = "SELECT t.oid,t.*,pg_tablespace_location(t.oid) loc"
            + "\nFROM pg_catalog.pg_tablespace t \nORDER BY t.oid";
    static final String EXTENSIONS = "SELECT \n e.oid,\n cfg.tbls,\n  n.nspname as schema_name,\n e.* \nFROM \n"
            + " pg_catalog.pg_extension e \n join pg_namespace n on n.oid =e.extnamespace\n left join  (\n"
            + "         select\n            ARRAY_AGG(ns.nspname || '.' ||  cls.relname) tbls, oid_ext\n"
            + "          from\n            (\n            select\n"
            + "                unnest(e1.extconfig) oid , e1.oid oid_ext\n            from\n"
            + "                pg_catalog.pg_extension e1 ) c \n                join    pg_class cls on cls.oid = c.oid \n"
            + "                join pg_namespace ns on ns.oid = cls.relnamespace\n            group by oid_ext        \n"
            + "         ) cfg on cfg.oid_ext = e.oid\nORDER BY e.oid";
    static final String DATABASE_DESCRIPTION = "select description from pg_shdescription "
            + "join pg_database on objoid = pg_database.oid where datname = ?";
    static final String DATABASE_SIZE = "SELECT db.datname,pg_database_size(db.oid) FROM pg_catalog.pg_database db "
            + "WHERE db.oid=?";
    /** PostgreSchema.TableCache: all relations of a schema, and one by name. */
    static final String TABLES = "SELECT c.oid,c.*,d.description,pg_catalog.pg_get_expr(c.relpartbound, c.oid)"
            + " as partition_expr,  pg_catalog.pg_get_partkeydef(c.oid) as partition_key "
            + "\nFROM pg_catalog.pg_class c\n"
            + "LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0"
            + " AND d.classoid='pg_class'::regclass\n"
            + "WHERE c.relnamespace=? AND c.relkind not in ('i','I','c')";
    static final String TABLE = TABLES + " AND relname=?";
    /** PostgreSchema.TableCache children: the columns of one table, or of the whole schema. */
    static final String COLUMNS_PREFIX = "SELECT c.relname,a.*,pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true)"
            + " as def_value,dsc.description,dep.objid"
            + "\nFROM pg_catalog.pg_attribute a"
            + "\nINNER JOIN pg_catalog.pg_class c ON (a.attrelid=c.oid)"
            + "\nLEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid=ad.adrelid AND a.attnum = ad.adnum)"
            + "\nLEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)"
            + "\nLEFT OUTER JOIN pg_depend dep on dep.refobjid = a.attrelid AND dep.deptype = 'i' "
            + "and dep.refobjsubid = a.attnum and dep.classid = dep.refclassid"
            + "\nWHERE NOT a.attisdropped AND c.relkind not in ('i','I','c')";
    static final String TABLE_COLUMNS = COLUMNS_PREFIX + " AND c.oid=?\nORDER BY a.attnum";
    static final String SCHEMA_COLUMNS = COLUMNS_PREFIX + " AND c.relnamespace=?\nORDER BY a.attnum";
    /** PostgreSchema.ConstraintCache: one table's constraints, or the whole schema's. */
    static final String CONSTRAINTS_PREFIX = "SELECT c.oid,c.*,t.relname as tabrelname,rt.relnamespace as refnamespace,"
            + "d.description, case when c.contype='c' then \"substring\"(pg_get_constraintdef(c.oid), 7) else null"
            + " end consrc_copy"
            + "\nFROM pg_catalog.pg_constraint c"
            + "\nINNER JOIN pg_catalog.pg_class t ON t.oid=c.conrelid"
            + "\nLEFT OUTER JOIN pg_catalog.pg_class rt ON rt.oid=c.confrelid"
            + "\nLEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0"
            + " AND d.classoid='pg_constraint'::regclass"
            + "\nWHERE ";
    static final String TABLE_CONSTRAINTS = CONSTRAINTS_PREFIX + "c.conrelid=?\nORDER BY c.oid";
    static final String SCHEMA_CONSTRAINTS = CONSTRAINTS_PREFIX + "t.relnamespace=?\nORDER BY c.oid";
    /** PostgreSchema.IndexCache: one table's indexes, or the whole schema's. */
    static final String INDEXES_PREFIX = "SELECT i.*,i.indkey as keys,c.relname,c.relnamespace,c.relam,c.reltablespace,"
            + "tc.relname as tabrelname,dsc.description,pg_catalog.pg_get_expr(i.indpred, i.indrelid) as pred_expr,"
            + "pg_catalog.pg_get_expr(i.indexprs, i.indrelid, true) as expr,"
            + "pg_catalog.pg_relation_size(i.indexrelid) as index_rel_size,"
            + "pg_catalog.pg_stat_get_numscans(i.indexrelid) as index_num_scans"
            + "\nFROM pg_catalog.pg_index i"
            + "\nINNER JOIN pg_catalog.pg_class c ON c.oid=i.indexrelid"
            + "\nINNER JOIN pg_catalog.pg_class tc ON tc.oid=i.indrelid"
            + "\nLEFT OUTER JOIN pg_catalog.pg_description dsc ON i.indexrelid=dsc.objoid"
            + "\nWHERE ";
    static final String TABLE_INDEXES = INDEXES_PREFIX + " i.indrelid=? ORDER BY tabrelname, c.relname";
    static final String SCHEMA_INDEXES = INDEXES_PREFIX + " c.relnamespace=? ORDER BY tabrelname, c.relname";
    /** PostgreSchema.cacheTableInheritance, collectObjectStatistics; PostgreTable super tables, triggers, refs. */
    static final String INHERITANCE = "SELECT i.inhrelid relid, pc.relnamespace parent_ns, pc.oid parent_oid,"
            + " i.inhseqno\nFROM pg_catalog.pg_inherits i, pg_class rc, pg_class pc\n"
            + "WHERE rc.oid=i.inhrelid AND rc.relnamespace=? AND pc.oid=i.inhparent";
    static final String TABLE_SIZES = "select c.oid,pg_catalog.pg_total_relation_size(c.oid) as total_rel_size,"
            + "pg_catalog.pg_relation_size(c.oid) as rel_size\nFROM pg_class c\nWHERE c.relnamespace=?";
    static final String SUPER_TABLES = "SELECT i.*,c.relnamespace FROM pg_catalog.pg_inherits i,pg_catalog.pg_class c"
            + " WHERE i.inhrelid=? AND c.oid=i.inhparent ORDER BY i.inhseqno";
    static final String TRIGGERS = "SELECT x.oid,x.*,p.pronamespace as func_schema_id,d.description"
            + "\nFROM pg_catalog.pg_trigger x\nLEFT OUTER JOIN pg_catalog.pg_proc p ON p.oid=x.tgfoid"
            + "\nLEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=x.oid AND d.objsubid=0"
            + "\nWHERE x.tgrelid = ? AND NOT x.tgisinternal";
    static final String REFERENCES = "SELECT DISTINCT connamespace FROM pg_catalog.pg_constraint WHERE confrelid=?";
    static final String RULES = "SELECT r.oid,r.*, pg_get_ruledef(r.oid) AS definition FROM pg_rewrite r"
            + " WHERE r.ev_class=? AND r.rulename <> '_RETURN'::name";
    /** PostgreView.getObjectDefinitionText. */
    static final String VIEW_DEFINITION = "SELECT pg_get_viewdef(?, true)";
    static final String POLICIES = "select * from pg_catalog.pg_policies where schemaname=? and tablename=?";
    /** PostgreSchema.ProceduresCache (the Functions folder). */
    static final String PROCEDURES = "SELECT p.oid as poid,p.*,pg_catalog.pg_get_expr(p.proargdefaults, 0)"
            + " as arg_defaults,d.description\nFROM pg_catalog.pg_proc p\n"
            + "LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=p.oid and d.classoid='pg_proc'::regclass "
            + " AND d.objsubid = 0\nWHERE p.pronamespace=?\nORDER BY p.proname";
    /** The data editor: row count and rows. */
    static final String ROW_COUNT = "SELECT COUNT(*) FROM %s.t";
    static final String READ_T = "SELECT * FROM %s.t";
    static final String READ_U = "SELECT * FROM %s.u";

    @RegisterExtension
    static final PostgresTwin twin = new PostgresTwin(PG_SCHEMA, DUCK_DDL, PG_DDL);

    private static String duckUrl() {
        return twin.duckUrl();
    }

    /** One server as DBeaver sees it: its connection, the schema the tables are in, and their OIDs. */
    private record Target(String name, String schema, Connection connection) {}

    private static Target duck() throws SQLException {
        return new Target("duckdb", "public", dbeaverConnection(duckUrl()));
    }

    private static Target postgres() throws SQLException {
        return new Target("postgres", PG_SCHEMA, dbeaverConnection(PG_URL + "&currentSchema=" + PG_SCHEMA));
    }

    /** A connection set up as DBeaver sets up its own: client name, then the isolation level read. */
    private static Connection dbeaverConnection(String url) throws SQLException {
        Connection c = DriverManager.getConnection(url);
        c.setClientInfo("ApplicationName", "DBeaver 25.1.5 - Metadata <test>");
        c.getTransactionIsolation();
        return c;
    }

    /** Rows as column label (lower case) to text, the PostgreSQL schema name read as public. */
    private static List<Map<String, String>> query(Target target, String sql, Object... params) throws SQLException {
        return query(target, 1, sql, params);
    }

    /**
     * Runs the statement {@code times} times on one PreparedStatement, as DBeaver's caches do when a node is
     * refreshed (pgjdbc switches to a named server-side statement at the fifth execution), and returns the last
     * result.
     */
    private static List<Map<String, String>> query(Target target, int times, String sql, Object... params)
            throws SQLException {
        List<Map<String, String>> rows = new ArrayList<>();
        try (PreparedStatement ps = target.connection().prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                if (params[i] instanceof Long l) {
                    ps.setLong(i + 1, l);
                } else {
                    ps.setString(i + 1, (String) params[i]);
                }
            }
            for (int n = 0; n < times; n++) {
                rows.clear();
                try (ResultSet rs = ps.executeQuery()) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        Map<String, String> row = new LinkedHashMap<>();
                        for (int c = 1; c <= md.getColumnCount(); c++) {
                            String v = rs.getString(c);
                            row.putIfAbsent(md.getColumnLabel(c).toLowerCase(Locale.ROOT),
                                    v == null ? null : v.replace(PG_SCHEMA, "public"));
                        }
                        rows.add(row);
                    }
                }
            }
        }
        return rows;
    }

    private static List<String> project(List<Map<String, String>> rows, String... columns) {
        return rows.stream()
                .map(r -> java.util.Arrays.stream(columns).map(c -> c + "=" + r.get(c))
                        .collect(Collectors.joining("|")))
                .toList();
    }

    private static long schemaOid(Target target) throws SQLException {
        return Long.parseLong(query(target, SCHEMA, target.schema()).get(0).get("oid"));
    }

    private static Map<String, Long> relationOids(Target target) throws SQLException {
        return query(target, TABLES, schemaOid(target)).stream()
                .collect(Collectors.toMap(r -> r.get("relname"), r -> Long.parseLong(r.get("oid"))));
    }

    /** Every statement with the parameters DBeaver binds, for the given server. */
    private static Map<String, Object[]> statements(Target target) throws SQLException {
        long ns = schemaOid(target);
        Map<String, Long> rel = relationOids(target);
        long t = rel.get("t");
        long dbOid = Long.parseLong(query(target, DATABASE, "test").get(0).get("oid"));
        Map<String, Object[]> all = new LinkedHashMap<>();
        all.put(DATABASE, new Object[] {"test"});
        all.put(DATABASES, new Object[0]);
        all.put(CONTEXT, new Object[0]);
        all.put(SEARCH_PATH, new Object[0]);
        all.put(VERSION, new Object[0]);
        all.put(SETTING, new Object[] {"standard_conforming_strings"});
        all.put(SETTINGS, new Object[0]);
        all.put(ENUM_PROBE, new Object[0]);
        all.put(RELTYPE_PROBE, new Object[0]);
        all.put(ENUMS, new Object[0]);
        all.put(SCHEMAS, new Object[0]);
        all.put(SCHEMA, new Object[] {target.schema()});
        all.put(DATA_TYPES, new Object[0]);
        all.put(ROLES, new Object[0]);
        all.put(ACCESS_METHODS, new Object[0]);
        all.put(ENCODINGS, new Object[0]);
        all.put(COLLATIONS, new Object[0]);
        all.put(LANGUAGES, new Object[0]);
        all.put(TABLESPACES, new Object[0]);
        all.put(EXTENSIONS, new Object[0]);
        all.put(DATABASE_DESCRIPTION, new Object[] {"test"});
        all.put(DATABASE_SIZE, new Object[] {dbOid});
        all.put(TABLES, new Object[] {ns});
        all.put(TABLE, new Object[] {ns, "t"});
        all.put(TABLE_COLUMNS, new Object[] {t});
        all.put(SCHEMA_COLUMNS, new Object[] {ns});
        all.put(TABLE_CONSTRAINTS, new Object[] {t});
        all.put(SCHEMA_CONSTRAINTS, new Object[] {ns});
        all.put(TABLE_INDEXES, new Object[] {t});
        all.put(SCHEMA_INDEXES, new Object[] {ns});
        all.put(INHERITANCE, new Object[] {ns});
        all.put(TABLE_SIZES, new Object[] {ns});
        all.put(SUPER_TABLES, new Object[] {t});
        all.put(TRIGGERS, new Object[] {t});
        all.put(REFERENCES, new Object[] {t});
        all.put(RULES, new Object[] {rel.get("v")});
        all.put(VIEW_DEFINITION, new Object[] {rel.get("v")});
        all.put(POLICIES, new Object[] {target.schema(), "t"});
        all.put(ROW_COUNT.formatted(target.schema()), new Object[0]);
        all.put(READ_T.formatted(target.schema()), new Object[0]);
        all.put(READ_U.formatted(target.schema()), new Object[0]);
        return all;
    }

    /**
     * Every statement runs on both servers, six times on one PreparedStatement (crossing pgjdbc's switch to a named
     * server-side statement and to binary results), and has the same result columns on both servers.
     */
    @Test
    void everyStatementRunsOnBothServers() throws Exception {
        List<String> failures = new ArrayList<>();
        // By position: both servers get the same statements in the same order, with their own schema's name.
        Map<Integer, Map<String, List<String>>> labels = new LinkedHashMap<>();
        for (Function<Void, Target> open : List.<Function<Void, Target>>of(v -> open(true), v -> open(false))) {
            Target target = open.apply(null);
            try (Connection c = target.connection()) {
                int position = 0;
                for (Map.Entry<String, Object[]> e : statements(target).entrySet()) {
                    int statement = position++;
                    try {
                        query(target, 6, e.getKey(), e.getValue());
                        labels.computeIfAbsent(statement, k -> new LinkedHashMap<>())
                                .put(target.name(), columnLabels(target, e.getKey(), e.getValue()));
                        labels.get(statement).put("sql", List.of(e.getKey().replace("\n", " ")));
                    } catch (SQLException ex) {
                        failures.add(target.name() + ": " + ex.getMessage().lines().findFirst().orElse("")
                                + "\n    in: " + e.getKey().replace("\n", " "));
                        if (!c.getAutoCommit()) {
                            c.rollback();
                        }
                    }
                }
            }
        }
        labels.forEach((statement, byTarget) -> {
            if (byTarget.containsKey("duckdb") && byTarget.containsKey("postgres")
                    && !byTarget.get("duckdb").equals(byTarget.get("postgres"))) {
                failures.add("columns differ: duckdb " + byTarget.get("duckdb") + ", postgres "
                        + byTarget.get("postgres") + "\n    in: " + byTarget.get("sql"));
            }
        });
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    private static List<String> columnLabels(Target target, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = target.connection().prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData md = rs.getMetaData();
                List<String> names = new ArrayList<>();
                for (int c = 1; c <= md.getColumnCount(); c++) {
                    names.add(md.getColumnLabel(c));
                }
                return names;
            }
        }
    }

    /**
     * The Functions folder ({@code pg_proc.proargdefaults} and the other pg_proc columns) and pgjdbc's keyword query,
     * which DBeaver calls when it builds its dialect ({@code '{a,abs,…}'::text[]}, a PostgreSQL array literal).
     */
    @Test
    void functionsFolderAndKeywords() throws Exception {
        List<String> failures = new ArrayList<>();
        for (boolean isDuck : new boolean[] {false, true}) {
            Target target = open(isDuck);
            try (Connection c = target.connection()) {
                try {
                    query(target, 6, PROCEDURES, schemaOid(target));
                } catch (SQLException ex) {
                    failures.add(target.name() + ": " + ex.getMessage() + "\n    in: " + PROCEDURES);
                }
                try {
                    String keywords = c.getMetaData().getSQLKeywords();
                    assertTrue(keywords.contains("limit"), keywords);
                } catch (SQLException ex) {
                    failures.add(target.name() + ": getSQLKeywords: " + ex.getMessage().substring(0, 200));
                }
            }
            if (!isDuck) {
                assertTrue(failures.isEmpty(), String.join("\n", failures));
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    private static Target open(boolean duck) {
        try {
            return duck ? duck() : postgres();
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    /** Runs the statement on both servers and compares the chosen columns. */
    private static List<String> assertSame(String sql, Function<Target, Object[]> params, String... columns)
            throws Exception {
        List<List<String>> answers = new ArrayList<>();
        for (boolean isDuck : new boolean[] {true, false}) {
            Target target = open(isDuck);
            try (Connection c = target.connection()) {
                answers.add(project(query(target, sql, params.apply(target)), columns));
            }
        }
        assertEquals(answers.get(1), answers.get(0), sql);
        return answers.get(0);
    }

    private static Object[] unchecked(Target target, ThrowingParams p) {
        try {
            return p.get(target);
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    private interface ThrowingParams {
        Object[] get(Target target) throws SQLException;
    }

    @Test
    void publicQualifiedNamesReachDuckDbsMainSchema() {
        assertEquals("SELECT * FROM main.t", CatalogRewrites.rewrite("SELECT * FROM public.t"));
        assertEquals("SELECT main.t.id FROM main.\"T\"",
                CatalogRewrites.rewrite("SELECT public.t.id FROM \"public\".\"T\""));
        // Not a qualifier: a column or schema named public, a catalog-qualified name, text.
        for (String sql : List.of("SELECT public FROM t", "SET search_path = public", "SELECT x.public.t FROM x",
                "SELECT 'public.t' -- public.t")) {
            assertEquals(sql, CatalogRewrites.rewrite(sql));
        }
    }

    @Test
    void databaseLikePostgres() throws Exception {
        List<String> db = assertSame(DATABASE, t -> new Object[] {"test"}, "datname", "datistemplate",
                "datallowconn");
        assertEquals(List.of("datname=test|datistemplate=f|datallowconn=t"), db);
        Target d = duck();
        try (Connection c = d.connection()) {
            assertEquals(List.of("current_schema=public|session_user=postgres"),
                    project(query(d, CONTEXT), "current_schema", "session_user"));
            assertEquals(List.of("name=standard_conforming_strings|setting=on"),
                    project(query(d, SETTING, "standard_conforming_strings"), "name", "setting"));
            assertTrue(query(d, DATABASES).stream().anyMatch(r -> "test".equals(r.get("datname"))));
        }
    }

    @Test
    void schemaLikePostgres() throws Exception {
        assertSame(SCHEMA, t -> new Object[] {t.schema()}, "nspname", "nspowner", "description");
        Target d = duck();
        try (Connection c = d.connection()) {
            List<String> names = query(d, SCHEMAS).stream().map(r -> r.get("nspname")).toList();
            assertTrue(names.containsAll(List.of("information_schema", "pg_catalog", "public")), names.toString());
            assertEquals(names.stream().sorted().toList(), names, "ordered by name");
        }
    }

    @Test
    void tablesAndViewsLikePostgres() throws Exception {
        List<String> tables = assertSame(TABLES + " ORDER BY c.relname",
                t -> unchecked(t, x -> new Object[] {schemaOid(x)}),
                "relname", "relkind", "relnatts", "relhasindex", "relpersistence", "relispartition", "description");
        assertEquals(4, tables.size(), tables.toString());
        assertSame(TABLE, t -> unchecked(t, x -> new Object[] {schemaOid(x), "u"}), "relname", "relkind");
        // The view's query alone, which DBeaver shows after CREATE OR REPLACE VIEW … AS.
        Target d = duck();
        try (Connection c = d.connection()) {
            assertEquals(List.of("pg_get_viewdef=SELECT id, \"name\" FROM t;"),
                    project(query(d, VIEW_DEFINITION, relationOids(d).get("v")), "pg_get_viewdef"));
        }
    }

    @Test
    void columnsLikePostgres() throws Exception {
        // PostgreSQL also answers the system columns (attnum < 0), which DBeaver hides; DuckDB has none.
        for (String table : List.of("t", "u", "v")) {
            assertSame(TABLE_COLUMNS.replace("ORDER BY", "AND a.attnum > 0\nORDER BY"), t -> unchecked(t, x -> new Object[] {relationOids(x).get(table)}),
                    "relname", "attname", "attnum", "atttypid", "atttypmod", "attnotnull", "atthasdef", "def_value",
                    "attidentity", "attgenerated", "attisdropped", "description", "objid");
        }
    }

    @Test
    void dataTypesCoverTheColumnTypes() throws Exception {
        Target d = duck();
        try (Connection c = d.connection()) {
            Map<String, Map<String, String>> types = query(d, DATA_TYPES).stream()
                    .collect(Collectors.toMap(r -> r.get("oid"), r -> r, (a, b) -> a));
            for (Map<String, String> col : query(d, SCHEMA_COLUMNS, schemaOid(d))) {
                assertTrue(types.containsKey(col.get("atttypid")), col.toString());
            }
            assertEquals("int4", types.get("23").get("typname"));
            assertEquals("11", types.get("23").get("typnamespace"));
        }
    }

    /** Primary key, unique and check constraints (the check's text differs: PostgreSQL shows its casts). */
    @Test
    void constraintsLikePostgres() throws Exception {
        List<String> cons = assertSame(TABLE_CONSTRAINTS.replace("ORDER BY c.oid", "ORDER BY c.conname"),
                t -> unchecked(t, x -> new Object[] {relationOids(x).get("t")}),
                "conname", "contype", "tabrelname", "conkey", "confkey", "condeferrable", "condeferred",
                "convalidated", "refnamespace");
        assertEquals(List.of("t_code_key", "t_pkey", "t_price_check"),
                cons.stream().map(c -> c.substring("conname=".length(), c.indexOf('|'))).toList());
        assertSame(SCHEMA_CONSTRAINTS.replace("ORDER BY c.oid", "AND c.contype <> 'f' ORDER BY c.conname"),
                t -> unchecked(t, x -> new Object[] {schemaOid(x)}), "conname", "contype", "tabrelname", "conkey");
        Target d = duck();
        try (Connection c = d.connection()) {
            for (Map<String, String> r : query(d, TABLE_CONSTRAINTS, relationOids(d).get("t"))) {
                assertEquals("c".equals(r.get("contype")), r.get("consrc_copy") != null, r.toString());
            }
        }
    }

    /**
     * A foreign key as DBeaver reads it: the referenced table from {@code confrelid}, its columns from
     * {@code confkey}.
     */
    @Test
    void foreignKeysLikePostgres() throws Exception {
        Target d = duck();
        try (Connection c = d.connection()) {
            List<Map<String, String>> fk = query(d, TABLE_CONSTRAINTS, relationOids(d).get("w"));
            assertTrue(fk.size() == 1 && !"0".equals(fk.get(0).get("confrelid")), "foreign key: " + fk);
        }
        assertSame(TABLE_CONSTRAINTS, t -> unchecked(t, x -> new Object[] {relationOids(x).get("w")}),
                "conname", "contype", "tabrelname", "conkey", "confkey");
        // The referenced table's schema and the referencing constraints' schemas: the tables' own schema.
        for (boolean isDuck : new boolean[] {true, false}) {
            Target target = open(isDuck);
            try (Connection c = target.connection()) {
                String ns = Long.toString(schemaOid(target));
                assertEquals(List.of("refnamespace=" + ns), project(query(target, TABLE_CONSTRAINTS,
                        relationOids(target).get("w")), "refnamespace"), target.name());
                assertEquals(List.of("connamespace=" + ns), project(query(target, REFERENCES,
                        relationOids(target).get("t")), "connamespace"), target.name());
            }
        }
    }

    @Test
    void indexesLikePostgres() throws Exception {
        List<String> idx = assertSame(TABLE_INDEXES, t -> unchecked(t, x -> new Object[] {relationOids(x).get("t")}),
                "relname", "tabrelname", "indisunique", "indisprimary", "indnatts", "relam", "pred_expr", "expr");
        assertEquals(3, idx.size(), idx.toString());
        assertSame(SCHEMA_INDEXES, t -> unchecked(t, x -> new Object[] {schemaOid(x)}),
                "relname", "tabrelname", "indisprimary");
    }

    /**
     * The key columns DBeaver reads from {@code i.indkey} (an int2vector, {@code "1 2"}, in PostgreSQL; a list,
     * {@code {1,2}}, which DBeaver reads as a java.sql.Array, in the emulation).
     */
    @Test
    void indexKeyColumnsLikePostgres() throws Exception {
        List<List<String>> answers = new ArrayList<>();
        for (boolean isDuck : new boolean[] {true, false}) {
            Target target = open(isDuck);
            try (Connection c = target.connection()) {
                List<String> keys = new ArrayList<>();
                for (Map<String, String> r : query(target, TABLE_INDEXES, relationOids(target).get("t"))) {
                    String k = r.get("keys");
                    keys.add(r.get("relname") + "=" + (k == null ? null
                            : List.of(k.replaceAll("[{}]", "").trim().split("[ ,]+"))));
                }
                answers.add(keys);
            }
        }
        assertEquals(answers.get(1), answers.get(0));
    }

    @Test
    void dataLikePostgres() throws Exception {
        List<List<String>> answers = new ArrayList<>();
        for (boolean isDuck : new boolean[] {true, false}) {
            Target target = open(isDuck);
            try (Connection c = target.connection()) {
                List<String> out = new ArrayList<>();
                for (String sql : List.of(READ_T, READ_U)) {
                    // DBeaver reads with a fetch size and a row limit, in auto-commit and (manual mode) not.
                    for (boolean autoCommit : new boolean[] {true, false}) {
                        c.setAutoCommit(autoCommit);
                        try (Statement s = c.createStatement()) {
                            s.setFetchSize(1);
                            s.setMaxRows(200);
                            try (ResultSet rs = s.executeQuery(sql.formatted(target.schema()))) {
                                ResultSetMetaData md = rs.getMetaData();
                                while (rs.next()) {
                                    List<String> row = new ArrayList<>();
                                    for (int i = 1; i <= md.getColumnCount(); i++) {
                                        row.add(md.getColumnLabel(i) + ":" + md.getColumnTypeName(i) + "="
                                                + Objects.toString(rs.getObject(i) instanceof byte[] b
                                                        ? java.util.HexFormat.of().formatHex(b) : rs.getString(i)));
                                    }
                                    out.add(String.join(", ", row));
                                }
                            }
                        }
                        if (!autoCommit) {
                            c.commit();
                        }
                    }
                }
                answers.add(out);
            }
        }
        assertEquals(answers.get(1), answers.get(0));
    }
}
