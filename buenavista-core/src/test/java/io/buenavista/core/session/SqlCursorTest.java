package io.buenavista.core.session;

import io.buenavista.testing.BackendMessage.BindComplete;
import io.buenavista.testing.BackendMessage.CommandComplete;
import io.buenavista.testing.BackendMessage.DataRow;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.BackendMessage.NoData;
import io.buenavista.testing.BackendMessage.ParameterDescription;
import io.buenavista.testing.BackendMessage.ParseComplete;
import io.buenavista.testing.BackendMessage.PortalSuspended;
import io.buenavista.testing.BackendMessage.ReadyForQuery;
import io.buenavista.testing.BackendMessage.RowDescription;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.buenavista.testing.Frontend.bind;
import static io.buenavista.testing.Frontend.describePortal;
import static io.buenavista.testing.Frontend.describeStatement;
import static io.buenavista.testing.Frontend.execute;
import static io.buenavista.testing.Frontend.parse;
import static io.buenavista.testing.Frontend.query;
import static io.buenavista.testing.Frontend.sync;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** SQL cursors (DECLARE, FETCH, MOVE, CLOSE) emulated by the core over the handler's row cursors. */
class SqlCursorTest extends WireScript {

    private void ok(String sql, String tag, char status) {
        client.send(query(sql));
        client.expectCommandComplete(tag);
        client.expectReadyForQuery(status);
    }

    private void fetch(String sql, String tag, String... rows) {
        client.send(query(sql));
        client.expectRowDescription("n");
        for (String row : rows) {
            client.expectDataRow(row);
        }
        client.expectCommandComplete(tag);
        client.expectReadyForQuery('T');
    }

    @Test
    void fetchMoveAndCloseWalkTheRowsForward() {
        ok("BEGIN", "BEGIN", 'T');
        ok("DECLARE c NO SCROLL CURSOR WITHOUT HOLD FOR rows 6", "DECLARE CURSOR", 'T');
        assertEquals(1, handler.openCursors());
        fetch("FETCH FORWARD 2 FROM c", "FETCH 2", "1", "2");
        ok("MOVE 1 IN c", "MOVE 1", 'T');
        fetch("FETCH NEXT c", "FETCH 1", "4");
        fetch("FETCH RELATIVE 2 c", "FETCH 1", "6");
        fetch("FETCH ALL FROM c", "FETCH 0");
        assertEquals(0, handler.openCursors(), "the handler's cursor is released once read to the end");
        ok("CLOSE c", "CLOSE CURSOR", 'T');
        ok("COMMIT", "COMMIT", 'I');
        assertEquals(0, handler.openStatements());
    }

    @Test
    void psqlFetchCountScriptInOneGo() {
        // psql's FETCH_COUNT sends these one by one; a client may also send them as one Query.
        client.send(query("BEGIN; DECLARE _psql_cursor NO SCROLL CURSOR FOR rows 3; "
                + "FETCH FORWARD 2 FROM _psql_cursor; FETCH FORWARD 2 FROM _psql_cursor; CLOSE _psql_cursor; COMMIT"));
        client.expectCommandComplete("BEGIN");
        client.expectCommandComplete("DECLARE CURSOR");
        client.expectRowDescription("n");
        client.expectDataRow("1");
        client.expectDataRow("2");
        client.expectCommandComplete("FETCH 2");
        client.expectRowDescription("n");
        client.expectDataRow("3");
        client.expectCommandComplete("FETCH 1");
        client.expectCommandComplete("CLOSE CURSOR");
        client.expectCommandComplete("COMMIT");
        client.expectReadyForQuery('I');
        assertEquals(0, handler.openCursors());
    }

    @Test
    void aCursorStreamsWithoutReadingAheadAndEndsWithItsTransaction() {
        ok("BEGIN", "BEGIN", 'T');
        ok("DECLARE big CURSOR FOR rows 1000000000", "DECLARE CURSOR", 'T');
        fetch("FETCH 2 big", "FETCH 2", "1", "2");
        ok("MOVE FORWARD 1000 big", "MOVE 1000", 'T');
        fetch("FETCH big", "FETCH 1", "1003");
        assertEquals(1, handler.openCursors());
        ok("ROLLBACK", "ROLLBACK", 'I');
        assertEquals(0, handler.openCursors());
        assertEquals(0, handler.openStatements());
        ok("BEGIN", "BEGIN", 'T');
        client.send(query("FETCH big"));
        expectError("34000");
        client.expectReadyForQuery('E');
    }

