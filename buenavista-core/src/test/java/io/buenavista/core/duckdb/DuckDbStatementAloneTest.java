package io.buenavista.core.duckdb;

import static io.buenavista.core.duckdb.WireTranscript.answer;
import static io.buenavista.core.duckdb.WireTranscript.simple;
import static io.buenavista.testing.Frontend.bind;
import static io.buenavista.testing.Frontend.describePortal;
import static io.buenavista.testing.Frontend.describeStatement;
import static io.buenavista.testing.Frontend.execute;
import static io.buenavista.testing.Frontend.flush;
import static io.buenavista.testing.Frontend.formats;
import static io.buenavista.testing.Frontend.parse;
import static io.buenavista.testing.Frontend.sync;
import static io.buenavista.testing.Frontend.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.BackendMessage;
import io.buenavista.testing.FrontendMessage;
import io.buenavista.testing.ObservedHandler;
import io.buenavista.testing.WireClient;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A statement that runs alone in the extended protocol (an unnamed Parse that its Bind, Describe, Execute and Sync
 * follow in one flush, as pgjdbc sends a plain Statement) runs at its Parse by DuckDB's direct execution (see
 * {@code Session.runAlone}). Every answer, message by message, is PostgreSQL 15's: rows, commands, errors found before
 * and while it runs, and every way the client's messages may differ from that shape (Sync not yet sent, a Flush
 * between them, two statements before one Sync, parameters, binary results, a later use of the unnamed statement),
 * which take the ordinary way, and a cancel or statement_timeout while it runs. A handler-level check shows which way
 * each took and that each statement ran once.
 */
class DuckDbStatementAloneTest {
    private static final String PG_SCHEMA = "bv_alone_" + ProcessHandle.current().pid();
    private static final String DDL = "CREATE TABLE s(id integer PRIMARY KEY, v text, w text)";

    @RegisterExtension
    static final PostgresTwin twin = new PostgresTwin(PG_SCHEMA, DDL, DDL);


    /** The extended-protocol messages pgjdbc sends for a plain Statement: one flush from Parse to Sync. */
    private static FrontendMessage[] alone(String sql) {
        return new FrontendMessage[] {parse("", sql), bind("", ""), describePortal(""), execute("", 0), sync()};
    }

    /** Each case's answer on both servers (see {@link WireTranscript#assertSameAnswers}). */
    private static void assertSameAnswers(FrontendMessage[]... cases) {
        WireTranscript.assertSameAnswers(twin.postgres(), twin.duck(), cases);
    }

    @Test
    void rowsAndCommandsAreThoseOfPostgres() {
        assertSameAnswers(
                alone("INSERT INTO s VALUES (1, 'a', 'x'), (2, 'b', 'y')"),
                alone("SELECT id, v, w FROM s ORDER BY id"),
                alone("SELECT v FROM s WHERE id = 2"),
                alone("SELECT id FROM s WHERE id > 100"),
                alone("UPDATE s SET w = 'z' WHERE id = 1"),
                alone("INSERT INTO s VALUES (3, 'c', 'w') RETURNING id, v AS name"),
                alone("DELETE FROM s WHERE id = 3 RETURNING *"),
                alone("SELECT count(*) AS n, max(v) FROM s"),
                // Without Describe, as other clients send it.
                new FrontendMessage[] {parse("", "SELECT w FROM s WHERE id = 1"), bind("", ""), execute("", 0),
                    sync()},
                // A row limit suspends the portal; Sync ends it.
                new FrontendMessage[] {parse("", "SELECT id FROM s ORDER BY id"), bind("", ""), describePortal(""),
                    execute("", 1), sync()},
                // The core's own statements and DDL are prepared as by any Parse.
                alone("SET application_name = 'alone'"),
                alone("SHOW application_name"),
                alone("CREATE TABLE t_alone(a integer)"),
                alone("DROP TABLE t_alone"),
                alone(""),
                alone("DELETE FROM s"));
    }

    /**
     * An error the text causes comes instead of ParseComplete and the rest up to Sync is skipped; one raised while
     * the statement runs comes at Execute, after ParseComplete, BindComplete and the RowDescription.
     */
    @Test
    void errorsArriveAtTheMessageWherePostgresSendsThem() {
        assertSameAnswers(
                simple("INSERT INTO s VALUES (1, 'a', 'x'), (2, 'b', 'y')"),
                alone("SELEC 1"),
                alone("SELECT * FROM no_such_table"),
                alone("SELECT no_such_column FROM s"),
                alone("SELECT v::integer FROM s WHERE id = 2"),
                alone("INSERT INTO s VALUES (1, 'a', 'x')"),
                alone("SELECT 1 AS after_errors"),
                simple("DELETE FROM s"));
    }

