package io.buenavista.core.session;

import io.buenavista.testing.BackendMessage.BindComplete;
import io.buenavista.testing.BackendMessage.ParseComplete;
import io.buenavista.testing.BackendMessage.PortalSuspended;
import io.buenavista.testing.BackendMessage.ReadyForQuery;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.buenavista.testing.Frontend.bind;
import static io.buenavista.testing.Frontend.execute;
import static io.buenavista.testing.Frontend.parse;
import static io.buenavista.testing.Frontend.query;
import static io.buenavista.testing.Frontend.sync;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Implicit transactions, transaction blocks, and what they do to portals. */
class TransactionTest extends WireScript {

    private void simple(String sql, String tag, char status) {
        client.send(query(sql));
        client.expectCommandComplete(tag);
        client.expectReadyForQuery(status);
    }

    @Test
    void aPipelinedBatchIsOneImplicitTransactionThatAnErrorRollsBack() {
        client.send(parse("", "insert a"), bind("", ""), execute("", 0),
                parse("", "insert b"), bind("", ""), execute("", 0),
                parse("", "fail 23505 duplicate key"), bind("", ""), execute("", 0), sync());
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectCommandComplete("INSERT 0 1");
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectCommandComplete("INSERT 0 1");
        client.expect(ParseComplete.class, BindComplete.class);
        expectError("23505");
        client.expectReadyForQuery('I');
        assertEquals(List.of(), handler.log());
        assertEquals(List.of("BEGIN", "ROLLBACK"), handler.transactions());
    }

    @Test
    void aPipelinedBatchWithoutErrorsCommitsAtSync() {
        client.send(parse("", "insert a"), bind("", ""), execute("", 0),
                parse("", "insert b"), bind("", ""), execute("", 0), sync());
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectCommandComplete("INSERT 0 1");
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectCommandComplete("INSERT 0 1");
        client.expectReadyForQuery('I');
        assertEquals(List.of("a", "b"), handler.log());
        assertEquals(List.of("BEGIN", "COMMIT"), handler.transactions());
    }

    @Test
    void aSingleStatementBatchRunsInAutocommit() {
        client.send(parse("", "insert a"), bind("", ""), execute("", 0), sync());
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectCommandComplete("INSERT 0 1");
        client.expectReadyForQuery('I');
        assertEquals(List.of("a"), handler.log());
        assertEquals(List.of(), handler.transactions());
    }

    @Test
    void aTransactionBlockReportsItsStatusAndCommits() {
        simple("begin", "BEGIN", 'T');
        simple("insert a", "INSERT 0 1", 'T');
        assertEquals(List.of(), handler.log());
        simple("commit", "COMMIT", 'I');
        assertEquals(List.of("a"), handler.log());
        assertEquals(List.of("BEGIN", "COMMIT"), handler.transactions());
    }

    @Test
    void rollbackDiscardsTheBlock() {
        simple("start transaction", "START TRANSACTION", 'T');
        simple("insert a", "INSERT 0 1", 'T');
        simple("rollback", "ROLLBACK", 'I');
        assertEquals(List.of(), handler.log());
        assertEquals(List.of("BEGIN", "ROLLBACK"), handler.transactions());
    }

    @Test
    void inAFailedBlockOtherStatementsFailWith25P02AndCommitAnswersRollback() {
        simple("begin", "BEGIN", 'T');
        simple("insert a", "INSERT 0 1", 'T');
        client.send(query("fail 22012 division by zero"));
        expectError("22012");
        client.expectReadyForQuery('E');
        client.send(query("insert b"));
        expectError("25P02");
        client.expectReadyForQuery('E');
        // Refused at its Parse, as PostgreSQL refuses it; the rest up to Sync is skipped.
        client.send(parse("", "rows 1"), bind("", ""), execute("", 0), sync());
        expectError("25P02");
        client.expectReadyForQuery('E');
        simple("commit", "ROLLBACK", 'I');
        assertEquals(List.of(), handler.log());
        assertEquals(List.of("BEGIN", "ROLLBACK"), handler.transactions());
    }

    @Test
    void aFailedBlockIsLeftWithRollbackThroughTheExtendedProtocol() {
        simple("begin", "BEGIN", 'T');
        client.send(parse("", "fail 40001 could not serialize"), bind("", ""), execute("", 0), sync());
        client.expect(ParseComplete.class, BindComplete.class);
        expectError("40001");
        client.expectReadyForQuery('E');
        client.send(parse("", "rollback"), bind("", ""), execute("", 0), sync());
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectCommandComplete("ROLLBACK");
        client.expectReadyForQuery('I');
    }

    @Test
    void syncOutsideABlockClosesAllPortals() {
        client.send(parse("", "rows 3"), bind("p", ""), execute("p", 1), sync());
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectDataRow("1");
        client.expect(PortalSuspended.class);
        client.expectReadyForQuery('I');
        assertEquals(0, handler.openCursors());
        client.send(execute("p", 0), sync());
        expectError("34000");
        client.expectReadyForQuery('I');
    }

    @Test
    void commitClosesPortals() {
        simple("begin", "BEGIN", 'T');
        client.send(parse("", "rows 3"), bind("p", ""), execute("p", 1), sync());
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectDataRow("1");
        client.expect(PortalSuspended.class);
        client.expectReadyForQuery('T');
        simple("commit", "COMMIT", 'I');
        assertEquals(0, handler.openCursors());
        client.send(execute("p", 0), sync());
        expectError("34000");
        client.expectReadyForQuery('I');
    }

