package io.buenavista.core.duckdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The rules of {@link DuckDbLockdown} on statement texts: what is refused, and (as important) the ordinary
 * statements that merely look alike and must pass. DuckDB's real setting names come from DuckDB itself.
 */
class DuckDbLockdownRulesTest {
    private static final Set<String> SETTINGS = duckDbSettings();

    private static Set<String> duckDbSettings() {
        Set<String> names = new HashSet<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT name FROM duckdb_settings()")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
        return names;
    }

    private final DuckDbLockdown locked = new DuckDbLockdown(DuckDbConfig.inMemory(), "memory", SETTINGS);
    private final DuckDbLockdown open = new DuckDbLockdown(
            DuckDbConfig.inMemory().withAllowGlobalChanges(true).withAllowFileAccess(true), "memory", SETTINGS);

    @Test
    void ordinaryStatementsThatLookAlikePass() {
        for (String sql : List.of("SELECT checkpoint, \"attach\", use FROM t", "SELECT t.read_blob FROM t",
                "PRAGMA table_info('t')", "pragma show_tables", "CALL pragma_table_info('t')",
                "SET VARIABLE x = 1", "SET integer_division = true", "SET LOCAL Calendar = 'japanese'",
                "RESET integer_division", "USE memory", "USE memory.main", "USE \"memory\"", "CHECKPOINT",
                "EXPLAIN SELECT 1", "EXPLAIN ANALYZE SELECT 1", "SELECT current_setting('threads')",
                "SELECT * FROM pg_settings", "SELECT 'duckdb_settings()' AS text", "-- duckdb_databases()\nSELECT 1",
                "CREATE TABLE secret(x INTEGER)", "DROP TABLE secret", "UPDATE t SET x = 1",
                "SELECT * FROM range(3)")) {
            locked.check(sql);
        }
    }

    @Test
    void whatActsOnEverySessionIsRefused() {
        for (String sql : List.of("ATTACH 'x.db' AS x", "attach or replace 'x.db' as x", "DETACH x",
                "USE other", "USE other.main", "SET threads = 4", "SET threads TO 4", "set \"Threads\" = 4",
                "SET SESSION memory_limit = '1GB'", "SET GLOBAL Calendar = 'japanese'", "RESET threads",
                "RESET GLOBAL integer_division", "PRAGMA threads = 4", "PRAGMA enable_profiling",
                "PRAGMA database_list", "EXPLAIN ANALYZE SET threads = 4", "EXPLAIN (FORMAT json) DETACH x",
                "EXPLAIN EXPLAIN ANALYZE RESET memory_limit", "FORCE CHECKPOINT", "SELECT * FROM force_checkpoint()",
                "CALL enable_logging()", "CREATE SECRET s (TYPE s3)", "CREATE OR REPLACE TEMPORARY SECRET s (TYPE s3)",
                "DROP PERSISTENT SECRET s", "INSTALL httpfs", "FORCE INSTALL httpfs", "LOAD httpfs",
                "UPDATE EXTENSIONS", "EXPORT DATABASE 'd'", "SELECT * FROM read_blob('f')", "FROM glob('*')",
                "SELECT 'f'.read_text()", "SELECT * FROM duckdb_databases()", "SELECT * FROM DuckDB_Settings",
                "SELECT * FROM \"duckdb_databases\"", "SELECT main.current_setting('temp_directory')",
                "SELECT * FROM system.pg_catalog.pg_settings", "FROM query('SELECT 1')", "FROM query_table('t')",
                "SELECT * FROM json_execute_serialized_sql('{}')")) {
            PgException e = assertThrows(PgException.class, () -> locked.check(sql), sql);
            assertEquals(SqlState.INSUFFICIENT_PRIVILEGE, e.sqlState(), sql);
        }
    }

    @Test
    void anUnknownSettingIsUndefinedAsInPostgres() {
        PgException e = assertThrows(PgException.class, () -> locked.check("SET no_such_setting = 1"));
        assertEquals(SqlState.UNDEFINED_OBJECT, e.sqlState());
        assertEquals("unrecognized configuration parameter \"no_such_setting\"", e.getMessage());
    }