    @Test
    void declareOutsideATransactionBlockFailsAsInPostgres() {
        client.send(query("DECLARE c CURSOR FOR rows 1"));
        ErrorResponse e = expectError("25P01");
        assertEquals("DECLARE CURSOR can only be used in transaction blocks", e.field('M'));
        client.expectReadyForQuery('I');
        assertEquals(0, handler.openCursors());
    }

    @Test
    void unsupportedAndInvalidUsesFailWithPostgresStates() {
        String[][] cases = {
            {"DECLARE c CURSOR WITH HOLD FOR rows 1", "0A000"},
            {"DECLARE c SCROLL CURSOR FOR rows 1", "0A000"},
            {"FETCH nope", "34000"},
            {"CLOSE nope", "34000"},
            {"DECLARE c CURSOR FOR insert x", "42601"},
            {"DECLARE c CURSOR rows 1", "42601"},
        };
        for (String[] c : cases) {
            ok("BEGIN", "BEGIN", 'T');
            client.send(query(c[0]));
            expectError(c[1]);
            client.expectReadyForQuery('E');
            ok("ROLLBACK", "ROLLBACK", 'I');
        }
        String[] backwards = {"FETCH BACKWARD 1 c", "FETCH PRIOR c", "FETCH -1 c", "FETCH LAST c",
            "FETCH ABSOLUTE 1 c", "FETCH 0 c", "FETCH RELATIVE -1 c"};
        for (String sql : backwards) {
            ok("BEGIN", "BEGIN", 'T');
            ok("DECLARE c CURSOR FOR rows 5", "DECLARE CURSOR", 'T');
            fetch("FETCH c", "FETCH 1", "1");
            client.send(query(sql));
            ErrorResponse e = expectError("55000");
            assertEquals("cursor can only scan forward", e.field('M'), sql);
            client.expectReadyForQuery('E');
            ok("ROLLBACK", "ROLLBACK", 'I');
        }
        assertEquals(0, handler.openCursors());
    }

    @Test
    void positioningForwardFollowsPostgres() {
        ok("BEGIN", "BEGIN", 'T');
        ok("DECLARE c CURSOR FOR rows 5", "DECLARE CURSOR", 'T');
        fetch("FETCH 0 FROM c", "FETCH 0");
        ok("MOVE 0 c", "MOVE 0", 'T');
        fetch("FETCH FIRST FROM c", "FETCH 1", "1");
        ok("MOVE 0 c", "MOVE 1", 'T');
        fetch("FETCH ABSOLUTE 3 FROM c", "FETCH 1", "3");
        ok("MOVE FORWARD 10 c", "MOVE 2", 'T');
        fetch("FETCH 0 c", "FETCH 0");
        ok("DECLARE d CURSOR FOR rows 2", "DECLARE CURSOR", 'T');
        ok("CLOSE ALL", "CLOSE CURSOR ALL", 'T');
        client.send(query("FETCH d"));
        expectError("34000");
        client.expectReadyForQuery('E');
        ok("COMMIT", "ROLLBACK", 'I');
    }

    @Test
    void aDuplicateCursorNameFails() {
        ok("BEGIN", "BEGIN", 'T');
        ok("DECLARE c CURSOR FOR rows 1", "DECLARE CURSOR", 'T');
        client.send(query("DECLARE c CURSOR FOR rows 1"));
        expectError("42P03");
        client.expectReadyForQuery('E');
        ok("ROLLBACK", "ROLLBACK", 'I');
    }

