package io.buenavista.core.session;

import io.buenavista.testing.BackendMessage.BindComplete;
import io.buenavista.testing.BackendMessage.CopyData;
import io.buenavista.testing.BackendMessage.CopyDone;
import io.buenavista.testing.BackendMessage.CopyOutResponse;
import io.buenavista.testing.BackendMessage.NoData;
import io.buenavista.testing.BackendMessage.ParameterDescription;
import io.buenavista.testing.BackendMessage.ParseComplete;
import io.buenavista.testing.BackendMessage.ReadyForQuery;
import io.buenavista.testing.BackendMessage.RowDescription;
import io.buenavista.testing.TestHandler;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.buenavista.testing.Frontend.bind;
import static io.buenavista.testing.Frontend.describeStatement;
import static io.buenavista.testing.Frontend.execute;
import static io.buenavista.testing.Frontend.parse;
import static io.buenavista.testing.Frontend.query;
import static io.buenavista.testing.Frontend.sync;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** PREPARE / EXECUTE / DEALLOCATE and COPY … TO STDOUT, run by the core for any handler. */
class SqlPrepareAndCopyTest extends WireScript {

    private void ok(String sql, String tag) {
        client.send(query(sql));
        client.expectCommandComplete(tag);
        client.expectReadyForQuery('I');
    }

    private void fails(String sql, String state) {
        client.send(query(sql));
        expectError(state);
        client.expectReadyForQuery('I');
    }

    @Test
    void prepareExecuteDeallocate() {
        ok("PREPARE p (int4, text) AS echo $1, $2", "PREPARE");
        client.send(query("EXECUTE p (42, 'it''s')"));
        RowDescription rd = client.expectRowDescription("p1", "p2");
        assertEquals(List.of(23, 25), rd.typeOids());
        client.expectDataRow("42", "it's");
        client.expectCommandComplete("SELECT 1");
        client.expectReadyForQuery('I');
        client.send(query("EXECUTE p (CAST('7' AS integer), NULL)"));
        client.expectRowDescription("p1", "p2");
        client.expectDataRow("7", null);
        client.expectCommandComplete("SELECT 1");
        client.expectReadyForQuery('I');
        ok("PREPARE i AS insert x", "PREPARE");
        ok("EXECUTE i", "INSERT 0 1");
        assertEquals(List.of("x"), handler.log());
        ok("DEALLOCATE PREPARE p", "DEALLOCATE");
        fails("EXECUTE p (1, 'a')", "26000");
        fails("DEALLOCATE p", "26000");
        ok("DEALLOCATE ALL", "DEALLOCATE ALL");
        fails("EXECUTE i", "26000");
        assertEquals(0, handler.openStatements());
    }

    @Test
    void preparedStatementErrors() {
        ok("PREPARE p AS rows 2", "PREPARE");
        fails("PREPARE p AS rows 3", "42P05");
        fails("EXECUTE p (1)", "42601");
        fails("PREPARE q (nosuchtype) AS echo $1", "42704");
        fails("PREPARE q AS BEGIN", "42601");
        fails("PREPARE q AS prepfail 42P01 no table", "42P01");
        ok("PREPARE e (int4) AS echo $1", "PREPARE");
        fails("EXECUTE e ('x')", "22P02");
        fails("EXECUTE e (1 + 1)", "0A000");
        ok("DEALLOCATE ALL", "DEALLOCATE ALL");
        assertEquals(0, handler.openStatements());
    }

