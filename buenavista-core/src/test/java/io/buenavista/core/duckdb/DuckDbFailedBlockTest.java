package io.buenavista.core.duckdb;

import static io.buenavista.core.duckdb.WireTranscript.simple;
import static io.buenavista.testing.Frontend.bind;
import static io.buenavista.testing.Frontend.closePortal;
import static io.buenavista.testing.Frontend.closeStatement;
import static io.buenavista.testing.Frontend.describePortal;
import static io.buenavista.testing.Frontend.describeStatement;
import static io.buenavista.testing.Frontend.execute;
import static io.buenavista.testing.Frontend.flush;
import static io.buenavista.testing.Frontend.parse;
import static io.buenavista.testing.Frontend.sync;
import static io.buenavista.testing.Frontend.text;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.buenavista.testing.FrontendMessage;
import io.buenavista.testing.WireClient;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The extended protocol in a failed transaction block, message by message as PostgreSQL 15 answers it
 * ({@code postgres.c}): Parse refuses with 25P02 any statement but one that ends the block (after its syntax errors),
 * Bind refuses any other and any parameter, Describe refuses what returns rows, and Execute refuses every portal
 * bound before the block failed, which stays to be described or closed. Close and Sync are answered as ever.
 */
class DuckDbFailedBlockTest {
    private static final String PG_SCHEMA = "bv_failed_" + ProcessHandle.current().pid();
    private static final String DDL = "CREATE TABLE s(id integer PRIMARY KEY, v text)";

    @RegisterExtension
    static final PostgresTwin twin = new PostgresTwin(PG_SCHEMA, DDL, DDL);


    /** BEGIN and a statement that fails the block the same way on both servers. */
    private static final FrontendMessage[][] FAIL = {simple("BEGIN"), simple("SELECT * FROM no_such_table")};

    /** The cases, each prefixed by {@link #FAIL}, then ROLLBACK; compared on both servers. */
    private static void assertSameInAFailedBlock(FrontendMessage[]... cases) {
        List<FrontendMessage[]> all = new ArrayList<>(Arrays.asList(FAIL));
        all.addAll(Arrays.asList(cases));
        all.add(simple("ROLLBACK"));
        WireTranscript.assertSameAnswers(twin.postgres(), twin.duck(), all.toArray(new FrontendMessage[0][]));
    }

    /** Messages sent in steps (see {@link WireTranscript#answer}) after {@link #FAIL}, then ROLLBACK. */
    private static void assertSameStepsInAFailedBlock(FrontendMessage[]... steps) {
        WireTranscript.assertSameAnswers(twin.postgres(), twin.duck(), FAIL);
        assertEquals(WireTranscript.answer(twin.postgres(), steps), WireTranscript.answer(twin.duck(), steps));
        WireTranscript.assertSameAnswers(twin.postgres(), twin.duck(), simple("ROLLBACK"));
    }

    private static FrontendMessage[] extended(String sql) {
        return new FrontendMessage[] {parse("", sql), bind("", ""), describePortal(""), execute("", 0), sync()};
    }

    /**
     * PostgreSQL parses a whole Query before it runs any of it: a syntax error in any statement is the Query's only
     * answer, with no result of the statements before it, in a failed block (before its 25P02) and outside one.
     */
    @Test
    void aSyntaxErrorAnywhereInAQueryIsItsOnlyAnswer() {
        WireTranscript.assertSameAnswers(twin.postgres(), twin.duck(),
                simple("INSERT INTO s VALUES (1, 'a'); SELEC 2"),
                simple("SELECT count(*) FROM s"),
                simple("SELECT 1; SELECT 2 FROM WHERE; SELECT 3"),
                simple("SELECT 'é'; SELEC 'ü'"),
                simple("BEGIN; SELECT 1; DECLARE c CURSOR FOR SELEC 1"),
                simple("SET application_name = 'x'; SELEC 1"),
                simple("SHOW application_name"),
                // Statements that only bind once the ones before them ran still run.
                simple("CREATE TABLE t2 (i integer); INSERT INTO t2 VALUES (7); SELECT i FROM t2; DROP TABLE t2"));
        assertSameInAFailedBlock(simple("SELECT 1; SELEC 2"), simple("SELECT 1; SELECT 2"));
    }

