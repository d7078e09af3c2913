package io.buenavista.core.duckdb;

import io.buenavista.core.server.BuenaVistaServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * psql meta-commands and pgjdbc's DatabaseMetaData against a DuckDB server. The psql outputs are golden-compared
 * with real PostgreSQL 15 on 127.0.0.1:5432 holding the same tables in a schema of their own (dropped afterwards),
 * whose name is replaced by {@code public} before comparing.
 */
class DuckDbCatalogClientsTest {
    private static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&sslmode=disable";
    private static final String PG_SCHEMA = "bv_catalog_" + ProcessHandle.current().pid();

    /** The same tables, in PostgreSQL's and DuckDB's spelling of the types. */
    private static final String PG_DDL = "CREATE TABLE t(id integer PRIMARY KEY, name text NOT NULL, "
            + "price numeric(10,2), flag boolean, data bytea, tags text[], ts timestamp);"
            + "CREATE INDEX t_name ON t(name);"
            + "CREATE TABLE u(k bigint, d date, f double precision, r real, s smallint);"
            + "CREATE VIEW v AS SELECT id, name FROM t";
    private static final String DUCK_DDL = "CREATE TABLE t(id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
            + "price DECIMAL(10,2), flag BOOLEAN, data BLOB, tags VARCHAR[], ts TIMESTAMP);"
            + "CREATE INDEX t_name ON t(name);"
            + "CREATE TABLE u(k BIGINT, d DATE, f DOUBLE, r FLOAT, s SMALLINT);"
            + "CREATE VIEW v AS SELECT id, name FROM t";

    private static DuckDbHandler handler;
    private static BuenaVistaServer server;
    private static boolean postgresReady;

    @BeforeAll
    static void start() throws Exception {
        handler = new DuckDbHandler(DuckDbConfig.inMemory());
        server = BuenaVistaServer.builder().port(0).discoverProviders(false).handler(handler).build().start();
        try (Connection c = DriverManager.getConnection(duckUrl()); Statement s = c.createStatement()) {
            for (String sql : DUCK_DDL.split(";")) {
                s.execute(sql);
            }
        }
        try (Connection c = DriverManager.getConnection(PG_URL); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + PG_SCHEMA);
            s.execute("SET search_path = " + PG_SCHEMA);
            for (String sql : PG_DDL.split(";")) {
                s.execute(sql);
            }
            postgresReady = true;
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (postgresReady) {
            try (Connection c = DriverManager.getConnection(PG_URL); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA " + PG_SCHEMA + " CASCADE");
            }
        }
        if (server != null) {
            server.close();
        }
        if (handler != null) {
            handler.close();
        }
    }

    private static String duckUrl() {
        return "jdbc:postgresql://127.0.0.1:" + server.port() + "/test?user=postgres&sslmode=disable";
    }

    // ---- psql ----

    private record Output(int exitCode, String stdout, String stderr) {}

    private static Output psql(int port, String searchPath, String... commands) throws Exception {
        return psql(true, port, searchPath, commands);
    }

    /** psql, unaligned, tuples only unless {@code tuplesOnly} is false (then footers such as indexes show). */
    private static Output psql(boolean tuplesOnly, int port, String searchPath, String... commands)
            throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/psql")), "psql is not installed");
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/psql", "-h", "127.0.0.1", "-p", Integer.toString(port),
                "-U", "postgres", "-d", "test", "-X", "-w", "-q", "-A"));
        if (tuplesOnly) {
            cmd.add("-t");
        }
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("PG"));
        env.put("PGCONNECT_TIMEOUT", "10");
        if (searchPath != null) {
            env.put("PGOPTIONS", "-c search_path=" + searchPath);
        }
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Path out = Files.createTempFile("psql", ".out");
        Path err = Files.createTempFile("psql", ".err");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("psql did not finish");
            }
            return new Output(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.delete(out);
            Files.delete(err);
        }
    }

    /** Runs the meta-command on both servers and compares, the PostgreSQL schema being named public. */
    private static String assertSameAsPostgres(String command) throws Exception {
        return assertSameAsPostgres(true, command);
    }

    private static String assertSameAsPostgres(boolean tuplesOnly, String command) throws Exception {
        Output duck = psql(tuplesOnly, server.port(), null, command);
        assertEquals(0, duck.exitCode(), duck.toString());
        assertEquals("", duck.stderr(), duck.toString());
        Output pg = psql(tuplesOnly, 5432, PG_SCHEMA, command);
        assertEquals(0, pg.exitCode(), pg.toString());
        assertEquals(pg.stdout().replace(PG_SCHEMA, "public"), duck.stdout(), command);
        return duck.stdout();
    }

    @Test
    void listTablesLikePostgres() throws Exception {
        String out = assertSameAsPostgres("\\dt");
        assertEquals("public|t|table|postgres\npublic|u|table|postgres\n", out);
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

    @Test
    void listSchemasShowsPublic() throws Exception {
        Output duck = psql(server.port(), null, "\\dn");
        assertEquals("public|postgres\n", duck.stdout(), duck.toString());
    }

    @Test
    void listDatabasesShowsTheClientsDatabase() throws Exception {
        Output duck = psql(server.port(), null, "\\l");
        assertEquals("test|postgres|UTF8|C|C||libc|\n", duck.stdout(), duck.toString());
    }

    @Test
    void conninfo() throws Exception {
        Output duck = psql(server.port(), null, "\\conninfo");
        assertEquals("You are connected to database \"test\" as user \"postgres\" on host \"127.0.0.1\" at port \""
                + server.port() + "\".\n", duck.stdout(), duck.toString());
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
        Output duck = psql(server.port(), null, sql);
        Output pg = psql(5432, PG_SCHEMA, sql);
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
            assertEquals(List.of("t_name|INDEX", "t_pkey|INDEX", "t|TABLE", "u|TABLE", "v|VIEW"),
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
        assumeTrue(postgresReady);
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
}
