package io.buenavista.testing;

import static io.buenavista.testing.Frontend.bind;
import static io.buenavista.testing.Frontend.closeStatement;
import static io.buenavista.testing.Frontend.copyData;
import static io.buenavista.testing.Frontend.copyDone;
import static io.buenavista.testing.Frontend.describePortal;
import static io.buenavista.testing.Frontend.describeStatement;
import static io.buenavista.testing.Frontend.execute;
import static io.buenavista.testing.Frontend.flush;
import static io.buenavista.testing.Frontend.formats;
import static io.buenavista.testing.Frontend.frame;
import static io.buenavista.testing.Frontend.functionCall;
import static io.buenavista.testing.Frontend.parse;
import static io.buenavista.testing.Frontend.query;
import static io.buenavista.testing.Frontend.sync;
import static io.buenavista.testing.Frontend.terminate;
import static io.buenavista.testing.Frontend.text;
import static io.buenavista.testing.Frontend.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.buenavista.api.Column;
import io.buenavista.testing.BackendMessage.AuthenticationOk;
import io.buenavista.testing.BackendMessage.BackendKeyData;
import io.buenavista.testing.BackendMessage.BindComplete;
import io.buenavista.testing.BackendMessage.CloseComplete;
import io.buenavista.testing.BackendMessage.CommandComplete;
import io.buenavista.testing.BackendMessage.CopyDone;
import io.buenavista.testing.BackendMessage.CopyInResponse;
import io.buenavista.testing.BackendMessage.CopyOutResponse;
import io.buenavista.testing.BackendMessage.DataRow;
import io.buenavista.testing.BackendMessage.EmptyQueryResponse;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.BackendMessage.FunctionCallResponse;
import io.buenavista.testing.BackendMessage.NegotiateProtocolVersion;
import io.buenavista.testing.BackendMessage.NoData;
import io.buenavista.testing.BackendMessage.NoticeResponse;
import io.buenavista.testing.BackendMessage.NotificationResponse;
import io.buenavista.testing.BackendMessage.ParseComplete;
import io.buenavista.testing.BackendMessage.PortalSuspended;
import io.buenavista.testing.BackendMessage.ReadyForQuery;
import io.buenavista.testing.BackendMessage.RowDescription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Checks the script client against a real PostgreSQL 15 (127.0.0.1:5432, trust, user postgres, db test). */
class WireClientPostgresTest {
    private static final String HOST = "127.0.0.1";
    private static final int PORT = 5432;

    private static WireClient loggedIn() {
        WireClient client = WireClient.connect(HOST, PORT);
        client.login("postgres", "test");
        return client;
    }

    @Test
    void loginReadsUpToReadyForQueryAndKeepsKeyDataAndParameters() {
        try (WireClient client = WireClient.connect(HOST, PORT)) {
            List<BackendMessage> messages = client.login("postgres", "test");
            assertTrue(messages.get(0) instanceof AuthenticationOk, messages.toString());
            assertEquals(new BackendMessage.ReadyForQuery('I'), messages.get(messages.size() - 1));
            assertTrue(messages.stream().anyMatch(BackendKeyData.class::isInstance));
            assertNotNull(client.backendKeyData());
            assertTrue(client.parameterStatus("server_version").startsWith("15"));
            assertEquals("UTF8", client.parameterStatus("client_encoding"));
        }
    }

    @Test
    void simpleQueryStory() {
        try (WireClient client = loggedIn()) {
            client.send(query("select 1 as one, null::text as n, 'é'::text as e"));
            RowDescription rd = client.expectRowDescription("one", "n", "e");
            assertEquals(List.of(23, 25, 25), rd.typeOids());
            client.expectDataRow("1", null, "é");
            client.expectCommandComplete("SELECT 1");
            client.expectReadyForQuery('I');

            client.send(query(""));
            client.expect(EmptyQueryResponse.class, ReadyForQuery.class);
        }
    }

