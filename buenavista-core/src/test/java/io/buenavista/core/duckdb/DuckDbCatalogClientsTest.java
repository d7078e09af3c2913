package io.buenavista.core.duckdb;

import io.buenavista.core.duckdb.Psql.Output;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * psql meta-commands and pgjdbc's DatabaseMetaData against a DuckDB server. The psql outputs are golden-compared
 * with real PostgreSQL 15 on 127.0.0.1:5432 holding the same tables in a schema of their own (dropped afterwards),
 * whose name is replaced by {@code public} before comparing.
 */
class DuckDbCatalogClientsTest {
    private static final String PG_URL = PostgresTwin.PG_URL;
    private static final String PG_SCHEMA = "bv_catalog_" + ProcessHandle.current().pid();

    /** The same tables, in PostgreSQL's and DuckDB's spelling of the types. */
    private static final String PG_DDL = "CREATE TABLE t(id integer PRIMARY KEY, name text NOT NULL, "
            + "price numeric(10,2), flag boolean, data bytea, tags text[], ts timestamp);"
            + "CREATE INDEX t_name ON t(name);"
            + "CREATE TABLE u(k bigint, d date, f double precision, r real, s smallint);"
            + "CREATE VIEW v AS SELECT id, name FROM t;"
            + "CREATE TABLE p2(a integer, b text, c integer, PRIMARY KEY (b, a));"
            + "CREATE TABLE fk2(b text, a integer, FOREIGN KEY (b, a) REFERENCES p2(b, a));"
            + "CREATE TABLE tr(id integer PRIMARY KEY, t_id integer REFERENCES t(id))";
    private static final String DUCK_DDL = "CREATE TABLE t(id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
            + "price DECIMAL(10,2), flag BOOLEAN, data BLOB, tags VARCHAR[], ts TIMESTAMP);"
            + "CREATE INDEX t_name ON t(name);"
            + "CREATE TABLE u(k BIGINT, d DATE, f DOUBLE, r FLOAT, s SMALLINT);"
            + "CREATE VIEW v AS SELECT id, name FROM t;"
            + "CREATE TABLE p2(a INTEGER, b VARCHAR, c INTEGER, PRIMARY KEY (b, a));"
            + "CREATE TABLE fk2(b VARCHAR, a INTEGER, FOREIGN KEY (b, a) REFERENCES p2(b, a));"
            + "CREATE TABLE tr(id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t(id));"
            + "CREATE MACRO add_up(a, b) AS a + b;"
            + "CREATE MACRO label(n INTEGER, s VARCHAR) AS s || n;"
            + "CREATE MACRO numbers(n) AS TABLE SELECT * FROM range(n)";

    @RegisterExtension
    static final PostgresTwin twin = new PostgresTwin(PG_SCHEMA, DUCK_DDL, PG_DDL);

    private static String duckUrl() {
        return twin.duckUrl();
    }

    // ---- psql ----

    /** Runs the meta-command on both servers and compares, the PostgreSQL schema being named public. */
    private static String assertSameAsPostgres(String command) throws Exception {
        return assertSameAsPostgres(true, command);
    }

    private static String assertSameAsPostgres(boolean tuplesOnly, String command) throws Exception {
        Output duck = Psql.psql(tuplesOnly, twin.port(), null, command);
        assertEquals(0, duck.exitCode(), duck.toString());
        assertEquals("", duck.stderr(), duck.toString());
        Output pg = Psql.psql(tuplesOnly, 5432, PG_SCHEMA, command);
        assertEquals(0, pg.exitCode(), pg.toString());
        assertEquals(pg.stdout().replace(PG_SCHEMA, "public"), duck.stdout(), command);
        return duck.stdout();
    }

    @Test
    void listTablesLikePostgres() throws Exception {
        String out = assertSameAsPostgres("\\dt");
        assertEquals("public|fk2|table|postgres\npublic|p2|table|postgres\n"
                + "public|t|table|postgres\npublic|tr|table|postgres\npublic|u|table|postgres\n", out);
    }

    @Test
    void listRelationsLikePostgres() throws Exception {
        assertSameAsPostgres("\\d");
    }

    @Test
    void describeTableLikePostgres() throws Exception {
        String out = assertSameAsPostgres(false, "\\d t");
        assertTrue(out.contains("price|numeric(10,2)|||\n"), out);
        assertTrue(out.contains("\"t_pkey\" PRIMARY KEY, btree (id)"), out);
        assertSameAsPostgres("\\d u");
    }