    /**
     * A failed statement is not run again behind the client's back, nor is a statement that succeeded: a sequence's
     * nextval advances once per statement, as in PostgreSQL.
     */
    @Test
    void aSequenceAdvancesOncePerStatement() {
        assertSameAnswers(
                simple("CREATE SEQUENCE seq_alone"),
                alone("SELECT nextval('seq_alone') AS n"),
                alone("SELECT nextval('seq_alone') AS n"),
                simple("INSERT INTO s VALUES (30, 'a', 'b')"),
                alone("INSERT INTO s SELECT 30 + 0 * nextval('seq_alone'), 'c', 'd'"),
                alone("SELECT currval('seq_alone') AS c"),
                simple("DELETE FROM s WHERE id = 30"),
                simple("DROP SEQUENCE seq_alone"));
    }

    /**
     * Two statements before one Sync form one implicit transaction: the second's failure, before or while it runs,
     * rolls the first back.
     */
    @Test
    void twoStatementsBeforeOneSyncAreOneImplicitTransaction() {
        assertSameAnswers(
                new FrontendMessage[] {parse("", "INSERT INTO s VALUES (40, 'a', 'b')"), bind("", ""),
                    describePortal(""), execute("", 0), parse("", "SELECT * FROM no_such_table"), bind("", ""),
                    describePortal(""), execute("", 0), sync()},
                alone("SELECT count(*) FROM s WHERE id = 40"),
                new FrontendMessage[] {parse("", "INSERT INTO s VALUES (41, 'a', 'b')"), bind("", ""),
                    describePortal(""), execute("", 0), parse("", "INSERT INTO s VALUES (41, 'c', 'd')"),
                    bind("", ""), describePortal(""), execute("", 0), sync()},
                alone("SELECT count(*) FROM s WHERE id = 41"),
                new FrontendMessage[] {parse("", "INSERT INTO s VALUES (42, 'a', 'b')"), bind("", ""),
                    execute("", 0), parse("", "SELECT v FROM s WHERE id = 42"), bind("", ""), describePortal(""),
                    execute("", 0), sync()},
                // In a transaction block a statement is never alone, and a failed one fails the block.
                simple("BEGIN"),
                alone("INSERT INTO s VALUES (43, 'a', 'b')"),
                alone("INSERT INTO s VALUES (43, 'a', 'b')"),
                simple("ROLLBACK"),
                alone("SELECT count(*) FROM s WHERE id IN (42, 43)"),
                simple("DELETE FROM s"));
    }

    /**
     * The messages of a lone statement that have not all arrived when its Parse is handled (Sync sent only after the
     * answers were read, a Flush between them) take the ordinary way, with the same answers.
     */
    @Test
    void aStatementWhoseSyncHasNotArrivedOrWithAFlushBetweenAnswersTheSame() {
        assertSameAnswers(
                simple("INSERT INTO s VALUES (50, 'a', 'b')"),
                new FrontendMessage[] {parse("", "SELECT v FROM s WHERE id = 50"), bind("", ""), describePortal(""),
                    execute("", 0), flush(), sync()},
                new FrontendMessage[] {parse("", "SELECT v FROM s WHERE id = 50"), flush(), bind("", ""),
                    describePortal(""), execute("", 0), sync()},
                new FrontendMessage[] {parse("", "SELECT w FROM s WHERE id = 50"), bind("", ""), flush(),
                    describePortal(""), execute("", 0), sync()},
                new FrontendMessage[] {parse("", "SELECT v FROM s WHERE id = 50"), describeStatement(""),
                    bind("", ""), describePortal(""), execute("", 0), sync()},
                simple("DELETE FROM s"));
        // The same with the answers read before Sync is sent (a step that ends with Flush).
        List<String> expected = new ArrayList<>();
        List<String> actual = new ArrayList<>();
        for (WireClient c : new WireClient[] {twin.postgres(), twin.duck()}) {
            List<String> answers = c == twin.postgres() ? expected : actual;
            answers.add(answer(c, simple("INSERT INTO s VALUES (51, 'a', 'b')")));
            answers.add(answer(c, new FrontendMessage[] {parse("", "INSERT INTO s VALUES (52, 'c', 'd')"),
                bind("", ""), describePortal(""), execute("", 0), flush()}, new FrontendMessage[] {sync()}));
            answers.add(answer(c, new FrontendMessage[] {parse("", "INSERT INTO s VALUES (51, 'a', 'b')"),
                bind("", ""), describePortal(""), execute("", 0), flush()}, new FrontendMessage[] {sync()}));
            answers.add(answer(c, alone("SELECT count(*) FROM s WHERE id IN (51, 52)")));
            answers.add(answer(c, simple("DELETE FROM s")));
        }
        assertEquals(String.join("\n", expected), String.join("\n", actual));
    }