    @Test
    void extendedQueryWithRowLimitSuspendsAndResumesThePortal() {
        try (WireClient client = loggedIn()) {
            client.send(parse("s1", "select g from generate_series(1, $1::int) g", 23), describeStatement("s1"),
                    bind("", "s1", text("5")), describePortal(""), execute("", 2), flush());
            client.expect(ParseComplete.class);
            client.expectParameterDescription(23);
            client.expectRowDescription("g");
            client.expect(BindComplete.class);
            client.expectRowDescription("g");
            client.expectDataRow("1");
            client.expectDataRow("2");
            client.expect(PortalSuspended.class);

            client.send(execute("", 2), flush());
            client.expect(DataRow.class, DataRow.class, PortalSuspended.class);

            client.send(execute("", 0), sync());
            client.expectDataRow("5");
            client.expectCommandComplete("SELECT 1");
            client.expectReadyForQuery('I');

            client.send(closeStatement("s1"), sync());
            client.expect(CloseComplete.class, ReadyForQuery.class);
        }
    }

    @Test
    void binaryParametersAndResults() {
        try (WireClient client = loggedIn()) {
            client.send(parse("", "select $1::int4 + 1 as r", 23),
                    bind("", "", formats(1), values(Frontend.binaryInt4(41)), formats(1)), execute("", 0), sync());
            client.expect(ParseComplete.class, BindComplete.class);
            assertEquals(42, client.expect(DataRow.class).binaryInteger(0));
            client.expectCommandComplete("SELECT 1");
            client.expectReadyForQuery('I');
        }
    }

    @Test
    void statementWithoutResultDescribesAsNoData() {
        try (WireClient client = loggedIn()) {
            client.send(parse("n", "set application_name = 'x'"), describeStatement("n"), sync());
            client.expect(ParseComplete.class);
            client.expectParameterDescription();
            client.expect(NoData.class, ReadyForQuery.class);
        }
    }

    @Test
    void errorsEndInReadyForQueryWithTheTransactionStatus() {
        try (WireClient client = loggedIn()) {
            client.send(query("select 1/0"));
            ErrorResponse error = client.expectError("22012");
            assertEquals("ERROR", error.severity());
            assertEquals("division by zero", error.message());
            client.expectReadyForQuery('I');

            client.send(query("begin"));
            client.expectCommandComplete("BEGIN");
            client.expectReadyForQuery('T');
            client.send(query("select 1/0"));
            client.expectError("22012");
            client.expectReadyForQuery('E');
            client.send(query("rollback"));
            client.expectCommandComplete("ROLLBACK");
            client.expectReadyForQuery('I');

            // An error in an extended batch skips everything up to Sync.
            client.send(bind("", "nosuch"), execute("", 0), sync());
            client.expectError("26000");
            client.expectReadyForQuery('I');
        }
    }

    @Test
    void strictExpectationsReportWhatArrived() {
        try (WireClient client = loggedIn()) {
            client.send(query("select 1 as one"));
            AssertionError e = assertThrows(AssertionError.class, () -> client.expect(CommandComplete.class));
            assertTrue(e.getMessage().contains("expected CommandComplete but got RowDescription"), e.getMessage());
            AssertionError row = assertThrows(AssertionError.class, () -> client.expectDataRow("2"));
            assertTrue(row.getMessage().contains("DataRow[1]"), row.getMessage());
            AssertionError tag = assertThrows(AssertionError.class, () -> client.expectCommandComplete("SELECT 2"));
            assertTrue(tag.getMessage().contains("CommandComplete[tag=SELECT 1]"), tag.getMessage());
            client.expectReadyForQuery('I');

            client.setReadTimeout(Duration.ofMillis(200));
            AssertionError timeout = assertThrows(AssertionError.class, client::next);
            assertTrue(timeout.getMessage().startsWith("no message from the server"), timeout.getMessage());
        }
    }

    @Test
    void sslAndGssEncRequestsGetOneByteAnswers() {
        String ssl;
        try (WireClient client = loggedIn()) {
            ssl = BackendMessage.rowTexts(client.simpleQuery("show ssl")).get(0).get(0);
        }
        try (WireClient client = WireClient.connect(HOST, PORT)) {
            assertEquals(ssl.equals("on") ? 'S' : 'N', client.sslRequest());
            if (ssl.equals("off")) {
                client.login("postgres", "test");
                client.simpleQuery("select 1");
            }
        }
        try (WireClient client = WireClient.connect(HOST, PORT)) {
            char answer = client.gssEncRequest();
            assertTrue(answer == 'G' || answer == 'N', "answer " + answer);
        }
    }