    /** {@code \d+}: storage as PostgreSQL's types have it (plain, main for numeric, extended). */
    @Test
    void describeTableVerboseLikePostgres() throws Exception {
        String out = assertSameAsPostgres(false, "\\d+ u");
        assertTrue(out.contains("k|bigint||||plain|||\n"), out);
        out = assertSameAsPostgres(false, "\\d+ t");
        assertTrue(out.contains("price|numeric(10,2)||||main|||\n"), out);
    }

    /** psql's other meta-commands answer without an error (what they list is DuckDB's: no casts, operators...). */
    @Test
    void otherMetaCommandsAnswer() throws Exception {
        for (String command : List.of("\\dt+", "\\l+", "\\du", "\\dn+", "\\db", "\\dv", "\\di", "\\ds",
                "\\dT", "\\dp", "\\dm", "\\dD", "\\dc", "\\dC", "\\do", "\\dy", "\\dx", "\\dconfig")) {
            Output duck = Psql.psql(false, twin.port(), null, command);
            assertEquals(0, duck.exitCode(), command + ": " + duck);
            assertEquals("", duck.stderr(), command);
        }
        assertTrue(Psql.psql(twin.port(), null, "\\dt+").stdout().contains("public|t|table|postgres|permanent|heap||\n"));
        assertTrue(Psql.psql(twin.port(), null, "\\l+").stdout().startsWith("test|postgres|UTF8|C|C||libc|||pg_default|"));
        assertEquals("postgres||{}\n", Psql.psql(twin.port(), null, "\\du").stdout());
    }

    @Test
    void describeTableShowsForeignKeysLikePostgres() throws Exception {
        // psql asks for foreign keys (and triggers) only of a table with relhastriggers, as PostgreSQL's
        // foreign-key triggers make it for both ends
        String out = assertSameAsPostgres(false, "\\d t");
        assertTrue(out.contains("Referenced by:\n    TABLE \"tr\" CONSTRAINT \"tr_t_id_fkey\" FOREIGN KEY (t_id) "
                + "REFERENCES t(id)\n"), out);
        out = assertSameAsPostgres(false, "\\d tr");
        assertTrue(out.contains("Foreign-key constraints:\n    \"tr_t_id_fkey\" FOREIGN KEY (t_id) REFERENCES t(id)\n"),
                out);
        out = assertSameAsPostgres(false, "\\d fk2");
        assertTrue(out.contains("\"fk2_b_a_fkey\" FOREIGN KEY (b, a) REFERENCES p2(b, a)\n"), out);
        assertSameAsPostgres(false, "\\d p2");
        assertSameAsPostgres(false, "\\d u");
    }

    @Test
    void listSchemasShowsPublic() throws Exception {
        Output duck = Psql.psql(twin.port(), null, "\\dn");
        assertEquals("public|postgres\n", duck.stdout(), duck.toString());
    }

    @Test
    void listDatabasesShowsTheClientsDatabase() throws Exception {
        Output duck = Psql.psql(twin.port(), null, "\\l");
        assertEquals("test|postgres|UTF8|C|C||libc|\n", duck.stdout(), duck.toString());
    }

    @Test
    void conninfo() throws Exception {
        Output duck = Psql.psql(twin.port(), null, "\\conninfo");
        assertEquals("You are connected to database \"test\" as user \"postgres\" on host \"127.0.0.1\" at port \""
                + twin.port() + "\".\n", duck.stdout(), duck.toString());
    }

    @Test
    void catalogQueriesWithRewritesAnswerAsPostgres() throws Exception {
        // Each rewrite rule on the same schema in both databases: pg_catalog. prefixes, OPERATOR(), COLLATE,
        // ::regclass of a literal and of an OID, ::regtype, format_type.
        String sql = "SELECT c.relname, c.relkind, c.oid::pg_catalog.regclass::pg_catalog.text, "
                + "'t'::pg_catalog.regclass = c.oid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), "
                + "a.atttypid::pg_catalog.regtype::text, a.attnotnull "
                + "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid "
                + "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE c.relname OPERATOR(pg_catalog.~) '^(t|u)$' COLLATE pg_catalog.default "
                + "AND n.nspname = pg_catalog.current_schema() AND a.attnum > 0 "
                + "ORDER BY 1, a.attnum";
        Output duck = Psql.psql(twin.port(), null, sql);
        Output pg = Psql.psql(5432, PG_SCHEMA, sql);
        assertEquals(0, duck.exitCode(), duck.toString());
        assertEquals(pg.stdout(), duck.stdout());
    }

    // ---- pgjdbc DatabaseMetaData ----

