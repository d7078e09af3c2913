package io.buenavista.core.server;

import io.buenavista.api.AuthExchange;
import io.buenavista.api.Authenticator;
import io.buenavista.api.Principal;
import io.buenavista.api.Route;
import io.buenavista.api.StartupRequest;
import io.buenavista.core.auth.ScramSecrets;
import io.buenavista.testing.BackendMessage;
import io.buenavista.testing.BackendMessage.AuthenticationOk;
import io.buenavista.testing.BackendMessage.AuthenticationSASL;
import io.buenavista.testing.BackendMessage.AuthenticationSASLContinue;
import io.buenavista.testing.BackendMessage.AuthenticationSASLFinal;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.BackendMessage.ReadyForQuery;
import io.buenavista.testing.Frontend;
import io.buenavista.testing.FrontendMessage.SaslInitialResponse;
import io.buenavista.testing.FrontendMessage.SaslResponse;
import io.buenavista.testing.TestHandler;
import io.buenavista.testing.WireClient;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SCRAM-SHA-256 on the wire, with pgjdbc and psql, and against verifiers made by a real PostgreSQL. */
class ScramAuthTest {
    private static final String USER = "alice";
    private static final String PASSWORD = "s3cret-Pässword";
    private static final AuthExchange.ScramSecret SECRET = ScramSecrets.fromPassword(PASSWORD);

    private static Authenticator scram(AuthExchange.ScramSecret secret) {
        return new Authenticator() {
            @Override
            public String name() {
                return "scram";
            }

            @Override
            public AuthExchange exchange(StartupRequest request, Route route) {
                return new AuthExchange.ScramSha256(secret, Principal.of(request.user()));
            }
        };
    }

    private static BuenaVistaServer start(AuthExchange.ScramSecret secret) {
        return TestServers.builder(new TestHandler()).authenticator(scram(secret)).build().start();
    }

    private static WireClient connect(BuenaVistaServer server) {
        return WireClient.connect("127.0.0.1", server.port());
    }

    private static void expectFatal(WireClient c, String sqlState) {
        ErrorResponse e = c.expectError(sqlState);
        assertEquals("FATAL", e.severity());
        c.expectClosed();
    }

