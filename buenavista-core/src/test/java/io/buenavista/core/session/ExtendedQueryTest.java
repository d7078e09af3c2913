package io.buenavista.core.session;

import io.buenavista.testing.BackendMessage.BindComplete;
import io.buenavista.testing.BackendMessage.CloseComplete;
import io.buenavista.testing.BackendMessage.DataRow;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.BackendMessage.NoData;
import io.buenavista.testing.BackendMessage.ParseComplete;
import io.buenavista.testing.BackendMessage.PortalSuspended;
import io.buenavista.testing.BackendMessage.ReadyForQuery;
import io.buenavista.testing.BackendMessage.RowDescription;
import io.buenavista.testing.FrontendMessage;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.buenavista.testing.Frontend.binaryInt2;
import static io.buenavista.testing.Frontend.binaryInt4;
import static io.buenavista.testing.Frontend.binaryInt8;
import static io.buenavista.testing.Frontend.bind;
import static io.buenavista.testing.Frontend.closePortal;
import static io.buenavista.testing.Frontend.closeStatement;
import static io.buenavista.testing.Frontend.copyData;
import static io.buenavista.testing.Frontend.copyDone;
import static io.buenavista.testing.Frontend.copyFail;
import static io.buenavista.testing.Frontend.describePortal;
import static io.buenavista.testing.Frontend.describeStatement;
import static io.buenavista.testing.Frontend.execute;
import static io.buenavista.testing.Frontend.flush;
import static io.buenavista.testing.Frontend.formats;
import static io.buenavista.testing.Frontend.functionCall;
import static io.buenavista.testing.Frontend.parse;
import static io.buenavista.testing.Frontend.query;
import static io.buenavista.testing.Frontend.sync;
import static io.buenavista.testing.Frontend.text;
import static io.buenavista.testing.Frontend.values;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The extended query protocol: Parse, Bind, Describe, Execute, Close, Sync, Flush, and errors between Syncs. */
class ExtendedQueryTest extends WireScript {
    private static final int INT2 = 21;
    private static final int INT4 = 23;
    private static final int INT8 = 20;
    private static final int TEXT = 25;
    /** timetz: a built-in type without a codec of its own, so without a binary form. */
    private static final int TIMETZ = 1266;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---- Parse ----

    @Test
    void namedAndUnnamedStatementsAreParsedBoundAndExecuted() {
        client.send(parse("two", "rows 2"), parse("", "rows 1"), bind("p", "two"), bind("", ""),
                execute("p", 0), execute("", 0), sync());
        client.expect(ParseComplete.class, ParseComplete.class, BindComplete.class, BindComplete.class);
        client.expectDataRow("1");
        client.expectDataRow("2");
        client.expectCommandComplete("SELECT 2");
        client.expectDataRow("1");
        client.expectCommandComplete("SELECT 1");
        client.expectReadyForQuery('I');
    }

    @Test
    void parsingAnExistingNamedStatementAgainFailsWith42P05AndKeepsTheFirst() {
        client.send(parse("s", "rows 1"), sync());
        client.expect(ParseComplete.class, ReadyForQuery.class);
        client.send(parse("s", "rows 2"), sync());
        expectError("42P05");
        client.expectReadyForQuery('I');

        client.send(bind("", "s"), execute("", 0), sync());
        client.expect(BindComplete.class);
        client.expectDataRow("1");
        client.expectCommandComplete("SELECT 1");
        client.expectReadyForQuery('I');
    }

    @Test
    void theUnnamedStatementMayBeReplacedByTheNextParse() {
        client.send(parse("", "rows 1"), parse("", "rows 2"), bind("", ""), execute("", 0), sync());
        client.expect(ParseComplete.class, ParseComplete.class, BindComplete.class);
        client.expectDataRow("1");
        client.expectDataRow("2");
        client.expectCommandComplete("SELECT 2");
        client.expectReadyForQuery('I');
    }

    @Test
    void severalStatementsInOneParseFailWith42601() {
        client.send(parse("", "rows 1; rows 2"), sync());
        expectError("42601");
        client.expectReadyForQuery('I');
    }