    /**
     * The messages of a lone statement arriving in fragments (a few bytes at a time, so the lookahead at its Parse
     * sees any part of them) are answered the same: by the lone way when all have arrived, else the ordinary one.
     */
    @Test
    void aLoneStatementInFragmentsAnswersTheSame() {
        assertEquals(answer(twin.postgres(), simple("INSERT INTO s VALUES (55, 'a', 'b')")),
                answer(twin.duck(), simple("INSERT INTO s VALUES (55, 'a', 'b')")));
        String expected = answer(twin.postgres(), alone("SELECT v, w FROM s WHERE id = 55"))
                + answer(twin.postgres(), alone("INSERT INTO s VALUES (55, 'a', 'b')"));
        try {
            for (long seed = 1; seed <= 20; seed++) {
                twin.duck().setFragmentation(1, 12, seed, seed % 2); // odd seeds pause 1 ms between fragments
                String actual = answer(twin.duck(), alone("SELECT v, w FROM s WHERE id = 55"))
                        + answer(twin.duck(), alone("INSERT INTO s VALUES (55, 'a', 'b')"));
                assertEquals(expected, actual, "fragments of seed " + seed);
            }
        } finally {
            twin.duck().clearFragmentation();
            answer(twin.postgres(), simple("DELETE FROM s"));
            answer(twin.duck(), simple("DELETE FROM s"));
        }
    }

    /** Parameters, declared types and binary results take the ordinary way, with PostgreSQL's answers. */
    @Test
    void parametersDeclaredTypesAndBinaryResultsAnswerAsPostgres() {
        assertSameAnswers(
                simple("INSERT INTO s VALUES (60, 'a', 'b')"),
                new FrontendMessage[] {parse("", "SELECT v FROM s WHERE id = $1"), bind("", "", text("60")),
                    describePortal(""), execute("", 0), sync()},
                new FrontendMessage[] {parse("", "SELECT v FROM s WHERE id = $1", 23), bind("", "", text("60")),
                    describePortal(""), execute("", 0), sync()},
                // A declared type without a $n in the text: Bind must give its value.
                new FrontendMessage[] {parse("", "SELECT 1 AS one", 23), bind("", ""), describePortal(""),
                    execute("", 0), sync()},
                new FrontendMessage[] {parse("", "SELECT id, v FROM s WHERE id = 60"),
                    bind("", "", formats(), new byte[0][], formats(1)), describePortal(""), execute("", 0),
                    sync()},
                new FrontendMessage[] {parse("", "SELECT id, v FROM s WHERE id = 60"),
                    bind("", "", formats(), new byte[0][], formats(1, 0)), describePortal(""), execute("", 0),
                    sync()},
                // Format codes that do not fit the columns fail at Bind, before anything ran.
                new FrontendMessage[] {parse("", "INSERT INTO s VALUES (61, 'a', 'b') RETURNING id, v"),
                    bind("", "", formats(), new byte[0][], formats(0, 0, 0)), describePortal(""), execute("", 0),
                    sync()},
                alone("SELECT count(*) FROM s WHERE id = 61"),
                simple("DELETE FROM s"));
    }

    /** The unnamed statement of a lone statement stays usable after its Sync: described and bound again. */
    @Test
    void theUnnamedStatementCanBeDescribedAndBoundAgainLater() {
        assertSameAnswers(
                simple("INSERT INTO s VALUES (70, 'a', 'b')"),
                alone("SELECT v, w FROM s WHERE id = 70"),
                new FrontendMessage[] {describeStatement(""), sync()},
                new FrontendMessage[] {bind("", ""), describePortal(""), execute("", 0), sync()},
                alone("INSERT INTO s VALUES (71, 'c', 'd')"),
                new FrontendMessage[] {bind("", ""), execute("", 0), sync()},
                alone("SELECT count(*) FROM s WHERE id = 71"),
                simple("DELETE FROM s"));
    }

    // ---- which way each took ----

    /**
     * The handler sees a lone statement prepared to run once and executed once; any other shape prepared as by Parse.
     */
    @Test
    void aLoneStatementIsPreparedToRunOnceAndExecutedOnce() {
        ObservedHandler recording = new ObservedHandler(new DuckDbHandler(DuckDbConfig.inMemory()));
        try (BuenaVistaServer server = BuenaVistaServer.builder().port(0).discoverProviders(false)
                .handler(recording).build().start();
                WireClient c = WireClient.connect("127.0.0.1", server.port())) {
            c.login("postgres", "test");
            c.simpleQuery("CREATE TABLE r(id integer PRIMARY KEY, v text)");
            c.simpleQuery("INSERT INTO r VALUES (1, 'one')");
            recording.reset();
            c.send(alone("SELECT v FROM r WHERE id = 1"));
            c.readUntilReady();
            assertEquals(List.of("once SELECT v FROM r WHERE id = 1", "execute"), recording.calls());
            recording.reset();
            c.send(alone("SELECT v::integer FROM r WHERE id = 1"));
            c.readUntilReady();
            // Run once, directly, which failed; then prepared to place and describe its error, not run again.
            assertEquals(List.of("once SELECT v::integer FROM r WHERE id = 1", "execute",
                    "prepare SELECT v::integer FROM r WHERE id = 1"), recording.calls());
            recording.reset();
            c.send(parse("", "SELECT v FROM r WHERE id = 1"), flush(), bind("", ""), execute("", 0), sync());
            c.readUntilReady();
            assertEquals(List.of("prepare SELECT v FROM r WHERE id = 1", "execute"), recording.calls());
        }
    }

