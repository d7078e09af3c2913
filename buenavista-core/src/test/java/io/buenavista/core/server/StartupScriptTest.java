package io.buenavista.core.server;

import io.buenavista.testing.BackendMessage;
import io.buenavista.testing.BackendMessage.AuthenticationOk;
import io.buenavista.testing.BackendMessage.BackendKeyData;
import io.buenavista.testing.BackendMessage.CommandComplete;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.BackendMessage.NegotiateProtocolVersion;
import io.buenavista.testing.BackendMessage.ParameterStatus;
import io.buenavista.testing.BackendMessage.ReadyForQuery;
import io.buenavista.testing.FrontendMessage;
import io.buenavista.testing.TestHandler;
import io.buenavista.testing.WireClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.buenavista.testing.Frontend.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The startup phase, scripted on the wire: negotiation, startup parameters, cancel, and what follows login. */
class StartupScriptTest {
    private static final String HOST = "127.0.0.1";
    private static final int POSTGRES_PORT = 5432;

    static final TestHandler handler = new TestHandler();
    static BuenaVistaServer server;

    @BeforeAll
    static void start() {
        server = TestServers.start(handler);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static WireClient connect() {
        return WireClient.connect(HOST, server.port());
    }

    private static Map<String, String> params(String... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    /** Runs {@code rows n} and checks its rows (the command tag is the session's business, not checked here). */
    static void expectRows(WireClient c, int n) {
        c.send(query("rows " + n));
        c.expectRowDescription("n");
        for (int i = 1; i <= n; i++) {
            c.expectDataRow(Integer.toString(i));
        }
        c.expect(CommandComplete.class);
        c.expectReadyForQuery('I');
    }

    /** Sends a StartupMessage of protocol 3.{@code minor} and returns the first message of the answer. */
    private static BackendMessage startupWithVersion(WireClient c, int minor, Map<String, String> parameters) {
        c.send(new FrontendMessage.Startup(3, minor, parameters));
        return c.next();
    }

    @Test
    void newerMinorVersionAndUnknownProtocolOptionsGetNegotiateProtocolVersionAsPostgresSendsIt() {
        Map<String, String> p = params("user", "postgres", "database", "postgres", "_pq_.future_option", "x");
        NegotiateProtocolVersion expected;
        try (WireClient pg = WireClient.connect(HOST, POSTGRES_PORT)) {
            expected = assertInstanceOf(NegotiateProtocolVersion.class, startupWithVersion(pg, 2, p));
            pg.expect(AuthenticationOk.class);
        }
        assertEquals(3, expected.major(), "PostgreSQL announces its newest version, 3.0");
        try (WireClient c = connect()) {
            NegotiateProtocolVersion v = assertInstanceOf(NegotiateProtocolVersion.class, startupWithVersion(c, 2, p));
            assertEquals(expected, v);
            c.expect(AuthenticationOk.class);
            c.readUntilReady();
            expectRows(c, 1);
        }
    }

    @Test
    void unknownProtocolOptionAloneWithVersion30GetsNegotiateProtocolVersion() {
        try (WireClient c = connect()) {
            NegotiateProtocolVersion v = assertInstanceOf(NegotiateProtocolVersion.class,
                    startupWithVersion(c, 0, params("user", "u", "_pq_.nope", "1")));
            assertEquals(196608, v.newestVersion());
            assertEquals(List.of("_pq_.nope"), v.unrecognizedOptions());
            c.expect(AuthenticationOk.class);
        }
    }

    @Test
    void sslRequestIsAnsweredNoWithoutTls() {
        try (WireClient c = connect()) {
            assertEquals('N', c.sslRequest());
            c.login("u", "db");
            expectRows(c, 2);
        }
    }

    @Test
    void gssEncRequestIsAnsweredNo() {
        try (WireClient c = connect()) {
            assertEquals('N', c.gssEncRequest());
            assertEquals('N', c.sslRequest());
            c.login("u", "db");
        }
    }

    @Test
    void cancelRequestCancelsOnlyTheRunningStatementOfItsSession() throws Exception {
        try (WireClient a = connect(); WireClient b = connect()) {
            a.login("a", "db");
            b.login("b", "db");
            int cancelsBefore = handler.cancelCalls();
            b.send(query("sleep 60000"));
            assertTrue(handler.awaitSleeping(Duration.ofSeconds(10)));
            a.send(query("sleep 60000"));
            assertTrue(handler.awaitSleeping(Duration.ofSeconds(10)));

            a.cancel();
            a.expectError("57014");
            a.expectReadyForQuery('I');
            assertEquals(cancelsBefore + 1, handler.cancelCalls(), "only A's session was cancelled");
            expectRows(a, 1);

            b.cancel();
            b.expectError("57014");
            b.expectReadyForQuery('I');
            expectRows(b, 2);
        }
    }

    @Test
    void cancelRequestWithAWrongKeyIsIgnoredAndNeverAnswered() throws Exception {
        try (WireClient a = connect()) {
            a.login("a", "db");
            BackendKeyData key = a.backendKeyData();
            a.send(query("sleep 60000"));
            assertTrue(handler.awaitSleeping(Duration.ofSeconds(10)));
            int cancelsBefore = handler.cancelCalls();
            try (WireClient wrong = connect()) {
                wrong.send(new FrontendMessage.CancelRequest(key.processId(), key.secretKey() ^ 0x5a5a));
                wrong.expectClosed();
            }
            try (WireClient unknown = connect()) {
                unknown.send(new FrontendMessage.CancelRequest(key.processId() ^ 0x4000, key.secretKey()));
                unknown.expectClosed();
            }
            assertEquals(cancelsBefore, handler.cancelCalls(), "a wrong key reaches no session");
            a.cancel();
            a.expectError("57014");
            a.expectReadyForQuery('I');
        }
    }

    @Test
    void optionsParameterSetsSettingsWithPostgresEscaping() {
        try (WireClient c = connect()) {
            c.login(params("user", "u", "options", "-c TimeZone=Europe/Berlin --application_name=my\\ app"), null);
            assertEquals("Europe/Berlin", c.parameterStatus("TimeZone"));
            assertEquals("my app", c.parameterStatus("application_name"));
            c.send(query("setting TimeZone"));
            c.expectRowDescription("setting");
            c.expectDataRow("Europe/Berlin");
            c.expect(CommandComplete.class);
            c.expectReadyForQuery('I');
        }
    }

    @Test
    void unknownStartupParametersAreIgnored() {
        try (WireClient c = connect()) {
            c.login(params("user", "u", "database", "db", "no_such_parameter", "1", "replication", "false"), null);
            expectRows(c, 1);
        }
    }

    @Test
    void missingUserIsFatal28000() {
        try (WireClient c = connect()) {
            c.send(new FrontendMessage.Startup(3, 0, params("database", "db")));
            ErrorResponse e = c.expectError("28000");
            assertEquals("FATAL", e.severity());
            c.expectClosed();
        }
    }

    @Test
    void loginReportsEveryParameterThenBackendKeyDataThenReadyForQuery() {
        List<BackendMessage> received;
        try (WireClient c = connect()) {
            received = c.login(params("user", "alice", "database", "db", "application_name", "psql-ish"), null);
            expectRows(c, 1);
        }
        assertInstanceOf(AuthenticationOk.class, received.get(0));
        int n = received.size();
        assertInstanceOf(BackendKeyData.class, received.get(n - 2));
        assertEquals('I', assertInstanceOf(ReadyForQuery.class, received.get(n - 1)).status());
        Map<String, String> status = new LinkedHashMap<>();
        List<BackendMessage> middle = new ArrayList<>(received.subList(1, n - 2));
        for (BackendMessage m : middle) {
            ParameterStatus p = assertInstanceOf(ParameterStatus.class, m);
            status.put(p.name(), p.value());
        }
        assertEquals("16.0", status.get("server_version"));
        assertEquals("160000", status.get("server_version_num"));
        assertEquals("UTF8", status.get("server_encoding"));
        assertEquals("UTF8", status.get("client_encoding"));
        assertEquals("ISO, MDY", status.get("DateStyle"));
        assertEquals("postgres", status.get("IntervalStyle"));
        assertNotNull(status.get("TimeZone"));
        assertEquals("on", status.get("integer_datetimes"));
        assertEquals("on", status.get("standard_conforming_strings"));
        assertEquals("psql-ish", status.get("application_name"));
        assertEquals("off", status.get("is_superuser"));
        assertEquals("alice", status.get("session_authorization"));
        assertEquals("off", status.get("default_transaction_read_only"));
        assertEquals("off", status.get("in_hot_standby"));
        assertEquals("4096", status.get("scram_iterations"));
        assertEquals(15, status.size(), "one ParameterStatus per reported parameter: " + status.keySet());
    }
}