    @Test
    void untypedParametersAreAllowedAndPassedAsTheClientsText() {
        client.send(parse("", "echo $1, $2", 0, 0), describeStatement(""), bind("", "", text("hé", null)),
                execute("", 0), sync());
        client.expect(ParseComplete.class);
        // A parameter the handler cannot type is passed as text, so Describe asks for text.
        client.expectParameterDescription(TEXT, TEXT);
        client.expectRowDescription("p1", "p2");
        client.expect(BindComplete.class);
        client.expectDataRow("hé", null);
        client.expectCommandComplete("SELECT 1");
        client.expectReadyForQuery('I');
    }

    // ---- Bind ----

    @Test
    void bindTakesTextAndBinaryParametersWithZeroOneOrOneFormatCodePerParameter() {
        client.send(parse("s", "echo $1, $2, $3", INT4, INT8, TEXT), sync());
        client.expect(ParseComplete.class, ReadyForQuery.class);

        client.send(bind("", "s", formats(), text("1", "2", "three"), formats()), execute("", 0),
                bind("", "s", formats(1), values(binaryInt4(4), binaryInt8(5), utf8("six")), formats()),
                execute("", 0),
                bind("", "s", formats(1, 0, 1), values(binaryInt4(7), utf8("8"), null), formats()),
                execute("", 0), sync());
        client.expect(BindComplete.class);
        client.expectDataRow("1", "2", "three");
        client.expectCommandComplete("SELECT 1");
        client.expect(BindComplete.class);
        client.expectDataRow("4", "5", "six");
        client.expectCommandComplete("SELECT 1");
        client.expect(BindComplete.class);
        client.expectDataRow("7", "8", null);
        client.expectCommandComplete("SELECT 1");
        client.expectReadyForQuery('I');
    }

    @Test
    void binaryResultFormatsAreHonouredPerColumn() {
        client.send(parse("", "echo $1, $2", INT4, TEXT),
                bind("", "", formats(), text("42", "x"), formats(1, 0)), execute("", 0), sync());
        client.expect(ParseComplete.class, BindComplete.class);
        DataRow row = client.expect(DataRow.class);
        assertEquals(42, row.binaryInteger(0));
        assertEquals("x", row.text(1));
        client.expectCommandComplete("SELECT 1");
        client.expectReadyForQuery('I');
    }

    @Test
    void aWrongNumberOfParametersOrFormatCodesFailsWith08P01() {
        client.send(parse("s", "echo $1, $2", INT4, INT4), sync());
        client.expect(ParseComplete.class, ReadyForQuery.class);

        client.send(bind("", "s", text("1")), sync());
        expectError("08P01");
        client.expectReadyForQuery('I');
        client.send(bind("", "s", formats(0, 0, 0), text("1", "2"), formats()), sync());
        expectError("08P01");
        client.expectReadyForQuery('I');
        client.send(bind("", "s", formats(), text("1", "2"), formats(0, 0, 0)), sync());
        expectError("08P01");
        client.expectReadyForQuery('I');
    }

    @Test
    void bindingAnUnknownStatementFailsWith26000() {
        client.send(bind("", "nope"), sync());
        expectError("26000");
        client.expectReadyForQuery('I');
    }

    @Test
    void anUnsupportedFormatCodeFailsWith22023() {
        client.send(parse("", "echo $1", INT4), bind("", "", formats(2), text("1"), formats()), sync());
        client.expect(ParseComplete.class);
        expectError("22023");
        client.expectReadyForQuery('I');
        client.send(parse("", "echo $1", INT4), bind("", "", formats(), text("1"), formats(7)), sync());
        client.expect(ParseComplete.class);
        expectError("22023");
        client.expectReadyForQuery('I');
    }

    @Test
    void aShortBinaryValueFailsWith22P03() {
        client.send(parse("", "echo $1", INT4), bind("", "", formats(1), values(binaryInt2(1)), formats()),
                sync());
        client.expect(ParseComplete.class);
        expectError("22P03");
        client.expectReadyForQuery('I');
    }

    @Test
    void invalidUtf8InATextParameterFailsWith22021() {
        client.send(parse("", "echo $1", TEXT),
                bind("", "", formats(), values(new byte[] {'a', (byte) 0xc3, '('}), formats()), sync());
        client.expect(ParseComplete.class);
        expectError("22021");
        client.expectReadyForQuery('I');
    }