    // ---- a cancel or statement_timeout while it runs ----

    /** A statement that runs until stopped: pg_sleep on PostgreSQL, a count over a huge range on DuckDB. */
    private static final String PG_LONG = "SELECT pg_sleep(60)";
    private static final String DUCK_LONG = "SELECT count(*) FROM range(1000000000000)";

    /**
     * One CancelRequest, sent once the statement runs, and the statement_timeout, stop a lone statement as they stop
     * PostgreSQL's: ParseComplete, BindComplete (and the RowDescription) go out first and the 57014 at its Execute,
     * although Buena Vista runs it at its Parse. The statement ran once; its Bind prepared it again to describe it.
     */
    @Test
    void aCancelOrTimeoutWhileItRunsComesAtItsExecuteAsInPostgres() throws Exception {
        ObservedHandler observed = new ObservedHandler(new DuckDbHandler(DuckDbConfig.inMemory()));
        try (BuenaVistaServer server = BuenaVistaServer.builder().port(0).discoverProviders(false)
                .handler(observed).build().start();
                WireClient postgres = twin.postgresWire();
                WireClient c = WireClient.connect("127.0.0.1", server.port())) {
            c.login("postgres", "test");
            for (boolean describe : new boolean[] {true, false}) {
                postgres.send(lone(PG_LONG, describe));
                awaitSleeping(postgres.backendKeyData().processId());
                postgres.cancel();
                String expected = shape(postgres);
                observed.reset();
                c.send(lone(DUCK_LONG, describe));
                assertTrue(observed.awaitExecution(Duration.ofSeconds(30)), "the statement started");
                c.cancel();
                assertEquals(expected, shape(c));
                assertEquals(List.of("once " + DUCK_LONG, "execute", "prepare " + DUCK_LONG), observed.calls());
            }
            postgres.simpleQuery("SET statement_timeout = '1s'");
            c.simpleQuery("SET statement_timeout = '1s'");
            for (boolean describe : new boolean[] {true, false}) {
                postgres.send(lone(PG_LONG, describe));
                c.send(lone(DUCK_LONG, describe));
                assertEquals(shape(postgres), shape(c));
            }
            postgres.simpleQuery("RESET statement_timeout");
            c.simpleQuery("RESET statement_timeout");
            assertEquals(answer(postgres, alone("SELECT 1 AS one")), answer(c, alone("SELECT 1 AS one")));
        }
    }

    /** A lone statement, with or without its Describe. */
    private static FrontendMessage[] lone(String sql, boolean describe) {
        return describe ? alone(sql) : new FrontendMessage[] {parse("", sql), bind("", ""), execute("", 0), sync()};
    }

    /** Which messages came up to ReadyForQuery, with an error's SQLSTATE and text (columns differ by design). */
    private static String shape(WireClient c) {
        StringBuilder out = new StringBuilder();
        for (BackendMessage m : c.readUntilReady()) {
            if (m instanceof BackendMessage.ErrorResponse e) {
                out.append("ERROR ").append(e.fields().get('C')).append(' ').append(e.fields().get('M')).append(", ");
            } else if (m instanceof BackendMessage.ReadyForQuery r) {
                out.append("ReadyForQuery ").append(r.status());
            } else if (!(m instanceof BackendMessage.NoticeResponse || m instanceof BackendMessage.ParameterStatus)) {
                out.append(m.getClass().getSimpleName()).append(", ");
            }
        }
        return out.toString();
    }

    /** Waits until the PostgreSQL backend sleeps in pg_sleep, so that the one cancel finds it executing. */
    private static void awaitSleeping(int pid) throws SQLException, InterruptedException {
        try (Connection admin = DriverManager.getConnection(PostgresTwin.PG_URL);
                PreparedStatement ps = admin.prepareStatement(
                        "SELECT count(*) FROM pg_stat_activity WHERE pid = ? AND wait_event = 'PgSleep'")) {
            ps.setInt(1, pid);
            for (int i = 0; i < 3000; i++) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
                Thread.sleep(10);
            }
        }
        fail("PostgreSQL backend " + pid + " never slept");
    }
}
