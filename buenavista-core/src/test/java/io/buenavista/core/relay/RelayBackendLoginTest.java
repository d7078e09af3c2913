package io.buenavista.core.relay;

import io.buenavista.api.Authenticator;
import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.BackendMessage;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.WireClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.buenavista.testing.Frontend.query;
import static io.buenavista.testing.Frontend.terminate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay logs in to a PostgreSQL that wants passwords (a private cluster: SCRAM-SHA-256 by default, MD5,
 * cleartext and trust for chosen users), and survives that backend's restart and absence.
 */
class RelayBackendLoginTest {
    private static final String SUPERUSER_PASSWORD = "su-Secret-1";
    private static PrivateCluster cluster;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = PrivateCluster.start(SUPERUSER_PASSWORD, List.of(
                "host all md5user 127.0.0.1/32 md5",
                "host all clearuser 127.0.0.1/32 password",
                "host all trustuser 127.0.0.1/32 trust"));
        try (Connection c = DriverManager.getConnection(cluster.jdbcUrl("postgres", SUPERUSER_PASSWORD));
                Statement s = c.createStatement()) {
            s.execute("create role scramuser login password 'Scr4m-pw'");
            s.execute("create role unicodeuser login password 'pässwörd ünïcode'");
            s.execute("set password_encryption = 'md5'");
            s.execute("create role md5user login password 'md5-pw'");
            s.execute("reset password_encryption");
            s.execute("create role clearuser login password 'clear-pw'");
            s.execute("create role trustuser login");
        }
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private int proxy(String user, String password) {
        RelayHandler handler = new RelayHandler(new Backend("127.0.0.1", cluster.port, "postgres", user, password),
                RelayConfig.defaults().withPoolSize(3).withPoolWait(Duration.ofSeconds(5)));
        BuenaVistaServer server = BuenaVistaServer.builder().port(0).discoverProviders(false).handler(handler)
                .authenticator(Authenticator.trust()).build().start();
        toClose.add(server);
        return server.port();
    }

    private WireClient client(int port) {
        WireClient c = WireClient.connect("127.0.0.1", port).setReadTimeout(Duration.ofSeconds(20));
        toClose.add(c);
        c.login("anyone", "anydb");
        return c;
    }

    private static String currentUser(WireClient c) {
        return c.simpleQuery("select current_user").stream().filter(BackendMessage.DataRow.class::isInstance)
                .map(m -> ((BackendMessage.DataRow) m).text(0)).findFirst().orElseThrow();
    }

    @Test
    void logsInWithEveryPasswordMethod() {
        assertEquals("postgres", currentUser(client(proxy("postgres", SUPERUSER_PASSWORD))));
        assertEquals("scramuser", currentUser(client(proxy("scramuser", "Scr4m-pw"))));
        assertEquals("unicodeuser", currentUser(client(proxy("unicodeuser", "pässwörd ünïcode"))));
        assertEquals("md5user", currentUser(client(proxy("md5user", "md5-pw"))));
        assertEquals("clearuser", currentUser(client(proxy("clearuser", "clear-pw"))));
        assertEquals("trustuser", currentUser(client(proxy("trustuser", null))));
    }

    @Test
    void aWrongOrMissingBackendPasswordGivesFatal08006WithTheBackendsMessage() {
        for (String[] login : List.of(new String[] {"scramuser", "wrong"}, new String[] {"md5user", "wrong"},
                new String[] {"clearuser", "wrong"}, new String[] {"scramuser", null})) {
            int port = proxy(login[0], login[1]);
            try (WireClient c = WireClient.connect("127.0.0.1", port).setReadTimeout(Duration.ofSeconds(20))) {
                c.startup(Map.of("user", "anyone", "database", "anydb"));
                ErrorResponse e = c.expect(ErrorResponse.class);
                assertEquals("08006", e.sqlState(), e.toString());
                assertEquals("FATAL", e.severity());
                String expected = login[1] == null ? "none was configured"
                        : "password authentication failed for user \"" + login[0] + "\"";
                assertTrue(e.message().contains(expected), e.message());
                assertTrue(login[1] == null || !e.toString().contains(login[1]), "no password in errors");
                c.expectClosed();
            }
        }
    }

