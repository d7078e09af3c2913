package io.buenavista.core.wire;

import io.buenavista.api.AuthExchange;
import io.buenavista.api.Authenticator;
import io.buenavista.api.PgException;
import io.buenavista.api.Principal;
import io.buenavista.api.Route;
import io.buenavista.api.StartupRequest;
import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.BackendMessage.AuthenticationCleartextPassword;
import io.buenavista.testing.BackendMessage.AuthenticationOk;
import io.buenavista.testing.BackendMessage.BindComplete;
import io.buenavista.testing.BackendMessage.CommandComplete;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.BackendMessage.ParseComplete;
import io.buenavista.testing.BackendMessage.PortalSuspended;
import io.buenavista.testing.FrontendMessage;
import io.buenavista.testing.TestHandler;
import io.buenavista.testing.WireClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.buenavista.testing.Frontend.bind;
import static io.buenavista.testing.Frontend.describeStatement;
import static io.buenavista.testing.Frontend.execute;
import static io.buenavista.testing.Frontend.parse;
import static io.buenavista.testing.Frontend.query;
import static io.buenavista.testing.Frontend.raw;
import static io.buenavista.testing.Frontend.startup;
import static io.buenavista.testing.Frontend.sync;
import static io.buenavista.testing.Frontend.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Framing rules, scripted on the wire against a real server: the type byte is checked before the length, every length
 * against its limit before the body is read, and framing errors are FATAL 08P01. The query limit is configured small
 * (1 KiB) so that the limit itself is exercised.
 */
class FramingScriptTest {
    private static final String HOST = "127.0.0.1";
    private static final int QUERY_LIMIT = 1024;
    private static final String PASSWORD_USER = "needs-password";

    static BuenaVistaServer server;