    @Test
    void aBinaryResultForATypeWithoutBinaryOutputFailsAtBindWith42883() {
        client.send(parse("", "echo $1", TIMETZ), bind("", "", formats(), text("12:00:00+02"), formats(1)),
                execute("", 0), sync());
        client.expect(ParseComplete.class);
        expectError("42883");
        client.expectReadyForQuery('I');
        assertEquals(0, handler.openCursors());
    }

    // ---- Describe ----

    @Test
    void describeStatementDescribesWithoutExecuting() {
        client.send(parse("ins", "insert x"), describeStatement("ins"), sync());
        client.expect(ParseComplete.class);
        client.expectParameterDescription();
        client.expect(NoData.class);
        client.expectReadyForQuery('I');
        assertEquals(List.of(), handler.log());
        assertEquals(0, handler.openCursors());
    }

    @Test
    void describeStatementSendsTextFormatCodesAndTheParameterTypes() {
        client.send(parse("s", "echo $1, $2", INT4, INT8), describeStatement("s"), sync());
        client.expect(ParseComplete.class);
        client.expectParameterDescription(INT4, INT8);
        RowDescription rd = client.expectRowDescription("p1", "p2");
        assertEquals(List.of(INT4, INT8), rd.typeOids());
        assertEquals(0, rd.field(0).format());
        assertEquals(0, rd.field(1).format());
        client.expectReadyForQuery('I');
    }

    @Test
    void describePortalSendsTheBoundFormatsAndExecuteSendsNoRowDescription() {
        client.send(parse("", "echo $1, $2", INT4, INT4),
                bind("", "", formats(), text("1", "2"), formats(1, 0)), describePortal(""), execute("", 0), sync());
        client.expect(ParseComplete.class, BindComplete.class);
        RowDescription rd = client.expectRowDescription("p1", "p2");
        assertEquals(1, rd.field(0).format());
        assertEquals(0, rd.field(1).format());
        client.expect(DataRow.class);
        client.expectCommandComplete("SELECT 1");
        client.expectReadyForQuery('I');
    }

    @Test
    void describingSomethingUnknownFails() {
        client.send(describeStatement("nope"), sync());
        expectError("26000");
        client.expectReadyForQuery('I');
        client.send(describePortal("nope"), sync());
        expectError("34000");
        client.expectReadyForQuery('I');
    }

    // ---- Execute ----

    @Test
    void executeWithARowLimitSuspendsAndTheNextExecuteResumes() {
        client.send(parse("", "rows 5"), bind("", ""), execute("", 2), execute("", 0), sync());
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectDataRow("1");
        client.expectDataRow("2");
        client.expect(PortalSuspended.class);
        client.expectDataRow("3");
        client.expectDataRow("4");
        client.expectDataRow("5");
        client.expectCommandComplete("SELECT 3");
        client.expectReadyForQuery('I');
        assertEquals(0, handler.openCursors());
    }

    @Test
    void executingAnUnknownPortalFailsWith34000() {
        client.send(execute("nope", 0), sync());
        expectError("34000");
        client.expectReadyForQuery('I');
    }

    // ---- Close ----

    @Test
    void closingUnknownNamesCompletes() {
        client.send(closeStatement("nope"), closePortal("nope"), sync());
        client.expect(CloseComplete.class, CloseComplete.class);
        client.expectReadyForQuery('I');
    }

    @Test
    void closingAStatementClosesItsPortals() {
        client.send(query("begin"));
        client.expectCommandComplete("BEGIN");
        client.expectReadyForQuery('T');
        client.send(parse("s", "rows 3"), bind("p", "s"), execute("p", 1), closeStatement("s"), execute("p", 0),
                sync());
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectDataRow("1");
        client.expect(PortalSuspended.class, CloseComplete.class);
        expectError("34000");
        client.expectReadyForQuery('E');
        assertEquals(0, handler.openCursors());
        assertEquals(0, handler.openStatements());
    }

    @Test
    void closingAPortalReleasesItsCursor() {
        client.send(query("begin"));
        client.expectCommandComplete("BEGIN");
        client.expectReadyForQuery('T');
        client.send(parse("", "rows 3"), bind("p", ""), execute("p", 1), closePortal("p"), execute("p", 0), sync());
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectDataRow("1");
        client.expect(PortalSuspended.class, CloseComplete.class);
        expectError("34000");
        client.expectReadyForQuery('E');
        assertEquals(0, handler.openCursors());
    }

    // ---- Sync, Flush, errors ----