    @Test
    void fetchDescribedInTheExtendedProtocolHasTheCursorsColumns() {
        ok("BEGIN", "BEGIN", 'T');
        ok("DECLARE \"c\" CURSOR WITHOUT HOLD FOR types", "DECLARE CURSOR", 'T');
        client.send(parse("f", "FETCH FORWARD 2000 FROM \"c\""), describeStatement("f"), sync());
        client.expect(ParseComplete.class, ParameterDescription.class);
        RowDescription rd = client.expect(RowDescription.class);
        assertEquals(20, rd.fields().size());
        assertEquals("bool", rd.names().get(0));
        client.expectReadyForQuery('T');
        client.send(bind("", "f"), execute("", 0), sync());
        client.expect(BindComplete.class);
        assertEquals("t", client.expect(DataRow.class).text(0));
        client.expectCommandComplete("FETCH 1");
        client.expectReadyForQuery('T');
        // MOVE and a FETCH of a cursor not declared yet describe no rows.
        client.send(parse("m", "MOVE 1 c"), describeStatement("m"), parse("g", "FETCH x"), describeStatement("g"),
                sync());
        client.expect(ParseComplete.class, ParameterDescription.class, NoData.class, ParseComplete.class,
                ParameterDescription.class, NoData.class, ReadyForQuery.class);
        ok("COMMIT", "COMMIT", 'I');
    }

    @Test
    void aDeclaredCursorIsAPortalTheProtocolCanExecute() {
        ok("BEGIN", "BEGIN", 'T');
        ok("DECLARE c CURSOR FOR rows 5", "DECLARE CURSOR", 'T');
        client.send(describePortal("c"), execute("c", 2), sync());
        client.expectRowDescription("n");
        client.expectDataRow("1");
        client.expectDataRow("2");
        client.expect(PortalSuspended.class);
        client.expectReadyForQuery('T');
        fetch("FETCH 1 c", "FETCH 1", "3");
        client.send(execute("c", 0), sync());
        client.expectDataRow("4");
        client.expectDataRow("5");
        client.expect(CommandComplete.class);
        client.expectReadyForQuery('T');
        fetch("FETCH c", "FETCH 0");
        ok("COMMIT", "COMMIT", 'I');
    }

    @Test
    void declareWithParametersInTheExtendedProtocol() {
        ok("BEGIN", "BEGIN", 'T');
        client.send(parse("", "DECLARE e CURSOR FOR echo $1, $2"), bind("", "", "a".getBytes(), "b".getBytes()),
                execute("", 0), sync());
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectCommandComplete("DECLARE CURSOR");
        client.expectReadyForQuery('T');
        client.send(query("FETCH ALL e"));
        client.expectRowDescription("p1", "p2");
        client.expectDataRow("a", "b");
        client.expectCommandComplete("FETCH 1");
        client.expectReadyForQuery('T');
        ok("COMMIT", "COMMIT", 'I');
    }

    @Test
    void aBinaryCursorSendsBinaryValuesInTheSimpleProtocol() {
        ok("BEGIN", "BEGIN", 'T');
        ok("DECLARE b BINARY CURSOR FOR rows 2", "DECLARE CURSOR", 'T');
        client.send(query("FETCH 2 b"));
        RowDescription rd = client.expect(RowDescription.class);
        assertEquals(1, rd.field(0).format());
        assertEquals(1L, client.expect(DataRow.class).binaryInteger(0));
        assertEquals(2L, client.expect(DataRow.class).binaryInteger(0));
        client.expectCommandComplete("FETCH 2");
        client.expectReadyForQuery('T');
        ok("COMMIT", "COMMIT", 'I');
    }

    @Test
    void anExtendedBatchIsAnImplicitTransactionBlockForDeclare() {
        client.send(parse("", "DECLARE c CURSOR FOR rows 2"), bind("", ""), execute("", 0),
                parse("", "FETCH ALL c"), bind("", ""), execute("", 0), sync());
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectCommandComplete("DECLARE CURSOR");
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectDataRow("1");
        client.expectDataRow("2");
        client.expectCommandComplete("FETCH 2");
        client.expectReadyForQuery('I');
        assertEquals(List.of("BEGIN", "COMMIT"), handler.transactions());
        assertEquals(0, handler.openCursors());
    }
}