    @Test
    void sqlAndProtocolStatementsShareOneNamespace() {
        client.send(parse("s", "rows 1"), sync());
        client.expect(ParseComplete.class, ReadyForQuery.class);
        fails("PREPARE s AS rows 2", "42P05");
        client.send(query("EXECUTE s"));
        client.expectRowDescription("n");
        client.expectDataRow("1");
        client.expectCommandComplete("SELECT 1");
        client.expectReadyForQuery('I');
        ok("PREPARE t AS rows 3", "PREPARE");
        client.send(bind("", "t"), execute("", 0), sync());
        client.expect(BindComplete.class);
        client.expectDataRow("1");
        client.expectDataRow("2");
        client.expectDataRow("3");
        client.expectCommandComplete("SELECT 3");
        client.expectReadyForQuery('I');
        // EXECUTE described through the protocol has its statement's columns.
        client.send(parse("x", "EXECUTE t"), describeStatement("x"), sync());
        client.expect(ParseComplete.class, ParameterDescription.class);
        client.expectRowDescription("n");
        client.expectReadyForQuery('I');
        // psycopg 3 sends DEALLOCATE ALL after a rollback: protocol-level statements go too.
        ok("DEALLOCATE ALL", "DEALLOCATE ALL");
        client.send(bind("", "s"), sync());
        expectError("26000");
        client.expectReadyForQuery('I');
        assertEquals(0, handler.openStatements());
    }

    @Test
    void copyToStdoutInTextAndCsv() {
        client.send(query("COPY (types) TO STDOUT"));
        CopyOutResponse r = client.expect(CopyOutResponse.class);
        assertEquals(0, r.format());
        assertEquals(TestHandler.TYPE_COLUMNS.size(), r.columnFormats().size());
        assertEquals(String.join("\t", TestHandler.TYPE_TEXTS).replace("\\", "\\\\") + "\n",
                client.expect(CopyData.class).text());
        client.expect(CopyDone.class);
        client.expectCommandComplete("COPY 1");
        client.expectReadyForQuery('I');

        client.send(query("COPY (rows 2) TO STDOUT WITH (FORMAT csv, HEADER)"));
        client.expect(CopyOutResponse.class);
        assertEquals("n\n", client.expect(CopyData.class).text());
        assertEquals("1\n", client.expect(CopyData.class).text());
        assertEquals("2\n", client.expect(CopyData.class).text());
        client.expect(CopyDone.class);
        client.expectCommandComplete("COPY 2");
        client.expectReadyForQuery('I');

        client.send(query("copy (nulls) to stdout csv"));
        client.expect(CopyOutResponse.class);
        assertEquals(",".repeat(TestHandler.TYPE_COLUMNS.size() - 1) + "\n", client.expect(CopyData.class).text());
        client.expect(CopyDone.class);
        client.expectCommandComplete("COPY 1");
        client.expectReadyForQuery('I');
    }

    @Test
    void copyThroughTheExtendedProtocol() {
        client.send(parse("", "COPY (rows 2) TO STDOUT"), describeStatement(""), bind("", ""), execute("", 0),
                sync());
        client.expect(ParseComplete.class, ParameterDescription.class, NoData.class, BindComplete.class,
                CopyOutResponse.class);
        assertEquals("1\n", client.expect(CopyData.class).text());
        assertEquals("2\n", client.expect(CopyData.class).text());
        client.expect(CopyDone.class);
        client.expectCommandComplete("COPY 2");
        client.expectReadyForQuery('I');
    }

    @Test
    void unsupportedCopyFormsFailWith0A000() {
        fails("COPY t FROM STDIN", "0A000");
        fails("COPY (rows 1) TO STDOUT (FORMAT binary)", "0A000");
        fails("COPY (rows 1) TO STDOUT (FORCE_QUOTE *)", "0A000");
        fails("COPY (insert x) TO STDOUT", "42601");
        assertEquals(List.of(), handler.log());
        assertEquals(0, handler.openStatements());
    }

    @Test
    void aRowReturningStatementOfUnknownKindEndsWithSelectN() {
        client.send(query("ROWS 2"));
        client.expectRowDescription("n");
        client.expectDataRow("1");
        client.expectDataRow("2");
        client.expectCommandComplete("SELECT 2");
        client.expectReadyForQuery('I');
    }
}
