package io.buenavista.core.session;

import io.buenavista.api.QueryHandler;
import io.buenavista.api.QuerySession;
import io.buenavista.api.SessionContext;
import io.buenavista.api.TransactionOptions;
import io.buenavista.testing.BackendMessage;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.ForwardingQuerySession;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.buenavista.testing.Frontend.bind;
import static io.buenavista.testing.Frontend.execute;
import static io.buenavista.testing.Frontend.parse;
import static io.buenavista.testing.Frontend.query;
import static io.buenavista.testing.Frontend.sync;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * statement_timeout, PostgreSQL-only settings, search_path lists and read-only transactions, with a handler that
 * records what the session tells it.
 */
class SettingsFeaturesTest extends WireScript {
    private final List<String> told = new CopyOnWriteArrayList<>();

    @Override
    protected QueryHandler handler() {
        return new QueryHandler() {
            @Override
            public String name() {
                return handler.name();
            }

            @Override
            public QuerySession open(SessionContext context) {
                QuerySession s = handler.open(context);
                return new ForwardingQuerySession(s) {

                    @Override
                    public void begin(TransactionOptions options) {
                        told.add("begin readOnly=" + options.readOnly());
                        super.begin(options);
                    }

                    @Override
                    public void settingChanged(String name, String value) {
                        told.add(name + "=" + value);
                    }
                };
            }
        };
    }

    /** Runs a statement that must complete with {@code tag} (notices and ParameterStatus may come along). */
    private void ok(String sql, String tag) {
        client.send(query(sql));
        List<BackendMessage> messages = client.readUntilReady();
        assertTrue(messages.contains(new BackendMessage.CommandComplete(tag)), sql + ": " + messages);
    }

    private String show(String name) {
        client.send(query("SHOW " + name));
        client.expectRowDescription(name);
        String value = client.expect(BackendMessage.DataRow.class).text(0);
        client.expectCommandComplete("SHOW");
        client.expectReadyForQuery('I');
        return value;
    }

    @Test
    void statementTimeoutCancelsTheRunningStatement() {
        ok("SET statement_timeout = '50ms'", "SET");
        assertEquals("50ms", show("statement_timeout"));
        client.send(query("sleep 600000"));
        ErrorResponse e = expectError("57014");
        assertEquals("canceling statement due to statement timeout", e.field('M'));
        client.expectReadyForQuery('I');
        ok("SET statement_timeout = 0", "SET");
        client.send(query("rows 2"));
        client.expectRowDescription("n");
        client.expectDataRow("1");
        client.expectDataRow("2");
        client.expectCommandComplete("SELECT 2");
        client.expectReadyForQuery('I');
    }

    /**
     * The timeout ends a stream whose rows the handler would go on producing (the {@code stream} statement ignores
     * cancels), also while the server waits for a slow client to read, and in every phase of a statement that
     * ignores cancels: its prepare, its execution, its rows; in the simple and the extended protocol.
     */
    @Test
    void statementTimeoutEndsAStreamToASlowReaderAndEveryPhase() {
        ok("SET statement_timeout = '400ms'", "SET");
        client.send(query("stream 1000000000000"));
        client.expectRowDescription("n");
        client.skipRows(2_000, Duration.ofMillis(10), Duration.ofSeconds(15));
        ErrorResponse e = expectError("57014");
        assertEquals("canceling statement due to statement timeout", e.field('M'));
        client.expectReadyForQuery('I');

        ok("SET statement_timeout = '200ms'", "SET");
        for (String phases : new String[] {"600 0", "0 600"}) {
            client.send(query("stream 1000000000000 " + phases));
            e = expectError("57014");
            assertEquals("canceling statement due to statement timeout", e.field('M'), phases);
            client.expectReadyForQuery('I');
        }
        client.send(parse("", "stream 1000000000000 600 0"), sync());
        assertEquals("canceling statement due to statement timeout", expectError("57014").field('M'));
        client.expectReadyForQuery('I');
        client.send(parse("", "stream 1000000000000"), bind("", ""), execute("", 0), sync());
        client.expect(BackendMessage.ParseComplete.class);
        client.expect(BackendMessage.BindComplete.class);
        client.skipRows(2_000, Duration.ofMillis(10), Duration.ofSeconds(15));
        assertEquals("canceling statement due to statement timeout", expectError("57014").field('M'));
        client.expectReadyForQuery('I');

        ok("SET statement_timeout = 0", "SET");
        client.send(query("rows 2"));
        client.expectRowDescription("n");
        client.expectDataRow("1");
        client.expectDataRow("2");
        client.expectCommandComplete("SELECT 2");
        client.expectReadyForQuery('I');
    }