    @BeforeAll
    static void start() {
        server = BuenaVistaServer.builder().port(0).discoverProviders(false).handler(new TestHandler())
                .messageLimits(new MessageLimits(10_000, 65_535, 10_000, QUERY_LIMIT))
                .authenticator(new PasswordForOneUser())
                .build().start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Trusts everybody except {@link #PASSWORD_USER}, who must give the password "secret". */
    private static final class PasswordForOneUser implements Authenticator {
        @Override
        public String name() {
            return "test";
        }

        @Override
        public AuthExchange exchange(StartupRequest request, Route route) {
            if (!request.user().equals(PASSWORD_USER)) {
                return new AuthExchange.Trust(Principal.of(request.user()));
            }
            return new AuthExchange.CleartextPassword(password -> {
                if (!password.equals("secret")) {
                    throw new PgException("28P01", "password authentication failed");
                }
                return Principal.of(PASSWORD_USER);
            });
        }
    }

    private static WireClient connect() {
        return WireClient.connect(HOST, server.port());
    }

    private static WireClient loggedIn() {
        WireClient c = connect();
        c.login("u", "db");
        return c;
    }

    /** A type byte and a length word, without any body. */
    private static byte[] header(int type, int length) {
        return ByteBuffer.allocate(5).put((byte) type).putInt(length).array();
    }

    private static byte[] int32(int v) {
        return ByteBuffer.allocate(4).putInt(v).array();
    }

    private static void expectFatal(WireClient c, String sqlState) {
        ErrorResponse e = c.expectError(sqlState);
        assertEquals("FATAL", e.severity(), e.toString());
        c.expectClosed();
    }

    private static void expectServing() {
        try (WireClient c = loggedIn()) {
            c.send(query("rows 2"));
            c.expectRowDescription("n");
            c.expectDataRow("1");
            c.expectDataRow("2");
            c.expect(CommandComplete.class);
            c.expectReadyForQuery('I');
        }
    }

    @Test
    void unknownTypeByteIsFatalBeforeTheLengthIsTrusted() {
        try (WireClient c = loggedIn()) {
            // A huge length and no body: had the length been trusted, the server would still be waiting.
            c.sendRaw(header('z', 0x7ffffff0));
            expectFatal(c, "08P01");
        }
        expectServing();
    }

    @Test
    void queryWithinTheConfiguredLimitIsServed() {
        try (WireClient c = loggedIn()) {
            String sql = "rows 1" + " ".repeat(QUERY_LIMIT - 4 - "rows 1".length() - 1);
            byte[] frame = new FrontendMessage.Query(sql).encode();
            assertEquals(QUERY_LIMIT + 1, frame.length, "type byte + length word + body at the limit");
            c.sendRaw(frame);
            c.expectRowDescription("n");
            c.expectDataRow("1");
            c.expect(CommandComplete.class);
            c.expectReadyForQuery('I');
        }
    }

    @Test
    void queryOverTheConfiguredLimitIsFatalWithoutReadingTheBody() {
        try (WireClient c = loggedIn()) {
            c.sendRaw(header('Q', QUERY_LIMIT + 1));
            expectFatal(c, "08P01");
        }
        try (WireClient c = loggedIn()) {
            c.sendRaw(header('P', QUERY_LIMIT + 1));
            expectFatal(c, "08P01");
        }
        try (WireClient c = loggedIn()) {
            c.sendRaw(header('B', 64 * 1024 * 1024));
            expectFatal(c, "08P01");
        }
    }

    @Test
    void controlMessagesOverTenThousandBytesAreFatal() {
        for (char type : new char[] {'S', 'H', 'D', 'C', 'E', 'X'}) {
            try (WireClient c = loggedIn()) {
                c.sendRaw(header(type, 10_001));
                expectFatal(c, "08P01");
            }
        }
    }

    @Test
    void lengthBelowFourIsFatal() {
        try (WireClient c = loggedIn()) {
            c.sendRaw(header('S', 3));
            expectFatal(c, "08P01");
        }
        try (WireClient c = loggedIn()) {
            c.sendRaw(header('Q', -1));
            expectFatal(c, "08P01");
        }
    }

    @Test
    void startupPacketOutsideEightToTenThousandBytesIsFatal() {
        try (WireClient c = connect()) {
            c.sendRaw(new byte[] {0, 0, 0, 7, 0, 3, 0});
            expectFatal(c, "08P01");
        }
        try (WireClient c = connect()) {
            c.sendRaw(int32(10_001));
            expectFatal(c, "08P01");
        }
    }

    @Test
    void startupPacketOfTenThousandBytesIsAccepted() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("user", "u");
        p.put("filler", "");
        int size = startup(p).encode().length;
        p.put("filler", "x".repeat(10_000 - size));
        byte[] packet = startup(p).encode();
        assertEquals(10_000, packet.length);
        try (WireClient c = connect()) {
            c.login(p, null);
        }
    }

    @Test
    void passwordMessageOverItsLimitIsFatal() {
        try (WireClient c = connect()) {
            c.startup(Map.of("user", PASSWORD_USER));
            c.expect(AuthenticationCleartextPassword.class);
            c.sendRaw(header('p', 65_536));
            expectFatal(c, "08P01");
        }
    }

    @Test
    void anyOtherMessageInsteadOfThePasswordIsFatalEvenWithALengthTooLargeToWaitFor() {
        try (WireClient c = connect()) {
            c.startup(Map.of("user", PASSWORD_USER));
            c.expect(AuthenticationCleartextPassword.class);
            c.send(query("rows 1"));
            expectFatal(c, "08P01");
        }
        try (WireClient c = connect()) {
            c.startup(Map.of("user", PASSWORD_USER));
            c.expect(AuthenticationCleartextPassword.class);
            c.sendRaw(header('Q', QUERY_LIMIT));
            expectFatal(c, "08P01");
        }
    }

    @Test
    void secondStartupMessageAfterLoginIsFatal() {
        try (WireClient pg = WireClient.connect(HOST, 5432)) {
            pg.login("postgres", "postgres");
            pg.send(startup(Map.of("user", "postgres")));
            expectFatal(pg, "08P01");
        }
        try (WireClient c = loggedIn()) {
            // Read as a message, its first length byte (0) is an unknown message type.
            c.send(startup(Map.of("user", "u")));
            expectFatal(c, "08P01");
        }
    }

    @Test
    void sslRequestAfterStartupIsFatal() {
        try (WireClient c = loggedIn()) {
            c.send(new FrontendMessage.SslRequest());
            expectFatal(c, "08P01");
        }
    }

    @Test
    void protocolMajorVersionAboveThreeIsFatal0A000AsPostgresAnswersIt() {
        Map<String, String> p = Map.of("user", "postgres");
        ErrorResponse expected;
        try (WireClient pg = WireClient.connect(HOST, 5432)) {
            pg.send(new FrontendMessage.Startup(4, 0, p));
            expected = pg.expectError("0A000");
        }
        try (WireClient c = connect()) {
            c.send(new FrontendMessage.Startup(4, 0, p));
            ErrorResponse e = c.expectError("0A000");
            assertEquals("FATAL", e.severity());
            assertEquals(expected.message(), e.message());
            c.expectClosed();
        }
    }

    @Test
    void protocolMajorVersionBelowThreeGetsTheOldErrorFormatExactlyAsPostgresSendsIt() throws IOException {
        byte[] startup2 = new FrontendMessage.Startup(2, 0, Map.of("user", "postgres", "database", "postgres"))
                .encode();
        byte[] expected = sendAndReadToEnd(5432, startup2);
        assertEquals('E', expected[0]);
        assertEquals(new String(expected, StandardCharsets.UTF_8),
                new String(sendAndReadToEnd(server.port(), startup2), StandardCharsets.UTF_8));
    }

    /** Sends bytes on a new connection and returns everything the server sends until it closes. */
    private static byte[] sendAndReadToEnd(int port, byte[] bytes) throws IOException {
        try (Socket s = new Socket(HOST, port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            return s.getInputStream().readAllBytes();
        }
    }

    @Test
    void directTlsHandshakeIsClosedQuietly() {
        try (WireClient c = connect()) {
            // The start of a TLS ClientHello record.
            c.sendRaw(new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xc8, 0x01, 0x00, 0x00, (byte) 0xc4, 0x03, 0x03});
            c.expectClosed();
        }
        expectServing();
    }

    @Test
    void truncatedFramesEndOnlyTheirConnection() throws InterruptedException {
        byte[] q = new FrontendMessage.Query("rows 1").encode();
        try (WireClient c = loggedIn()) {
            c.sendRaw(Arrays.copyOf(q, q.length - 3));
        }
        try (WireClient c = loggedIn()) {
            c.sendRaw(Arrays.copyOf(q, 3));
        }
        byte[] s = startup(Map.of("user", "u")).encode();
        try (WireClient c = connect()) {
            c.sendRaw(Arrays.copyOf(s, s.length / 2));
        }
        try (WireClient c = connect()) {
            c.sendRaw(Arrays.copyOf(s, 2));
        }
        expectServing();
        assertTrue(eventually(() -> server.connectionCount() == 0), "every truncated connection ended");
    }

    /** Polls a condition the server reaches asynchronously, for at most ten seconds. */
    private static boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    @Test
    void loginAndExtendedQueryWorkWithWritesSplitIntoOneToSevenBytes() {
        for (long seed = 1; seed <= 3; seed++) {
            try (WireClient c = connect()) {
                c.setFragmentation(1, 7, seed);
                c.login(Map.of("user", PASSWORD_USER, "database", "db"), "secret");
                c.send(parse("s", "echo $1, $2", 23, 25), describeStatement("s"), bind("", "s", text("42", "héllo")),
                        execute("", 0), parse("", "rows 5"), bind("", "", new byte[0][]), execute("", 2),
                        execute("", 0), sync());
                c.expect(ParseComplete.class);
                c.expectParameterDescription(23, 25);
                c.expectRowDescription("p1", "p2");
                c.expect(BindComplete.class);
                c.expectDataRow("42", "héllo");
                c.expect(CommandComplete.class);
                c.expect(ParseComplete.class, BindComplete.class);
                c.expectDataRow("1");
                c.expectDataRow("2");
                c.expect(PortalSuspended.class);
                c.expectDataRow("3");
                c.expectDataRow("4");
                c.expectDataRow("5");
                c.expect(CommandComplete.class);
                c.expectReadyForQuery('I');
            }
        }
    }
}