    @Test
    void eachSyncAnswersExactlyOneReadyForQuery() {
        client.send(sync(), parse("", "rows 1"), bind("", ""), execute("", 0), sync(), sync());
        client.expectReadyForQuery('I');
        client.expect(ParseComplete.class, BindComplete.class, DataRow.class);
        client.expectCommandComplete("SELECT 1");
        client.expectReadyForQuery('I');
        client.expectReadyForQuery('I');
        // Nothing else is pending: the next answer is the next query's.
        client.send(query("rows 0"));
        client.expectRowDescription("n");
        client.expectCommandComplete("SELECT 0");
        client.expectReadyForQuery('I');
    }

    @Test
    void flushDeliversPendingResponsesWithoutSync() {
        client.send(parse("", "rows 1"), bind("", ""), execute("", 0), flush());
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectDataRow("1");
        client.expectCommandComplete("SELECT 1");
        client.send(sync());
        client.expectReadyForQuery('I');
    }

    @Test
    void afterAnErrorEverythingUntilSyncIsDiscarded() {
        client.send(parse("", "prepfail 42P01 no such table"), bind("", ""), execute("", 0),
                parse("ins", "insert x"), bind("", "ins"), execute("", 0), describeStatement("ins"),
                closeStatement("x"), flush(), sync());
        expectError("42P01");
        client.expectReadyForQuery('I');
        assertEquals(List.of(), handler.log());
        // The discarded Parse did not create "ins".
        client.send(describeStatement("ins"), sync());
        expectError("26000");
        client.expectReadyForQuery('I');
    }

    @Test
    void aFunctionCallFailsWith0A000AndTheConnectionStays() {
        client.send(functionCall(1234, utf8("1")));
        expectError("0A000");
        client.expectReadyForQuery('I');
        client.send(query("rows 1"));
        client.expectRowDescription("n");
        client.expectDataRow("1");
        client.expectCommandComplete("SELECT 1");
        client.expectReadyForQuery('I');
    }

    @Test
    void copyMessagesOutsideCopyAreIgnored() {
        client.send(copyData("1\t2\n"), copyDone(), copyFail("never mind"), query("rows 1"));
        client.expectRowDescription("n");
        client.expectDataRow("1");
        client.expectCommandComplete("SELECT 1");
        client.expectReadyForQuery('I');
    }

    @Test
    void aCopyStatementFailsCleanly() {
        client.send(query("copy t from stdin")); // only COPY … TO STDOUT is supported
        expectError("0A000");
        client.expectReadyForQuery('I');
        client.send(parse("", "COPY t TO '/tmp/t.csv'"), sync()); // the server's files: never a session's
        expectError("42501");
        client.expectReadyForQuery('I');
    }

    @Test
    void manyPipelinedMessagesBeforeOneSyncAreAnsweredInOrder() {
        List<FrontendMessage> batch = new ArrayList<>();
        batch.add(parse("echo", "echo $1", INT4));
        for (int i = 0; i < 50; i++) {
            batch.add(bind("", "echo", text(Integer.toString(i))));
            batch.add(execute("", 0));
            batch.add(parse("", "rows " + (i % 3)));
            batch.add(bind("", ""));
            batch.add(describePortal(""));
            batch.add(execute("", 0));
        }
        batch.add(sync());
        client.send(batch.toArray(FrontendMessage[]::new));
        client.expect(ParseComplete.class);
        for (int i = 0; i < 50; i++) {
            client.expect(BindComplete.class);
            client.expectDataRow(Integer.toString(i));
            client.expectCommandComplete("SELECT 1");
            client.expect(ParseComplete.class, BindComplete.class);
            client.expectRowDescription("n");
            for (int n = 1; n <= i % 3; n++) {
                client.expectDataRow(Integer.toString(n));
            }
            client.expectCommandComplete("SELECT " + (i % 3));
        }
        client.expectReadyForQuery('I');
        assertEquals(0, handler.openCursors());
    }

    @Test
    void anErrorResponseCarriesSeverityCodeAndMessage() {
        client.send(parse("", "fail 23505 duplicate key value"), bind("", ""), execute("", 0), sync());
        client.expect(ParseComplete.class, BindComplete.class);
        ErrorResponse e = expectError("23505");
        assertEquals("ERROR", e.field('S'));
        assertEquals("duplicate key value", e.message());
        client.expectReadyForQuery('I');
    }
}