    /** Sends a client-first-message and returns the server-first-message's attributes. */
    private static String serverFirst(WireClient c, String clientNonce) {
        c.startup(Map.of("user", USER, "database", "db"));
        assertEquals(List.of("SCRAM-SHA-256"), c.expect(AuthenticationSASL.class).mechanisms());
        c.send(new SaslInitialResponse("SCRAM-SHA-256", bytes("n,,n=,r=" + clientNonce)));
        return new String(c.expect(AuthenticationSASLContinue.class).data(), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String nonceOf(String serverFirst) {
        return serverFirst.substring(2, serverFirst.indexOf(','));
    }

    @Test
    void wireClientLogsInAndVerifiesTheServerSignature() {
        try (BuenaVistaServer server = start(SECRET); WireClient c = connect(server)) {
            // login() answers each step with its own SCRAM client and checks v= against the password.
            List<BackendMessage> received = c.login(USER, "db", PASSWORD);
            assertEquals(List.of("SCRAM-SHA-256"), ((AuthenticationSASL) received.get(0)).mechanisms());
            assertTrue(received.get(1) instanceof AuthenticationSASLContinue, received.toString());
            assertTrue(received.get(2) instanceof AuthenticationSASLFinal, received.toString());
            assertTrue(received.get(3) instanceof AuthenticationOk, received.toString());
            assertEquals(USER, c.parameterStatus("session_authorization"));
            c.send(Frontend.query("rows 1"));
            c.expectRowDescription("n");
            c.expectDataRow("1");
            c.expectCommandComplete("SELECT 1");
            c.expectReadyForQuery('I');
        }
    }

    @Test
    void serverFirstExtendsTheClientNonceAndGivesSaltAndIterations() {
        try (BuenaVistaServer server = start(SECRET); WireClient a = connect(server); WireClient b = connect(server)) {
            String first = serverFirst(a, "clientnonce");
            String expectedTail = ",s=" + Base64.getEncoder().encodeToString(SECRET.salt()) + ",i=4096";
            assertTrue(first.startsWith("r=clientnonce") && first.endsWith(expectedTail), first);
            assertTrue(nonceOf(first).length() > "clientnonce".length() + 20, first);
            // Another connection gets another server nonce for the same client nonce.
            assertNotEquals(nonceOf(first), nonceOf(serverFirst(b, "clientnonce")));
        }
    }

    @Test
    void aWrongProofIsFatal28P01ForTheStartupUser() {
        try (BuenaVistaServer server = start(SECRET); WireClient c = connect(server)) {
            String nonce = nonceOf(serverFirst(c, "abc"));
            c.send(new SaslResponse(bytes("c=biws,r=" + nonce + ",p=" + Base64.getEncoder().encodeToString(
                    new byte[32]))));
            ErrorResponse e = c.expectError("28P01");
            assertEquals("FATAL", e.severity());
            assertEquals("password authentication failed for user \"alice\"", e.message());
            c.expectClosed();
        }
    }

    @Test
    void aClientInsistingOnChannelBindingIsFatal08P01() {
        try (BuenaVistaServer server = start(SECRET)) {
            try (WireClient c = connect(server)) {
                c.startup(Map.of("user", USER));
                c.expect(AuthenticationSASL.class);
                c.send(new SaslInitialResponse("SCRAM-SHA-256", bytes("p=tls-server-end-point,,n=,r=abc")));
                expectFatal(c, "08P01");
            }
            try (WireClient c = connect(server)) {
                c.startup(Map.of("user", USER));
                c.expect(AuthenticationSASL.class);
                c.send(new SaslInitialResponse("SCRAM-SHA-256-PLUS", bytes("p=tls-server-end-point,,n=,r=abc")));
                expectFatal(c, "08P01");
            }
        }
    }

    @Test
    void malformedOrUnexpectedMessagesAreFatal08P01() {
        try (BuenaVistaServer server = start(SECRET)) {
            try (WireClient c = connect(server)) {
                c.startup(Map.of("user", USER));
                c.expect(AuthenticationSASL.class);
                c.send(Frontend.query("rows 1"));
                expectFatal(c, "08P01");
            }
            try (WireClient c = connect(server)) {
                c.startup(Map.of("user", USER));
                c.expect(AuthenticationSASL.class);
                c.send(new SaslInitialResponse("SCRAM-SHA-256", bytes("n,,r=abc")));
                expectFatal(c, "08P01");
            }
            try (WireClient c = connect(server)) {
                String nonce = nonceOf(serverFirst(c, "abc"));
                c.send(new SaslResponse(bytes("c=biws,r=" + nonce + "x,p=" + Base64.getEncoder().encodeToString(
                        new byte[32]))));
                expectFatal(c, "08P01");
            }
        }
    }

    @Test
    void anInitialResponseWithoutDataGetsAnEmptyChallengeFirst() {
        try (BuenaVistaServer server = start(SECRET); WireClient c = connect(server)) {
            c.startup(Map.of("user", USER));
            c.expect(AuthenticationSASL.class);
            c.send(new SaslInitialResponse("SCRAM-SHA-256", null));
            assertEquals(0, c.expect(AuthenticationSASLContinue.class).data().length);
            c.send(new SaslResponse(bytes("n,,n=,r=late")));
            String first = new String(c.expect(AuthenticationSASLContinue.class).data(), StandardCharsets.UTF_8);
            assertTrue(first.startsWith("r=late"), first);
        }
    }

    @Test
    void pgjdbcLogsInWithScramAndAWrongPasswordIs28P01() throws SQLException {
        try (BuenaVistaServer server = start(SECRET)) {
            assertTrue(pgjdbcRows(server, USER, PASSWORD));
            SQLException e = assertThrows(SQLException.class, () -> pgjdbcRows(server, USER, "wrong"));
            assertEquals("28P01", e.getSQLState());
        }
    }

    private static boolean pgjdbcRows(BuenaVistaServer server, String user, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("sslmode", "disable");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port() + "/test", p);
                Statement s = c.createStatement(); ResultSet rs = s.executeQuery("rows 1")) {
            return rs.next() && rs.getLong(1) == 1;
        }
    }