    private static List<String> column(ResultSet rs, String... names) throws SQLException {
        List<String> out = new ArrayList<>();
        try (rs) {
            while (rs.next()) {
                StringBuilder sb = new StringBuilder();
                for (String n : names) {
                    sb.append(sb.length() == 0 ? "" : "|").append(rs.getString(n));
                }
                out.add(sb.toString());
            }
        }
        return out;
    }

    @Test
    void pgjdbcSchemasTablesAndColumns() throws Exception {
        try (Connection c = DriverManager.getConnection(duckUrl())) {
            DatabaseMetaData md = c.getMetaData();
            List<String> schemas = column(md.getSchemas(), "TABLE_SCHEM");
            assertTrue(schemas.containsAll(List.of("public", "pg_catalog", "information_schema")), schemas.toString());
            assertEquals(List.of("p2_pkey|INDEX", "t_name|INDEX", "t_pkey|INDEX", "tr_pkey|INDEX", "fk2|TABLE",
                    "p2|TABLE", "t|TABLE", "tr|TABLE", "u|TABLE", "v|VIEW"),
                    column(md.getTables(null, "public", "%", null), "TABLE_NAME", "TABLE_TYPE"));
            assertEquals(List.of("t|TABLE"), column(md.getTables(null, "public", "t", new String[] {"TABLE"}),
                    "TABLE_NAME", "TABLE_TYPE"));
            assertEquals(List.of("id|int4|4|NO", "name|text|12|NO", "price|numeric|2|YES", "flag|bool|-7|YES",
                    "data|bytea|-2|YES", "tags|_text|2003|YES", "ts|timestamp|93|YES"),
                    column(md.getColumns(null, "public", "t", "%"), "COLUMN_NAME", "TYPE_NAME", "DATA_TYPE",
                            "IS_NULLABLE"));
        }
    }

    @Test
    void pgjdbcAnswersAsForPostgres() throws Exception {
        
        List<List<String>> answers = new ArrayList<>();
        for (String[] target : new String[][] {{duckUrl(), "public"}, {PG_URL, PG_SCHEMA}}) {
            try (Connection c = DriverManager.getConnection(target[0])) {
                DatabaseMetaData md = c.getMetaData();
                List<String> answer = new ArrayList<>();
                answer.addAll(column(md.getTables(null, target[1], "%", null), "TABLE_NAME", "TABLE_TYPE"));
                answer.addAll(column(md.getColumns(null, target[1], "%", "%"), "TABLE_NAME", "COLUMN_NAME",
                        "DATA_TYPE", "TYPE_NAME", "COLUMN_SIZE", "DECIMAL_DIGITS", "NULLABLE", "ORDINAL_POSITION"));
                answers.add(answer);
            }
        }
        assertEquals(answers.get(1), answers.get(0));
    }