    @Test
    void cancelRequestStopsARunningQuery() throws Exception {
        try (WireClient client = loggedIn(); WireClient watcher = loggedIn()) {
            int pid = client.backendKeyData().processId();
            client.send(query("select pg_sleep(60)"));
            // Cancel only once the statement runs: a cancel that arrives while the backend is idle is ignored.
            String probe = "select count(*) from pg_stat_activity where pid = " + pid
                    + " and state = 'active' and query like 'select pg_sleep%'";
            while (!BackendMessage.rowTexts(watcher.simpleQuery(probe)).get(0).get(0).equals("1")) {
                Thread.sleep(20);
            }
            client.cancel();
            client.expect(RowDescription.class);
            client.expectError("57014");
            client.expectReadyForQuery('I');
        }
    }

    @Test
    void fragmentedWritesStillFormValidMessages() {
        try (WireClient client = WireClient.connect(HOST, PORT)) {
            client.setFragmentation(1, 7, 42L);
            client.login("postgres", "test");
            client.send(parse("", "select $1::text || 'x' as t"), bind("", "", text("ab")), execute("", 0), sync());
            client.expect(ParseComplete.class, BindComplete.class);
            client.expectDataRow("abx");
            client.expectCommandComplete("SELECT 1");
            client.expectReadyForQuery('I');
        }
    }

    @Test
    void terminateClosesTheConnection() {
        try (WireClient client = loggedIn()) {
            client.send(terminate());
            client.expectClosed();
        }
        try (WireClient client = loggedIn()) {
            client.setReadTimeout(Duration.ofMillis(200));
            assertFalse(client.closedByServer());
            client.send(terminate());
            client.setReadTimeout(Duration.ofSeconds(10));
            assertTrue(client.closedByServer());
        }
    }

    @Test
    void unknownMessageTypeIsAFatalProtocolViolation() {
        try (WireClient client = loggedIn()) {
            client.send(frame('?', new byte[0]));
            ErrorResponse error = client.expectError("08P01");
            assertEquals("FATAL", error.severity());
            client.expectClosed();
        }
    }

    @Test
    void expectClosedFailsWhenAMessageArrives() {
        try (WireClient client = loggedIn()) {
            client.send(query("select 1"));
            AssertionError e = assertThrows(AssertionError.class, client::expectClosed);
            assertTrue(e.getMessage().contains("but got RowDescription"), e.getMessage());
        }
    }