    /** DuckDB's own syntax, which PostgreSQL refuses, still runs in a Query of several statements. */
    @Test
    void duckDbSyntaxStillRunsInAQueryOfSeveralStatements() {
        WireClient duck = twin.duck();
        duck.send(simple("SELECT 1 AS a; FROM range(2)"));
        duck.expectRowDescription("a");
        duck.expectDataRow("1");
        duck.expectCommandComplete("SELECT 1");
        duck.expectRowDescription("range");
        duck.expectDataRow("0");
        duck.expectDataRow("1");
        duck.expectCommandComplete("SELECT 2");
        duck.expectReadyForQuery('I');
    }

    @Test
    void parseRefusesAStatementThatDoesNotEndTheBlock() {
        assertSameInAFailedBlock(
                extended("SELECT 1"),
                new FrontendMessage[] {parse("", "SELECT id FROM s"), sync()},
                extended("INSERT INTO s VALUES (1, 'a')"),
                // Refused before its name, types or tables are looked at.
                new FrontendMessage[] {parse("", "SELECT * FROM other_missing_table"), sync()},
                new FrontendMessage[] {parse("", "SELECT $1", 999999), sync()},
                // Statements the core runs itself are refused alike.
                extended("SET application_name = 'x'"),
                extended("SHOW application_name"),
                extended("BEGIN"),
                extended("DECLARE c CURSOR FOR SELECT 1"),
                extended("SELECT set_config('app.x', '1', false)"));
        // The error goes out at once, before Sync, as every error of the extended protocol does.
        assertSameStepsInAFailedBlock(new FrontendMessage[] {parse("", "SELECT 2"), flush()},
                new FrontendMessage[] {sync()});
    }

    @Test
    void syntaxErrorsComeBeforeTheRefusal() {
        assertSameInAFailedBlock(
                extended("SELEC 1"),
                extended("DECLARE c CURSOR FOR SELEC 1"),
                extended("SELECT 1; SELECT 2"),
                extended("ROLLBACK AND"));
    }

    @Test
    void statementsThatEndTheBlockRunAsEver() {
        assertSameInAFailedBlock(extended("ROLLBACK"));
        assertSameInAFailedBlock(extended("COMMIT"));
        assertSameInAFailedBlock(extended("END"));
        assertSameInAFailedBlock(extended("ABORT"));
        assertSameInAFailedBlock(
                new FrontendMessage[] {parse("", "ROLLBACK"), describeStatement(""), bind("", ""), bind("", ""),
                    describePortal(""), execute("", 0), sync()});
        // Answered before Sync is sent.
        assertSameStepsInAFailedBlock(
                new FrontendMessage[] {parse("", "COMMIT"), bind("", ""), execute("", 0), flush()},
                new FrontendMessage[] {sync()});
    }

    @Test
    void theEmptyStatementParsesButDoesNotBind() {
        assertSameInAFailedBlock(
                extended(""),
                new FrontendMessage[] {parse("", ""), describeStatement(""), sync()});
    }

