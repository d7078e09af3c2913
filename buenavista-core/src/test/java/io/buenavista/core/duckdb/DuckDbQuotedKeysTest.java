package io.buenavista.core.duckdb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * psql's {@code \d} of tables whose names need quoting (mixed case, a keyword, a space), with primary, unique and
 * foreign keys, golden-compared with PostgreSQL 15: the definitions quote as PostgreSQL's do.
 */
class DuckDbQuotedKeysTest {
    private static final String PG_SCHEMA = "bv_quoted_" + ProcessHandle.current().pid();
    private static final String DDL = "CREATE TABLE \"Par\"(\"Key\" integer PRIMARY KEY, \"select\" integer UNIQUE);"
            + "CREATE TABLE ch(\"My Col\" integer REFERENCES \"Par\"(\"Key\"), x integer REFERENCES \"Par\");"
            + "CREATE TABLE ch2(y integer REFERENCES \"Par\"(\"select\"));"
            + "CREATE INDEX \"Ix\" ON ch(\"My Col\", x)";

    @RegisterExtension
    static final PostgresTwin twin = new PostgresTwin(PG_SCHEMA, DDL, DDL);

    /** psql's output with headers and footers; it must succeed without a word on stderr. */
    private static String psql(int port, String searchPath, String command) throws Exception {
        Psql.Output out = Psql.psql(false, port, searchPath, command);
        assertEquals(0, out.exitCode(), out.toString());
        assertEquals("", out.stderr(), command);
        return out.stdout();
    }

    @Test
    void describeQuotesKeysAsPostgres() throws Exception {
        for (String command : List.of("\\d \"Par\"", "\\d ch", "\\d ch2")) {
            String duck = psql(twin.port(), null, command);
            assertEquals(psql(5432, PG_SCHEMA, command).replace(PG_SCHEMA, "public"), duck, command);
        }
        // regclass reads a name as PostgreSQL does: quoted parts exactly, unquoted ones folded
        String lookups = "select '\"Par\"'::regclass, 'CH'::regclass, 'S.\"Par\"'::regclass::text, "
                + "pg_get_indexdef('\"Ix\"'::regclass), pg_get_indexdef('S.\"Ix\"'::regclass)";
        assertEquals(psql(5432, PG_SCHEMA, lookups.replace("S.", PG_SCHEMA + ".")).replace(PG_SCHEMA, "public"),
                psql(twin.port(), null, lookups.replace("S.", "public.")));
        String par = psql(twin.port(), null, "\\d \"Par\"");
        assertTrue(par.contains("\"Par_select_key\" UNIQUE CONSTRAINT, btree (\"select\")"), par);
        assertTrue(par.contains("TABLE \"ch\" CONSTRAINT \"ch_My Col_fkey\" FOREIGN KEY (\"My Col\") "
                + "REFERENCES \"Par\"(\"Key\")"), par);
    }
}