    @Test
    void newerMinorVersionAndUnknownProtocolOptionsAreNegotiated() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", "postgres");
        params.put("database", "test");
        params.put("_pq_.nosuch", "1");
        try (WireClient client = WireClient.connect(HOST, PORT)) {
            client.send(new FrontendMessage.Startup(3, 1, params));
            NegotiateProtocolVersion v = client.expect(NegotiateProtocolVersion.class);
            assertEquals(3, v.major());
            assertEquals(0, v.minor());
            assertEquals(List.of("_pq_.nosuch"), v.unrecognizedOptions());
            client.expect(AuthenticationOk.class);
            client.readUntilReady();
        }
    }

    @Test
    void copyOutAndIn() {
        try (WireClient client = loggedIn()) {
            client.send(query("copy (select 1 union all select 2) to stdout"));
            assertEquals(List.of(0), client.expect(CopyOutResponse.class).columnFormats());
            assertEquals("1\n", client.expect(BackendMessage.CopyData.class).text());
            assertEquals("2\n", client.expect(BackendMessage.CopyData.class).text());
            client.expect(CopyDone.class);
            client.expectCommandComplete("COPY 2");
            client.expectReadyForQuery('I');

            client.simpleQuery("create temp table copy_in (a int)");
            client.send(query("copy copy_in from stdin"));
            client.expect(CopyInResponse.class);
            client.send(copyData("1\n2\n"), copyData("3\n"), copyDone());
            client.expectCommandComplete("COPY 3");
            client.expectReadyForQuery('I');
            assertEquals(List.of(List.of("6")), BackendMessage.rowTexts(client.simpleQuery("select sum(a) from copy_in")));
            client.simpleQuery("drop table copy_in");
        }
    }

    @Test
    void noticesNotificationsAndFunctionCalls() {
        try (WireClient client = loggedIn()) {
            client.send(query("do $$ begin raise notice 'hello'; end $$"));
            NoticeResponse notice = client.expectNotice("00000");
            assertEquals("hello", notice.message());
            assertEquals("NOTICE", notice.severity());
            client.expectCommandComplete("DO");
            client.expectReadyForQuery('I');

            client.simpleQuery("listen wire_client_test");
            client.send(query("notify wire_client_test, 'hi'"));
            client.expectCommandComplete("NOTIFY");
            NotificationResponse n = client.expect(NotificationResponse.class);
            assertEquals("wire_client_test", n.channel());
            assertEquals("hi", n.payload());
            assertEquals(client.backendKeyData().processId(), n.processId());
            client.expectReadyForQuery('I');

            client.setSkipAsync(true);
            client.send(query("do $$ begin raise notice 'skipped'; end $$"));
            client.expectCommandComplete("DO");
            client.expectReadyForQuery('I');

            client.send(functionCall(177, text("1", "2")));  // int4pl
            FunctionCallResponse r = client.expect(FunctionCallResponse.class);
            assertEquals("3", new String(r.value(), StandardCharsets.UTF_8));
            client.expectReadyForQuery('I');
        }
    }

    @Test
    void md5AnswerMatchesPostgresFormula() {
        try (WireClient client = loggedIn()) {
            String expected = BackendMessage.rowTexts(client.simpleQuery(
                    "select 'md5' || md5(md5('secret' || 'alice') || 'salt')")).get(0).get(0);
            assertEquals(expected,
                    WireClient.md5Answer("alice", "secret", "salt".getBytes(StandardCharsets.US_ASCII)));
        }
    }

    @Test
    void typeTextsAreWhatPostgresPrints() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", "postgres");
        params.put("database", "test");
        params.put("TimeZone", "UTC");
        params.put("DateStyle", "ISO, MDY");
        params.put("IntervalStyle", "postgres");
        params.put("extra_float_digits", "1");
        try (WireClient client = WireClient.connect(HOST, PORT)) {
            client.login(params, null);
            client.send(query("select true as bool, 12::int2 as int2, 345::int4 as int4, 6789012345::int8 as int8,"
                    + " 1.5::float4 as float4, 2.25::float8 as float8, 12345.678::numeric as numeric,"
                    + " 'héllo'::text as text, 'world'::varchar as varchar, '\\xdeadbeef'::bytea as bytea,"
                    + " '2024-02-29'::date as date, '13:45:30.123456'::time as time,"
                    + " '2024-02-29 13:45:30.123456'::timestamp as timestamp,"
                    + " '2024-02-29 13:45:30.123456+00'::timestamptz as timestamptz,"
                    + " interval '1 year 2 months 3 days 1 hour 6 minutes 45.006 seconds' as interval,"
                    + " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid as uuid, '{\"a\": 1}'::json as json,"
                    + " '{\"b\":[1,2]}'::jsonb as jsonb, array[1,null,3]::int4[] as int4_array,"
                    + " array['a','b c',null,'x\"y']::text[] as text_array"));
            RowDescription rd = client.expect(RowDescription.class);
            assertEquals(TestHandler.TYPE_COLUMNS.stream().map(Column::name).toList(), rd.names());
            assertEquals(TestHandler.TYPE_COLUMNS.stream().map(c -> c.type().oid()).toList(), rd.typeOids());
            assertEquals(TestHandler.TYPE_TEXTS, client.expect(DataRow.class).texts());
            client.expectCommandComplete("SELECT 1");
            client.expectReadyForQuery('I');
        }
    }
}