    @Test
    void rollbackClosesPortals() {
        simple("begin", "BEGIN", 'T');
        client.send(parse("", "rows 3"), bind("p", ""), execute("p", 1), parse("", "rollback"), bind("", ""),
                execute("", 0), execute("p", 0), sync());
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectDataRow("1");
        client.expect(PortalSuspended.class, ParseComplete.class, BindComplete.class);
        client.expectCommandComplete("ROLLBACK");
        expectError("34000");
        client.expectReadyForQuery('I');
        assertEquals(0, handler.openCursors());
    }

    /** pgjdbc's setFetchSize with autocommit off: BEGIN, then one Execute(fetch size) + Sync at a time. */
    @Test
    void aNamedPortalSurvivesSyncInsideABlock() {
        client.send(parse("", "begin"), bind("", ""), execute("", 0), parse("", "rows 5"), bind("C_1", ""),
                execute("C_1", 2), sync());
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectCommandComplete("BEGIN");
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectDataRow("1");
        client.expectDataRow("2");
        client.expect(PortalSuspended.class);
        client.expectReadyForQuery('T');

        client.send(execute("C_1", 2), sync());
        client.expectDataRow("3");
        client.expectDataRow("4");
        client.expect(PortalSuspended.class);
        client.expectReadyForQuery('T');

        client.send(execute("C_1", 2), sync());
        client.expectDataRow("5");
        client.expectCommandComplete("SELECT 1");
        client.expectReadyForQuery('T');
        simple("commit", "COMMIT", 'I');
        assertEquals(0, handler.openCursors());
    }

    /**
     * pgjdbc runs other queries on the connection while a fetch-size result set is open; each Parses the unnamed
     * statement again, which must not take the open portal bound from the previous unnamed statement with it.
     */
    @Test
    void anOpenPortalSurvivesTheReplacementOfItsUnnamedStatement() {
        simple("begin", "BEGIN", 'T');
        client.send(parse("", "rows 3"), bind("C_1", ""), execute("C_1", 1), sync());
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectDataRow("1");
        client.expect(PortalSuspended.class);
        client.expectReadyForQuery('T');

        client.send(parse("", "insert a"), bind("", ""), execute("", 0), execute("C_1", 0), sync());
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectCommandComplete("INSERT 0 1");
        client.expectDataRow("2");
        client.expectDataRow("3");
        client.expectCommandComplete("SELECT 2");
        client.expectReadyForQuery('T');

        // A simple query drops the unnamed statement too.
        client.send(parse("", "rows 2"), bind("C_2", ""), execute("C_2", 1), sync());
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectDataRow("1");
        client.expect(PortalSuspended.class);
        client.expectReadyForQuery('T');
        simple("insert b", "INSERT 0 1", 'T');
        client.send(execute("C_2", 0), sync());
        client.expectDataRow("2");
        client.expectCommandComplete("SELECT 1");
        client.expectReadyForQuery('T');

        simple("commit", "COMMIT", 'I');
        assertEquals(List.of("a", "b"), handler.log());
        assertEquals(0, handler.openCursors());
        client.send(query("rows 0"));
        client.readUntilReady();
        assertEquals(0, handler.openStatements());
    }

    @Test
    void aBindOfANotYetExecutedPortalSurvivesTheReplacementOfItsUnnamedStatement() {
        simple("begin", "BEGIN", 'T');
        client.send(parse("", "rows 2"), bind("later", ""), parse("", "rows 1"), bind("", ""), execute("", 0),
                execute("later", 0), sync());
        client.expect(ParseComplete.class, BindComplete.class, ParseComplete.class, BindComplete.class);
        client.expectDataRow("1");
        client.expectCommandComplete("SELECT 1");
        client.expectDataRow("1");
        client.expectDataRow("2");
        client.expectCommandComplete("SELECT 2");
        client.expectReadyForQuery('T');
        simple("commit", "COMMIT", 'I');
    }

    @Test
    void anErrorInsideABlockOfTheExtendedProtocolMarksItFailedUntilSync() {
        simple("begin", "BEGIN", 'T');
        client.send(parse("", "insert a"), bind("", ""), execute("", 0), parse("", "prepfail 42601"),
                parse("", "insert b"), bind("", ""), execute("", 0), sync());
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectCommandComplete("INSERT 0 1");
        expectError("42601");
        client.expectReadyForQuery('E');
        simple("rollback", "ROLLBACK", 'I');
        assertEquals(List.of(), handler.log());
    }

    @Test
    void beginInsideAQueryTurnsItsImplicitTransactionIntoABlock() {
        client.send(query("insert a; begin; insert b"));
        client.expectCommandComplete("INSERT 0 1");
        client.expectCommandComplete("BEGIN");
        client.expectCommandComplete("INSERT 0 1");
        client.expectReadyForQuery('T');
        assertEquals(List.of(), handler.log());
        simple("commit", "COMMIT", 'I');
        assertEquals(List.of("a", "b"), handler.log());
        assertEquals(List.of("BEGIN", "COMMIT"), handler.transactions());
    }
}