    /** Every row of a result set, its columns joined with |. */
    private static List<String> rows(ResultSet rs) throws SQLException {
        List<String> out = new ArrayList<>();
        try (rs) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder sb = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    sb.append(i == 1 ? "" : "|").append(rs.getString(i));
                }
                out.add(sb.toString());
            }
        }
        return out;
    }

    @Test
    void pgjdbcKeysIndexesAndPrivilegesAnswerAsForPostgres() throws Exception {
        
        List<List<String>> answers = new ArrayList<>();
        for (String[] target : new String[][] {{duckUrl(), "public"}, {PG_URL, PG_SCHEMA}}) {
            try (Connection c = DriverManager.getConnection(target[0])) {
                DatabaseMetaData md = c.getMetaData();
                String schema = target[1];
                List<String> answer = new ArrayList<>();
                for (String table : List.of("t", "u", "p2", "fk2", "tr")) {
                    answer.add("-- " + table);
                    answer.addAll(rows(md.getPrimaryKeys(null, schema, table)));
                    answer.addAll(rows(md.getIndexInfo(null, schema, table, false, false)));
                    answer.addAll(rows(md.getIndexInfo(null, schema, table, true, true)));
                    answer.addAll(rows(md.getImportedKeys(null, schema, table)));
                    answer.addAll(rows(md.getExportedKeys(null, schema, table)));
                    answer.addAll(rows(md.getBestRowIdentifier(null, schema, table,
                            DatabaseMetaData.bestRowSession, true)));
                    answer.addAll(rows(md.getTablePrivileges(null, schema, table)));
                    answer.addAll(rows(md.getColumnPrivileges(null, schema, table, "%")));
                }
                answer.addAll(rows(md.getCrossReference(null, schema, "p2", null, schema, "fk2")));
                answers.add(answer.stream().map(r -> r.replace(schema, "public")).toList());
            }
        }
        assertEquals(answers.get(1), answers.get(0));
        assertTrue(answers.get(0).contains("test|public|p2|b|1|p2_pkey"), answers.get(0).toString());
        assertTrue(answers.get(0).contains("test|public|p2|b|test|public|fk2|b|1|3|3|fk2_b_a_fkey|p2_pkey|7"),
                answers.get(0).toString());
    }

    @Test
    void pgjdbcTypeInfoAndFunctionsAnswer() throws Exception {
        try (Connection c = DriverManager.getConnection(duckUrl())) {
            DatabaseMetaData md = c.getMetaData();
            List<String> types = column(md.getTypeInfo(), "TYPE_NAME", "DATA_TYPE");
            assertTrue(types.containsAll(List.of("int4|4", "int8|-5", "text|12", "bool|-7", "_int4|2003")),
                    types.toString());
            assertEquals(List.of(), rows(md.getProcedures(null, "public", "%")));
            assertEquals(List.of("add_up|1", "label|1", "numbers|2"),
                    column(md.getFunctions(null, "public", "%"), "FUNCTION_NAME", "FUNCTION_TYPE"));
            // DuckDB knows a macro's parameter types only when bound: those it was not given are PostgreSQL's "any"
            assertEquals(List.of("add_up|returnValue|4|any", "add_up|a|1|any", "add_up|b|1|any",
                    "label|returnValue|4|any", "label|n|1|int4", "label|s|1|text", "numbers|returnValue|4|record",
                    "numbers|n|1|any"), column(md.getFunctionColumns(null, "public", "%", "%"), "FUNCTION_NAME",
                    "COLUMN_NAME", "COLUMN_TYPE", "TYPE_NAME"));
            assertEquals(List.of("add_up|returnValue|5|any", "add_up|a|1|any", "add_up|b|1|any"),
                    column(md.getProcedureColumns(null, "public", "add_up", "%"), "PROCEDURE_NAME", "COLUMN_NAME",
                            "COLUMN_TYPE", "TYPE_NAME"));
        }
    }

    @Test
    void describeFunctionsShowsPostgresTypeNames() throws Exception {
        Output duck = Psql.psql(twin.port(), null, "\\df");
        assertEquals("public|add_up|\"any\"|a \"any\", b \"any\"|func\n"
                + "public|label|\"any\"|n integer, s text|func\n"
                + "public|numbers|SETOF record|n \"any\"|func\n", duck.stdout(), duck.toString());
    }

    @Test
    void regCastsPrintNamesAsInPostgres() throws Exception {
        assertSameAsPostgres(false, "select 'int4'::regtype, 't'::regclass AS r, 'varchar'::pg_catalog.regtype, "
                + "'public'::regnamespace");
        String out = assertSameAsPostgres("select c.relname, c.oid::regclass, a.atttypid::regtype "
                + "from pg_class c join pg_attribute a on a.attrelid = c.oid "
                + "where c.oid = 't'::regclass and a.attnum > 0 order by a.attnum");
        assertTrue(out.startsWith("t|t|integer\nt|t|text\nt|t|numeric\n"), out);
        assertSameAsPostgres("select count(*) from pg_class where oid in ('t'::regclass, 'u'::regclass)");
    }

    /** The queries psql 15 sends for tab completion, {@code S} standing for the schema. */
    private static final List<String> COMPLETION_QUERIES = List.of(
            // SELECT * FROM t<Tab>
            "SELECT c.relname, NULL::pg_catalog.text FROM pg_catalog.pg_class c WHERE c.relkind IN ('r', 'S', 'v', "
                    + "'m', 'f', 'p') AND (c.relname) LIKE 't%' AND pg_catalog.pg_table_is_visible(c.oid) AND "
                    + "c.relnamespace <> (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'pg_catalog') "
                    + "UNION ALL SELECT NULL::pg_catalog.text, n.nspname FROM pg_catalog.pg_namespace n WHERE "
                    + "n.nspname LIKE 't%' AND n.nspname NOT LIKE E'pg\\\\_%' LIMIT 1000",
            // \d <Tab> (relations of every kind), sorted as psql sorts the candidates
            "SELECT c.relname, NULL::pg_catalog.text FROM pg_catalog.pg_class c WHERE c.relkind IN ('r', 'S', 'v', "
                    + "'m', 'f', 'p', 'i', 'I') AND (c.relname) LIKE '%' AND pg_catalog.pg_table_is_visible(c.oid) "
                    + "AND c.relnamespace <> (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'pg_catalog') "
                    + "ORDER BY 1 LIMIT 1000",
            // SELECT * FROM S.u<Tab>
            "SELECT c.relname, n.nspname FROM pg_catalog.pg_class c, pg_catalog.pg_namespace n WHERE "
                    + "c.relnamespace = n.oid AND c.relkind IN ('r', 'S', 'v', 'm', 'f', 'p') AND (c.relname) LIKE "
                    + "'u%' AND n.nspname = 'S' LIMIT 1000",
            // SELECT * FROM t WHERE p<Tab>
            "SELECT attname FROM pg_catalog.pg_attribute a, pg_catalog.pg_class c WHERE c.oid = a.attrelid AND "
                    + "a.attnum > 0 AND NOT a.attisdropped AND attname LIKE 'p%' AND (c.relname = 't' OR '\"' || "
                    + "c.relname || '\"' = 't') AND pg_catalog.pg_table_is_visible(c.oid) LIMIT 1000",
            // \dn pub<Tab>, SET search_path TO inf<Tab>
            "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname LIKE 'pub%' LIMIT 1000",
            "SELECT n.nspname FROM pg_catalog.pg_namespace n WHERE n.nspname LIKE 'inf%' AND n.nspname NOT LIKE "
                    + "E'pg\\\\_%' LIMIT 1000",
            // the psql 14 forms, with quote_ident and substring
            "SELECT pg_catalog.quote_ident(attname) FROM pg_catalog.pg_attribute a, pg_catalog.pg_class c WHERE "
                    + "c.oid = a.attrelid AND a.attnum > 0 AND NOT a.attisdropped AND "
                    + "substring(pg_catalog.quote_ident(attname),1,0)='' AND (pg_catalog.quote_ident(relname)='t' OR "
                    + "'\"' || relname || '\"'='t') AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY 1",
            "SELECT pg_catalog.quote_ident(c.relname) FROM pg_catalog.pg_class c WHERE c.relkind IN ('r', 'p') AND "
                    + "substring(pg_catalog.quote_ident(c.relname),1,1)='f' AND pg_catalog.pg_table_is_visible(c.oid) "
                    + "ORDER BY 1 LIMIT 1000",
            "SELECT pg_catalog.quote_ident('abc'), pg_catalog.quote_ident('Abc'), pg_catalog.quote_ident('select'), "
                    + "pg_catalog.quote_ident('name'), pg_catalog.quote_ident('a\"b'), pg_catalog.quote_ident('_x1$')");

    /** Compared as sets of lines: some of psql's completion queries have no ORDER BY (psql sorts what it gets). */
    @Test
    void psqlTabCompletionQueriesAnswerAsPostgres() throws Exception {
        for (String query : COMPLETION_QUERIES) {
            Output duck = Psql.psql(twin.port(), null, query.replace("'S'", "'public'"));
            assertEquals("", duck.stderr(), query);
            Output pg = Psql.psql(5432, PG_SCHEMA, query.replace("'S'", "'" + PG_SCHEMA + "'"));
            assertEquals(pg.stdout().replace(PG_SCHEMA, "public").lines().sorted().toList(),
                    duck.stdout().lines().sorted().toList(), query);
        }
    }

    @Test
    void pgjdbcSimpleModeArrayParametersRoundTripAsInPostgres() throws Exception {
        
        Object[][] values = {
                {"int4", new Integer[] {1, null, -3}}, {"int8", new Long[] {1L, 9_000_000_000L}},
                {"text", new String[] {"a,b", "q\"uote", "back\\slash", null, "NULL", "", " sp ", "it's", "{x}"}},
                {"float8", new Double[] {1.5, -2.0e10, null}}, {"bool", new Boolean[] {true, false, null}},
                {"date", new java.sql.Date[] {java.sql.Date.valueOf("2024-01-02")}}, {"int4", new Integer[] {}}};
        List<List<String>> answers = new ArrayList<>();
        for (String url : List.of(duckUrl(), PG_URL)) {
            List<String> answer = new ArrayList<>();
            try (Connection c = DriverManager.getConnection(url + "&preferQueryMode=simple")) {
                for (Object[] v : values) {
                    String type = (String) v[0];
                    try (java.sql.PreparedStatement ps = c.prepareStatement("select ?::" + type + "[]")) {
                        ps.setArray(1, c.createArrayOf(type, (Object[]) v[1]));
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            Object[] back = (Object[]) rs.getArray(1).getArray();
                            answer.add(type + " " + rs.getString(1) + " " + java.util.Arrays.toString(back));
                        }
                    }
                }
            }
            answers.add(answer);
        }
        assertEquals(answers.get(1), answers.get(0));
    }
}