    @Test
    void aServerThatAllowsItLetsGlobalChangesAndFilesThroughButNeverPaths() {
        for (String sql : List.of("ATTACH 'x.db' AS x", "DETACH x", "USE other", "SET threads = 4",
                "SET GLOBAL memory_limit = '1GB'", "PRAGMA threads = 4", "FORCE CHECKPOINT", "CREATE SECRET s (TYPE s3)",
                "INSTALL httpfs", "SELECT * FROM read_csv('x.csv')", "CALL enable_logging()")) {
            open.check(sql);
        }
        for (String sql : List.of("SELECT * FROM duckdb_databases()", "PRAGMA database_list",
                "SELECT * FROM duckdb_settings()")) {
            assertThrows(PgException.class, () -> open.check(sql), sql);
        }
    }

    /** A tenant's database: only read-only attachments, sessions starting in {@code vocab}. */
    private final DuckDbLockdown tenant = new DuckDbLockdown(DuckDbConfig.inMemory()
            .withAttachment("cdm", "/data/c_cdm").withAttachment("vocab", "/data/c_vocab").withHomeCatalog("vocab"),
            "vocab", SETTINGS);

    @Test
    void filesNamedAsTablesAndCopyAreRefusedWithoutFileAccess() {
        for (String sql : List.of("SELECT * FROM '/etc/passwd'", "FROM 'x.csv'", "SELECT * FROM t JOIN 'x' ON true",
                "SELECT * FROM t, 'x.parquet'", "SELECT * FROM t AS a, u, $$x.csv$$",
                "WITH x AS (SELECT * FROM 'f') SELECT * FROM x", "SELECT * FROM (FROM 'f')",
                "SELECT (SELECT count(*) FROM 'f')", "SELECT * FROM t WHERE i IN (SELECT i FROM 'f')",
                "COPY t TO 'f.csv'", "COPY t FROM 'f.csv'", "EXPLAIN ANALYZE COPY (SELECT 1) TO 'f'",
                "copy (select 1) to 'f'")) {
            PgException e = assertThrows(PgException.class, () -> locked.check(sql), sql);
            assertEquals(SqlState.INSUFFICIENT_PRIVILEGE, e.sqlState(), sql);
            open.check(sql);
        }
    }

    @Test
    void stringsThatAreValuesPass() {
        for (String sql : List.of("SELECT EXTRACT(year FROM '2020-01-01'::date)", "SELECT substring('abc' FROM 2)",
                "SELECT trim(both 'x' FROM 'xax')", "SELECT 'a', 'b' FROM t", "SELECT * FROM t WHERE x IN ('a', 'b')",
                "VALUES ('a'), ('b')", "SELECT * FROM t, (SELECT 'a') s", "SELECT * FROM t ORDER BY 'x'",
                "SELECT * FROM t WHERE a = 'x' AND b = 'y'", "SELECT * FROM t JOIN u ON u.a = 'x', v",
                "SELECT * FROM t GROUP BY 1 HAVING max('a') = 'a'", "SELECT overlay('abc' PLACING 'x' FROM 2)",
                "SELECT * FROM t LIMIT 1 OFFSET 0", "INSERT INTO t SELECT 'a' FROM u",
                "SELECT 'from', 'join' FROM t")) {
            locked.check(sql);
            tenant.check(sql);
        }
    }

    @Test
    void aTenantsDatabaseRefusesCheckpointAndUseOfAnythingButItsHome() {
        for (String sql : List.of("CHECKPOINT", "CHECKPOINT cdm", "checkpoint vocab", "USE cdm", "USE memory",
                "SELECT * FROM checkpoint()", "FROM checkpoint('cdm')")) {
            PgException e = assertThrows(PgException.class, () -> tenant.check(sql), sql);
            assertEquals(SqlState.INSUFFICIENT_PRIVILEGE, e.sqlState(), sql);
        }
        tenant.check("USE vocab");
        tenant.check("SELECT checkpoint FROM t");
        locked.check("CHECKPOINT");
        locked.check("SELECT * FROM checkpoint()");
    }
}