    @Test
    void aBackendRestartEndsItsSessionsAndNewOnesWork() throws Exception {
        int port = proxy("scramuser", "Scr4m-pw");
        WireClient busy = client(port);
        WireClient idle = client(port);
        WireClient pooled = client(port);
        pooled.close(); // its backend connection goes back to the pool, then dies with the restart
        busy.send(query("select pg_sleep(30)"));
        Thread.sleep(300);
        cluster.stop();
        for (WireClient c : List.of(busy, idle)) {
            BackendMessage m = c.next();
            if (c == busy && m instanceof BackendMessage.RowDescription) {
                m = c.next(); // PostgreSQL flushes the RowDescription with whatever ends the statement
            }
            ErrorResponse e = assertInstanceOf(ErrorResponse.class, m);
            assertEquals("57P01", e.sqlState(), e.toString());
            assertEquals("FATAL", e.severity());
            c.expectClosed();
        }
        // Down: a new session is refused quickly and cleanly.
        try (WireClient c = WireClient.connect("127.0.0.1", port).setReadTimeout(Duration.ofSeconds(20))) {
            c.startup(Map.of("user", "anyone", "database", "anydb"));
            ErrorResponse e = c.expect(ErrorResponse.class);
            assertEquals("08006", e.sqlState());
            c.expectClosed();
        }
        cluster.start();
        assertEquals("scramuser", currentUser(client(port)));
        assertEquals("scramuser", currentUser(client(port)));
    }

    @Test
    void sessionsAreLoggedAtStartAndEndAndBackendErrorsWithTheirSqlstateNeverWithAPassword() throws Exception {
        int port = proxy("scramuser", "Scr4m-pw");
        int refusing = proxy("scramuser", "Wrong-pw-9");
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        String logged;
        // slf4j-simple writes to whatever System.err is when it logs; RelaySession logs at DEBUG in the tests.
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            try (WireClient c = WireClient.connect("127.0.0.1", port).setReadTimeout(Duration.ofSeconds(20))) {
                c.login("alice", "appdb");
                c.simpleQuery("select 1/0");
                // Unterminated: PostgreSQL's message quotes the literal, password included.
                c.simpleQuery("alter role scramuser password 'Leaked-pw");
                c.send(terminate());
                c.expectClosed();
            }
            try (WireClient c = WireClient.connect("127.0.0.1", refusing).setReadTimeout(Duration.ofSeconds(20))) {
                c.startup(Map.of("user", "bob", "database", "appdb"));
                c.expect(ErrorResponse.class);
                c.expectClosed();
            }
            for (int i = 0; i < 1000 && !captured.toString(StandardCharsets.UTF_8).contains("relay session end"); i++) {
                Thread.sleep(10);
            }
        } finally {
            System.setErr(original);
            logged = captured.toString(StandardCharsets.UTF_8);
        }
        String backend = "postgresql://scramuser@127.0.0.1:" + cluster.port + "/postgres";
        List<String> relayLines = logged.lines().filter(l -> l.contains("RelaySession")).toList();
        assertEquals(4, relayLines.size(), logged);
        assertTrue(relayLines.get(0).contains("INFO") && relayLines.get(0).contains(
                "relay session start: alice@appdb from /127.0.0.1:") && relayLines.get(0).contains(backend),
                relayLines.get(0));
        assertTrue(relayLines.get(1).contains("DEBUG") && relayLines.get(1).endsWith("backend ERROR 22012"),
                relayLines.get(1));
        assertTrue(relayLines.get(2).contains("DEBUG") && relayLines.get(2).endsWith("backend ERROR 42601"),
                relayLines.get(2));
        assertTrue(relayLines.get(3).matches(".*INFO .*relay session end: alice@appdb from /127\\.0\\.0\\.1:\\d+ -> "
                + java.util.regex.Pattern.quote(backend) + " \\(backend pid \\d+, kept\\): \\d+ ms, \\d+ bytes in,"
                + " \\d+ bytes out"), relayLines.get(3));
        for (String secret : List.of("Scr4m-pw", "Leaked-pw", "Wrong-pw-9")) {
            assertFalse(logged.contains(secret), "a password in the log: " + logged);
        }
    }
}
