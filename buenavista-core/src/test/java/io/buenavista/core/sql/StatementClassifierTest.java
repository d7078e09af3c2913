package io.buenavista.core.sql;

import static io.buenavista.core.sql.StatementClassifier.classify;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;
import io.buenavista.api.TransactionOptions;
import io.buenavista.core.sql.Statement.Begin;
import io.buenavista.core.sql.Statement.CloseCursor;
import io.buenavista.core.sql.Statement.Commit;
import io.buenavista.core.sql.Statement.CopyTo;
import io.buenavista.core.sql.Statement.Deallocate;
import io.buenavista.core.sql.Statement.DeclareCursor;
import io.buenavista.core.sql.Statement.ExecuteArgument;
import io.buenavista.core.sql.Statement.ExecuteStatement;
import io.buenavista.core.sql.Statement.Fetch;
import io.buenavista.core.sql.Statement.FetchDirection;
import io.buenavista.core.sql.Statement.PrepareStatement;
import io.buenavista.core.sql.Statement.Other;
import io.buenavista.core.sql.Statement.ReleaseSavepoint;
import io.buenavista.core.sql.Statement.ResetVariable;
import io.buenavista.core.sql.Statement.Rollback;
import io.buenavista.core.sql.Statement.RollbackToSavepoint;
import io.buenavista.core.sql.Statement.Savepoint;
import io.buenavista.core.sql.Statement.SetTransaction;
import io.buenavista.core.sql.Statement.SetVariable;
import io.buenavista.core.sql.Statement.ShowVariable;
import io.buenavista.core.sql.Statement.TransactionModes;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatementClassifierTest {

    @Test
    void begin() {
        assertEquals(new Begin("BEGIN", TransactionModes.NONE), classify("BEGIN"));
        assertEquals(new Begin("BEGIN", TransactionModes.NONE), classify("begin work;"));
        assertEquals(new Begin("BEGIN", new TransactionModes("REPEATABLE READ", true, null)),
                classify("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
        assertEquals(new Begin("START TRANSACTION", new TransactionModes("SERIALIZABLE", true, true)),
                classify("START TRANSACTION ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE"));
        assertEquals(new Begin("START TRANSACTION", new TransactionModes("READ UNCOMMITTED", false, false)),
                classify("start transaction read write, not deferrable, isolation level read uncommitted"));
        assertEquals(new TransactionOptions(true, "READ COMMITTED"),
                ((Begin) classify("BEGIN READ ONLY ISOLATION LEVEL READ COMMITTED")).modes().toTransactionOptions());
    }

    @Test
    void commitAndRollback() {
        assertEquals(new Commit(false), classify("COMMIT"));
        assertEquals(new Commit(false), classify("end transaction"));
        assertEquals(new Commit(true), classify("COMMIT AND CHAIN"));
        assertEquals(new Commit(false), classify("commit work and no chain"));
        assertEquals(new Rollback(false), classify("ROLLBACK"));
        assertEquals(new Rollback(false), classify("abort"));
        assertEquals(new Rollback(true), classify("rollback transaction and chain"));
        assertEquals(new Other("COMMIT PREPARED"), classify("COMMIT PREPARED 'x'"));
        assertEquals(new Other("ROLLBACK PREPARED"), classify("ROLLBACK PREPARED 'x'"));
    }

    @Test
    void savepoints() {
        assertEquals(new Savepoint("sp1"), classify("SAVEPOINT SP1"));
        assertEquals(new Savepoint("My Point"), classify("savepoint \"My Point\""));
        assertEquals(new ReleaseSavepoint("sp1"), classify("RELEASE SAVEPOINT sp1"));
        assertEquals(new ReleaseSavepoint("sp1"), classify("release sp1"));
        assertEquals(new RollbackToSavepoint("sp1"), classify("ROLLBACK TO SAVEPOINT sp1"));
        assertEquals(new RollbackToSavepoint("sp1"), classify("rollback work to sp1"));
        assertEquals("ROLLBACK", classify("ROLLBACK TO sp1").tagStem());
        assertEquals("RELEASE", classify("RELEASE sp1").tagStem());
    }

    @Test
    void malformedTransactionControlIsASyntaxErrorAtTheOffendingToken() {
        PgException e = assertThrows(PgException.class, () -> classify("BEGIN ISOLATION LEVEL sometimes"));
        assertEquals(SqlState.SYNTAX_ERROR, e.sqlState());
        assertEquals("syntax error at or near \"sometimes\"", e.message());
        assertEquals(23, e.position());
        PgException end = assertThrows(PgException.class, () -> classify("SAVEPOINT"));
        assertEquals("syntax error at end of input", end.message());
        assertEquals(10, end.position());
        assertThrows(PgException.class, () -> classify("COMMIT AND"));
        assertThrows(PgException.class, () -> classify("ROLLBACK TO a b"));
        // The position of a statement of a split query refers to the whole query.
        String query = "select 1; begin foo";
        SqlStatement second = SqlLexer.split(query).get(1);
        PgException mapped = assertThrows(PgException.class, () -> classify(second));
        assertEquals(query.indexOf("foo") + 1, mapped.position());
    }

    @Test
    void set() {
        assertEquals(new SetVariable(false, "work_mem", List.of("64kB"), false), classify("SET work_mem = '64kB'"));
        assertEquals(new SetVariable(true, "statement_timeout", List.of("5"), false),
                classify("set local statement_timeout to 5"));
        assertEquals(new SetVariable(false, "search_path", List.of("MySchema", "public", "x"), false),
                classify("SET SESSION search_path TO \"MySchema\", PUBLIC, 'x'"));
        assertEquals("MySchema, public, x",
                ((SetVariable) classify("SET search_path = \"MySchema\", public, 'x'")).valueText());
        assertEquals(new SetVariable(false, "extra_float_digits", List.of("-3"), false),
                classify("SET extra_float_digits = -3"));
        assertEquals(new SetVariable(false, "myapp.user_id", List.of("42"), false),
                classify("SET MyApp.User_Id = 42"));
        assertEquals(new SetVariable(false, "datestyle", List.of("iso", "mdy"), false),
                classify("SET DateStyle TO ISO, MDY"));
        assertEquals(new SetVariable(false, "work_mem", List.of(), true), classify("SET work_mem TO DEFAULT"));
        assertEquals(new SetVariable(false, "standard_conforming_strings", List.of("on"), false),
                classify("SET standard_conforming_strings = on;"));
    }

    @Test
    void setSpecialForms() {
        assertEquals(new SetVariable(false, "timezone", List.of("Europe/Rome"), false),
                classify("SET TIME ZONE 'Europe/Rome'"));
        assertEquals(new SetVariable(true, "timezone", List.of(), true), classify("SET LOCAL TIME ZONE LOCAL"));
        assertEquals(new SetVariable(false, "timezone", List.of("-7"), false), classify("SET TIME ZONE -7"));
        assertEquals(new SetVariable(false, "client_encoding", List.of("UTF8"), false),
                classify("SET NAMES 'UTF8'"));
        assertEquals(new SetVariable(false, "search_path", List.of("s"), false), classify("SET SCHEMA 's'"));
        assertEquals(new SetVariable(false, "role", List.of("none"), false), classify("SET ROLE NONE"));
        assertEquals(new SetVariable(false, "session_authorization", List.of(), true),
                classify("SET SESSION AUTHORIZATION DEFAULT"));
        assertEquals(new SetTransaction(false, new TransactionModes("SERIALIZABLE", null, null)),
                classify("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"));
        assertEquals(new SetTransaction(true, new TransactionModes(null, true, null)),
                classify("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"));
        assertEquals(new Other("SET CONSTRAINTS"), classify("SET CONSTRAINTS ALL DEFERRED"));
    }

    @Test
    void setFormsThatAreNotPostgresSettingsAreLeftToTheHandler() {
        assertEquals(new Other("SET"), classify("SET GLOBAL threads = 4"));
        assertEquals(new Other("SET"), classify("SET x = 'a' || 'b'"));
        assertEquals(new Other("SHOW"), classify("SHOW ALL TABLES"));
        assertEquals(new Other("RESET"), classify("RESET"));
    }

    @Test
    void resetAndShow() {
        assertEquals(new ResetVariable("work_mem"), classify("RESET work_mem"));
        assertEquals(new ResetVariable("timezone"), classify("reset time zone"));
        assertEquals(new ResetVariable("transaction_isolation"), classify("RESET TRANSACTION ISOLATION LEVEL"));
        assertTrue(((ResetVariable) classify("RESET ALL")).isAll());
        assertEquals(new ShowVariable("search_path"), classify("SHOW search_path"));
        assertEquals(new ShowVariable("timezone"), classify("SHOW TIME ZONE"));
        assertEquals(new ShowVariable("transaction_isolation"), classify("show transaction isolation level"));
        assertEquals(new ShowVariable("session_authorization"), classify("SHOW SESSION AUTHORIZATION"));
        assertEquals(new ShowVariable("tables"), classify("SHOW TABLES"));
        assertTrue(((ShowVariable) classify("SHOW ALL")).isAll());
        assertEquals(new ShowVariable("myapp.key"), classify("SHOW myapp.key"));
    }

    @Test
    void tagStemsOfOtherStatements() {
        String[][] cases = {
            {"select 1", "SELECT"},
            {"(select 1) union (select 2)", "SELECT"},
            {"values (1)", "SELECT"},
            {"table t", "SELECT"},
            {"select 1 into temp t", "SELECT"},
            {"with x as (select 1) select * from x", "SELECT"},
            {"WITH x AS (SELECT 1), y(a) AS MATERIALIZED (SELECT 2) INSERT INTO t SELECT * FROM x", "INSERT"},
            {"with recursive r(n) as (select 1 union all select n + 1 from r) search depth first by n set o "
                    + "cycle n set c using p delete from t where a in (select n from r)", "DELETE"},
            {"with insert as (select 1) select * from insert", "SELECT"},
            {"with u as (update t set a = 1 returning *) update t2 set b = 2", "UPDATE"},
            {"insert into t values (1)", "INSERT"},
            {"MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE", "MERGE"},
            {"create table t (a int)", "CREATE TABLE"},
            {"create temp table t (a text default 'as')", "CREATE TABLE"},
            {"create table t as select 1", "SELECT"},
            {"create table t (a) as select 1 with no data", "CREATE TABLE AS"},
            {"create materialized view v as select 1", "SELECT"},
            {"create materialized view v as select 1 with no data", "CREATE MATERIALIZED VIEW"},
            {"create unique index i on t (a)", "CREATE INDEX"},
            {"create or replace temp view v as select 1", "CREATE VIEW"},
            {"create or replace function f() returns int as $$ select 1 $$ language sql", "CREATE FUNCTION"},
            {"create user u", "CREATE ROLE"},
            {"create foreign data wrapper w", "CREATE FOREIGN DATA WRAPPER"},
            {"create text search configuration c (copy = english)", "CREATE TEXT SEARCH CONFIGURATION"},
            {"create constraint trigger tr after insert on t for each row execute function f()", "CREATE TRIGGER"},
            {"drop table if exists t", "DROP TABLE"},
            {"drop index concurrently i", "DROP INDEX"},
            {"drop owned by u", "DROP OWNED"},
            {"alter table t add column b int", "ALTER TABLE"},
            {"alter user u with password 'x'", "ALTER ROLE"},
            {"alter system set work_mem = '1MB'", "ALTER SYSTEM"},
            {"alter default privileges grant select on tables to u", "ALTER DEFAULT PRIVILEGES"},
            {"truncate t", "TRUNCATE TABLE"},
            {"lock table t in exclusive mode", "LOCK TABLE"},
            {"grant select on t to u", "GRANT"},
            {"grant r to u", "GRANT ROLE"},
            {"revoke r from u", "REVOKE ROLE"},
            {"declare c cursor for select 1", "DECLARE CURSOR"},
            {"close c", "CLOSE CURSOR"},
            {"close all", "CLOSE CURSOR ALL"},
            {"deallocate p", "DEALLOCATE"},
            {"deallocate prepare all", "DEALLOCATE ALL"},
            {"discard all", "DISCARD ALL"},
            {"discard temporary", "DISCARD TEMP"},
            {"prepare p as select 1", "PREPARE"},
            {"prepare transaction 'x'", "PREPARE TRANSACTION"},
            {"analyse t", "ANALYZE"},
            {"explain analyze select 1", "EXPLAIN"},
            {"do $$ begin end $$", "DO"},
            {"refresh materialized view v", "REFRESH MATERIALIZED VIEW"},
            {"PRAGMA table_info('t')", "PRAGMA"},
            {"install httpfs", "INSTALL"},
            {"attach 'file.db' as f", "ATTACH"},
            {"/* hint */ use memory", "USE"},
        };
        for (String[] c : cases) {
            assertEquals(c[1], classify(c[0]).tagStem(), c[0]);
        }
    }

    @Test
    void commandTags() {
        assertEquals("INSERT 0 3", classify("insert into t values (1), (2), (3)").commandTag(3));
        assertEquals("SELECT 2", classify("values (1), (2)").commandTag(2));
        assertEquals("UPDATE 0", classify("update t set a = 1").commandTag(0));
        assertEquals("DELETE 1", classify("delete from t").commandTag(1));
        assertEquals("MERGE 4", Statement.commandTag("MERGE", 4));
        assertEquals("FETCH 5", classify("fetch 5 from c").commandTag(5));
        assertEquals("MOVE 1", classify("move c").commandTag(1));
        assertEquals("COPY 7", classify("copy t to stdout").commandTag(7));
        assertEquals("CREATE TABLE", classify("create table t (a int)").commandTag(0));
        assertEquals("COMMIT", classify("end").commandTag(0));
    }

    @Test
    void cursors() {
        String declare = "DECLARE \"C\" BINARY NO SCROLL CURSOR WITHOUT HOLD FOR select 1";
        assertEquals(new DeclareCursor("C", true, false, false, declare.indexOf("select")), classify(declare));
        assertEquals(new DeclareCursor("c", false, true, true, 50),
                classify("declare c insensitive scroll cursor with hold for values (1)"));
        assertEquals(new Fetch(false, FetchDirection.FORWARD, 2000, "c"), classify("FETCH FORWARD 2000 FROM \"c\""));
        assertEquals(new Fetch(false, FetchDirection.FORWARD, 1, "c"), classify("fetch c"));
        assertEquals(new Fetch(false, FetchDirection.FORWARD, 1, "c"), classify("fetch next in c"));
        assertEquals(new Fetch(false, FetchDirection.FORWARD, Statement.FETCH_ALL, "c"), classify("fetch all c"));
        assertEquals(new Fetch(true, FetchDirection.BACKWARD, 3, "c"), classify("move -3 from c"));
        assertEquals(new Fetch(false, FetchDirection.FORWARD, 3, "c"), classify("fetch backward -3 c"));
        assertEquals(new Fetch(false, FetchDirection.BACKWARD, 1, "c"), classify("fetch prior c"));
        assertEquals(new Fetch(false, FetchDirection.ABSOLUTE, -1, "c"), classify("fetch last c"));
        assertEquals(new Fetch(false, FetchDirection.RELATIVE, -2, "c"), classify("fetch relative -2 c"));
        assertEquals(new CloseCursor("c"), classify("close c"));
        assertEquals(new CloseCursor(null), classify("CLOSE ALL"));
        for (String bad : new String[] {"declare c for select 1", "declare c cursor select 1", "fetch", "fetch 1",
            "fetch forward from", "close", "declare c cursor for"}) {
            PgException e = assertThrows(PgException.class, () -> classify(bad), bad);
            assertEquals(SqlState.SYNTAX_ERROR, e.sqlState(), bad);
        }
    }

    @Test
    void preparedStatements() {
        assertEquals(new PrepareStatement("p", List.of("int", "character varying(10)", "text[]"), 50),
                classify("prepare p (int, character varying(10), text[]) as select 1"));
        assertEquals(new PrepareStatement("p", List.of(), 13), classify("PREPARE p AS insert into t values (1)"));
        assertEquals(new ExecuteStatement("p", List.of(new ExecuteArgument("1", null),
                new ExecuteArgument("a'b", "text"), new ExecuteArgument("3", "int"), new ExecuteArgument(null, null),
                new ExecuteArgument("-2.5", null), new ExecuteArgument("true", null))),
                classify("execute p (1, 'a''b'::text, cast('3' as int), null, -2.5, TRUE)"));
        assertEquals(new ExecuteStatement("p", List.of()), classify("EXECUTE p"));
        PgException e = assertThrows(PgException.class, () -> classify("execute p (1 + 1)"));
        assertEquals(SqlState.FEATURE_NOT_SUPPORTED, e.sqlState());
        e = assertThrows(PgException.class, () -> classify("execute p (now())"));
        assertEquals(SqlState.FEATURE_NOT_SUPPORTED, e.sqlState());
        assertEquals(new Deallocate("p"), classify("deallocate p"));
        assertEquals(new Deallocate("p"), classify("deallocate prepare p"));
        assertEquals(new Deallocate(null), classify("DEALLOCATE ALL"));
        assertEquals(new Other("PREPARE TRANSACTION"), classify("prepare transaction 'x'"));
    }

    @Test
    void copyToStdout() {
        assertEquals(new CopyTo("select 1", 6, false, false, "\t", "\\N"), classify("COPY (select 1) TO STDOUT"));
        assertEquals(new CopyTo("select 1", 6, true, true, ",", ""),
                classify("copy (select 1) to stdout with (format csv, header)"));
        assertEquals(new CopyTo("select 1", 6, true, true, ",", ""), classify("copy (select 1) to stdout csv header"));
        assertEquals(new CopyTo("select 1", 6, false, true, "|", "nil"),
                classify("copy (select 1) to stdout (format text, header true, delimiter '|', null 'nil')"));
        assertEquals(new CopyTo("SELECT * FROM s.t", -1, false, false, "\t", "\\N"), classify("copy s.t to stdout"));
        assertEquals(new CopyTo("SELECT a, b FROM t", -1, true, false, ",", ""),
                classify("copy t (a, b) to stdout with csv"));
        assertEquals(new Other("COPY"), classify("copy t from stdin"));
        for (String serverFiles : new String[] {"copy t to '/tmp/f'", "copy (select 1) to E'f'",
            "copy t from '/etc/passwd'", "copy t to program 'true'", "COPY t FROM PROGRAM 'cat'"}) {
            PgException e = assertThrows(PgException.class, () -> classify(serverFiles), serverFiles);
            assertEquals(SqlState.INSUFFICIENT_PRIVILEGE, e.sqlState(), serverFiles);
        }
        assertEquals(new Other("COPY"), classify("copy t to \"program\""), "a quoted identifier is not PROGRAM");
        for (String unsupported : new String[] {"copy t to stdout binary", "copy t to stdout (format binary)",
            "copy t to stdout (force_quote *)", "copy t to stdout csv quote '\"'"}) {
            PgException e = assertThrows(PgException.class, () -> classify(unsupported), unsupported);
            assertEquals(SqlState.FEATURE_NOT_SUPPORTED, e.sqlState(), unsupported);
        }
    }

    /** WITH lists repeated any number of times are read in a loop: no stack overflow, the main statement's tag. */
    @Test
    void repeatedWithListsAreReadWithoutRecursion() {
        assertEquals(new Other("INSERT"), classify("WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a"));
        assertEquals(new Other("INSERT"),
                classify("WITH a AS (SELECT 1) ".repeat(100_000) + "INSERT INTO t SELECT * FROM a"));
        assertEquals(new Other("DELETE"), classify("(WITH a AS (SELECT 1) ".repeat(10_000) + "DELETE FROM t"));
    }
    @Test
    void setConfigAloneIsACoreStatementAndAnyOtherUseStaysAQuery() {
        Statement.SetConfigArgument p1 = new Statement.SetConfigArgument(1, null);
        assertEquals(new Statement.SetConfig(new Statement.SetConfigArgument(0, "app.id"),
                new Statement.SetConfigArgument(0, "it's"), new Statement.SetConfigArgument(0, "false")),
                classify("SELECT pg_catalog.SET_CONFIG('app.id', E'it\\'s', FALSE);"));
        assertEquals(new Statement.SetConfig(p1, new Statement.SetConfigArgument(0, null),
                new Statement.SetConfigArgument(3, null)), classify("select set_config($1, NULL, $3) -- why"));
        for (String other : new String[] {"select set_config('a.b', 'v', false) from t",
                "select set_config('a.b', 'v', false) is null", "select set_config('a.b', 'v')",
                "select set_config('a.b', 'v', false, 1)", "select set_config('a.b', 'v' || 'w', false)",
                "select set_config('a.b', 1, false)", "select set_config($0, 'v', false)",
                "select set_config($99999999999, 'v', false)", "select x.set_config('a.b', 'v', false)",
                "select set_config('a.b', 'v', false), 1", "select 1"}) {
            assertEquals(new Other("SELECT"), classify(other), other);
        }
    }
}