    /**
     * A statement prepared before the block failed: only one that ends the block binds, and only without parameters;
     * Describe answers for what returns no rows.
     */
    @Test
    void namedStatementsPreparedBeforeTheFailure() {
        WireTranscript.assertSameAnswers(twin.postgres(), twin.duck(),
                new FrontendMessage[] {parse("sel", "SELECT id, v FROM s"), parse("ins", "INSERT INTO s VALUES (9, 'z')"),
                    parse("ins1", "INSERT INTO s VALUES ($1, 'z')", 23),
                    parse("ret", "INSERT INTO s VALUES (9, 'z') RETURNING id"), parse("shw", "SHOW application_name"),
                    parse("emp", ""), parse("rb", "ROLLBACK"), parse("rb1", "ROLLBACK", 23), sync()});
        assertSameInAFailedBlock(
                new FrontendMessage[] {bind("", "sel"), sync()},
                new FrontendMessage[] {bind("", "sel"), describePortal(""), execute("", 0), sync()},
                new FrontendMessage[] {bind("", "ins"), sync()},
                new FrontendMessage[] {bind("", "ins1", text("1")), sync()},
                new FrontendMessage[] {bind("", "emp"), sync()},
                // The parameter count is checked first; a statement that ends the block binds only without any.
                new FrontendMessage[] {bind("", "rb", text("1")), sync()},
                new FrontendMessage[] {bind("", "rb1", text("1")), sync()},
                new FrontendMessage[] {describeStatement("sel"), sync()},
                new FrontendMessage[] {describeStatement("ret"), sync()},
                new FrontendMessage[] {describeStatement("shw"), sync()},
                new FrontendMessage[] {describeStatement("ins"), describeStatement("ins1"), describeStatement("emp"),
                    describeStatement("rb"), sync()},
                new FrontendMessage[] {describeStatement("no_such_statement"), sync()},
                // A name in use is refused as ever, after the refusal of what does not end the block.
                new FrontendMessage[] {parse("sel", "SELECT 1"), sync()},
                new FrontendMessage[] {parse("rb", "ROLLBACK"), sync()},
                new FrontendMessage[] {closeStatement("sel"), closeStatement("no_such_statement"), sync()});
        assertSameInAFailedBlock(new FrontendMessage[] {bind("", "rb"), describePortal(""), execute("", 0), sync()});
        WireTranscript.assertSameAnswers(twin.postgres(), twin.duck(),
                new FrontendMessage[] {closeStatement("ins"), closeStatement("ins1"), closeStatement("ret"),
                    closeStatement("shw"), closeStatement("emp"), closeStatement("rb"), closeStatement("rb1"), sync()});
    }

    /**
     * A portal bound before the block failed never runs again, whatever its statement (ROLLBACK too); it stays, to
     * be described when it returns no rows, and closed. An empty one answers as ever.
     */
    @Test
    void portalsBoundBeforeTheFailure() {
        WireTranscript.assertSameAnswers(twin.postgres(), twin.duck(),
                simple("BEGIN"),
                new FrontendMessage[] {parse("sel", "SELECT id, v FROM s"), bind("p_sel", "sel"),
                    parse("rb", "ROLLBACK"), bind("p_rb", "rb"), parse("emp", ""), bind("p_emp", "emp"),
                    parse("", "SELECT 1 AS one"), bind("p_sus", ""), execute("p_sus", 0), sync()},
                simple("DECLARE c CURSOR FOR SELECT 2 AS two"),
                simple("SELECT * FROM no_such_table"),
                new FrontendMessage[] {describePortal("p_sel"), sync()},
                new FrontendMessage[] {execute("p_sel", 0), sync()},
                new FrontendMessage[] {execute("p_sel", 0), sync()},
                new FrontendMessage[] {describePortal("p_rb"), describePortal("p_emp"), sync()},
                new FrontendMessage[] {execute("p_rb", 0), sync()},
                new FrontendMessage[] {execute("p_emp", 0), sync()},
                new FrontendMessage[] {execute("p_sus", 0), sync()},
                new FrontendMessage[] {describePortal("c"), sync()},
                new FrontendMessage[] {execute("c", 1), sync()},
                simple("FETCH c"),
                new FrontendMessage[] {closePortal("p_sel"), closePortal("c"), sync()},
                new FrontendMessage[] {execute("p_sel", 0), sync()},
                // A portal bound since, of a statement that ends the block, runs.
                new FrontendMessage[] {bind("p_rb2", "rb"), execute("p_rb2", 0), sync()},
                new FrontendMessage[] {closeStatement("sel"), closeStatement("rb"), closeStatement("emp"), sync()});
    }

    /** A block failed by an error at Execute, and a simple Query in a failed block, answer the same. */
    @Test
    void failedAtExecuteAndSimpleQueries() {
        WireTranscript.assertSameAnswers(twin.postgres(), twin.duck(),
                simple("BEGIN"),
                new FrontendMessage[] {parse("", "INSERT INTO s VALUES (1, 'a')"), bind("", ""), execute("", 0),
                    parse("", "INSERT INTO s VALUES (1, 'a')"), bind("", ""), execute("", 0), sync()},
                extended("SELECT id FROM s"),
                simple("SELECT * FROM other_missing_table"),
                simple("SELEC 1"),
                simple("SHOW application_name"),
                simple(""),
                simple("ROLLBACK"),
                extended("SELECT count(*) FROM s"));
    }
}