    @Test
    void psqlLogsInWithPgpasswordAndAWrongOneIsRefused() throws Exception {
        try (BuenaVistaServer server = start(SECRET)) {
            String conninfo = "host=127.0.0.1 port=" + server.port() + " user=" + USER + " dbname=test sslmode=disable";
            PsqlRunner.Result ok = PsqlRunner.run(conninfo, Map.of("PGPASSWORD", PASSWORD), "-c", "rows 2");
            assertEquals(0, ok.exitCode(), ok.toString());
            assertEquals("1\n2\n", ok.stdout(), ok.toString());
            PsqlRunner.Result wrong = PsqlRunner.run(conninfo, Map.of("PGPASSWORD", "wrong"), "-c", "rows 2");
            assertEquals(2, wrong.exitCode(), wrong.toString());
            assertTrue(wrong.stderr().contains("password authentication failed for user \"alice\""),
                    wrong.toString());
        }
    }

    /**
     * PostgreSQL makes the verifiers: a temporary role gets each password with {@code password_encryption =
     * scram-sha-256}, its {@code rolpassword} is parsed, must equal what {@link ScramSecrets} computes from the same
     * password, salt and iterations (which checks SASLprep too), and must let clients log in with that password.
     */
    @Test
    void verifiersFromPostgresAreParsedAndMatchOurs() throws Exception {
        String role = "bv_scram_" + HexFormat.of().formatHex(SecureRandom.getSeed(6));
        String[] passwords = {PASSWORD, "pencil", "\uFB01\u00A0x\u00AD", "\u00e9\u0007", "\u212Bngstr\u00f6m"};
        try (Connection pg = DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres&sslmode=disable")) {
            try (Statement s = pg.createStatement()) {
                s.execute("SET password_encryption = 'scram-sha-256'");
                s.execute("CREATE ROLE " + role + " LOGIN");
            }
            try {
                for (String password : passwords) {
                    String verifier = postgresVerifier(pg, role, password);
                    AuthExchange.ScramSecret parsed = ScramSecrets.parse(verifier);
                    assertEquals(verifier, ScramSecrets.format(parsed));
                    assertEquals(parsed, ScramSecrets.fromPassword(password, parsed.salt(), parsed.iterations()),
                            "verifier for password #" + List.of(passwords).indexOf(password));
                    try (BuenaVistaServer server = start(parsed)) {
                        assertTrue(pgjdbcRows(server, role, password));
                        assertThrows(SQLException.class, () -> pgjdbcRows(server, role, password + "x"));
                        if (password.chars().allMatch(ch -> ch < 0x80) || password.equals(PASSWORD)) {
                            // WireClient's SCRAM client skips SASLprep: only for passwords it leaves unchanged.
                            try (WireClient c = connect(server)) {
                                List<BackendMessage> received = c.login(role, "db", password);
                                assertTrue(received.get(received.size() - 1) instanceof ReadyForQuery);
                            }
                        }
                    }
                }
            } finally {
                try (Statement s = pg.createStatement()) {
                    s.execute("DROP ROLE IF EXISTS " + role);
                }
            }
        }
    }

    private static String postgresVerifier(Connection pg, String role, String password) throws SQLException {
        try (Statement s = pg.createStatement()) {
            s.execute("ALTER ROLE " + role + " PASSWORD '" + password.replace("'", "''") + "'");
        }
        try (PreparedStatement ps = pg.prepareStatement("SELECT rolpassword FROM pg_authid WHERE rolname = ?")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                String verifier = rs.getString(1);
                assertTrue(verifier.startsWith("SCRAM-SHA-256$"), "PostgreSQL stored another kind of password");
                return verifier;
            }
        }
    }
}