    @Test
    void statementTimeoutIsShownAsPostgresShowsIt() {
        String[][] cases = {{"5000", "5s"}, {"'90s'", "90s"}, {"'1500ms'", "1500ms"}, {"1.5", "2ms"}, {"'2h'", "2h"},
            {"'1d'", "1d"}, {"'1.5s'", "1500ms"}, {"'120 s'", "2min"}, {"0", "0"}};
        for (String[] c : cases) {
            ok("SET statement_timeout = " + c[0], "SET");
            assertEquals(c[1], show("statement_timeout"), c[0]);
        }
        for (String bad : new String[] {"'abc'", "-1", "'5 parsecs'"}) {
            client.send(query("SET statement_timeout = " + bad));
            expectError("22023");
            client.expectReadyForQuery('I');
        }
        assertTrue(told.stream().noneMatch(t -> t.startsWith("statement_timeout=abc")));
    }

    @Test
    void postgresOnlySettingsAreRememberedWithoutTheHandlerAndCustomOnesAreToldToIt() {
        ok("SET work_mem = '64MB'", "SET");
        assertEquals("64MB", show("work_mem"));
        ok("set myapp.tenant = 'acme'", "SET");
        assertEquals("acme", show("myapp.tenant"));
        ok("SET LOCAL lock_timeout = '1s'", "SET"); // outside a block: a warning, nothing else
        ok("RESET work_mem", "RESET");
        assertEquals("", show("work_mem"));
        assertTrue(told.stream().noneMatch(t -> t.startsWith("work_mem") || t.startsWith("lock_timeout")),
                told.toString());
        // A custom setting's value is told, for the handler's current_setting to answer as SHOW does.
        assertTrue(told.contains("myapp.tenant=acme"), told.toString());
        ok("RESET myapp.tenant", "RESET");
        assertEquals("myapp.tenant=", told.get(told.size() - 1));
        client.send(query("SHOW myapp.never"));
        expectError("42704");
        client.expectReadyForQuery('I');
        // A name PostgreSQL does not know is the handler's (the test handler has no SET: a syntax error).
        client.send(query("SET threads = 4"));
        expectError("42601");
        client.expectReadyForQuery('I');
    }

    @Test
    void searchPathListsAreStoredAsPostgresShowsThemAndPassedOn() {
        ok("SET search_path TO a, \"My\", '$user', b_2", "SET");
        assertEquals("a, \"My\", \"$user\", b_2", show("search_path"));
        assertTrue(told.contains("search_path=a, \"My\", \"$user\", b_2"), told.toString());
    }

    @Test
    void readOnlyTransactions() {
        ok("BEGIN READ ONLY", "BEGIN");
        ok("COMMIT", "COMMIT");
        ok("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", "SET");
        ok("BEGIN", "BEGIN");
        ok("COMMIT", "COMMIT");
        ok("BEGIN READ WRITE", "BEGIN");
        ok("COMMIT", "COMMIT");
        assertEquals(List.of("begin readOnly=true", "begin readOnly=true", "begin readOnly=false"),
                told.stream().filter(t -> t.startsWith("begin")).toList());
    }
}
