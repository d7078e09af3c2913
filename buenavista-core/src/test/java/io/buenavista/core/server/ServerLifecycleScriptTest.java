package io.buenavista.core.server;

import io.buenavista.api.AuthExchange;
import io.buenavista.api.Authenticator;
import io.buenavista.api.Principal;
import io.buenavista.api.Route;
import io.buenavista.api.StartupRequest;
import io.buenavista.testing.BackendMessage.AuthenticationCleartextPassword;
import io.buenavista.testing.BackendMessage.CommandComplete;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.BackendMessage.RowDescription;
import io.buenavista.testing.TestHandler;
import io.buenavista.testing.WireClient;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

import static io.buenavista.testing.Frontend.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Connection limits, timeouts and graceful shutdown of a real server. */
class ServerLifecycleScriptTest {

    private static BuenaVistaServer start(TestHandler handler, UnaryOperator<BuenaVistaServer.Builder> config) {
        return config.apply(TestServers.builder(handler)).build().start();
    }

    private static WireClient connect(BuenaVistaServer server) {
        return WireClient.connect("127.0.0.1", server.port());
    }

    /** Polls a condition that the server reaches asynchronously, for at most ten seconds. */
    private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    private static void expectRows(WireClient c, int n) {
        StartupScriptTest.expectRows(c, n);
    }

    private static List<String> connectionThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> name.startsWith("buenavista-conn")).toList();
    }

    @Test
    void connectionPastTheMaximumGetsFatal53300WhileOthersKeepWorking() {
        try (BuenaVistaServer server = start(new TestHandler(), b -> b.maxConnections(2));
                WireClient a = connect(server); WireClient b = connect(server)) {
            a.login("a", "db");
            b.login("b", "db");
            try (WireClient extra = connect(server)) {
                extra.startup(java.util.Map.of("user", "c"));
                ErrorResponse e = extra.expectError("53300");
                assertEquals("FATAL", e.severity());
                extra.expectClosed();
            }
            expectRows(a, 1);
            expectRows(b, 2);
            b.send(io.buenavista.testing.Frontend.terminate());
            b.expectClosed();
            // b's place is free again once its connection has ended.
            try (WireClient again = connect(server)) {
                again.login("c", "db");
                expectRows(again, 1);
            }
        }
    }

    @Test
    void clientThatSendsNothingIsClosedAfterTheStartupTimeout() {
        Authenticator passwordForPw = new Authenticator() {
            @Override
            public String name() {
                return "password-for-pw";
            }

            @Override
            public AuthExchange exchange(StartupRequest request, Route route) {
                return request.user().equals("pw")
                        ? new AuthExchange.CleartextPassword(password -> Principal.of("pw"))
                        : new AuthExchange.Trust(Principal.of(request.user()));
            }
        };
        try (BuenaVistaServer server = start(new TestHandler(),
                b -> b.startupTimeout(Duration.ofMillis(300)).authenticator(passwordForPw))) {
            try (WireClient c = connect(server)) {
                c.expectClosed();
            }
            try (WireClient c = connect(server)) {
                // Asked for a password that never comes: the timeout covers authentication too.
                c.startup(java.util.Map.of("user", "pw"));
                c.expect(AuthenticationCleartextPassword.class);
                c.expectClosed();
            }
            try (WireClient c = connect(server)) {
                // Half a startup packet is no better than nothing.
                c.sendRaw(new byte[] {0, 0, 0, 40, 0, 3});
                c.expectClosed();
            }
            try (WireClient c = connect(server)) {
                c.login("u", "db");
                expectRows(c, 1);
            }
        }
    }

    @Test
    void idleConnectionGetsFatal57P05() {
        try (BuenaVistaServer server = start(new TestHandler(), b -> b.idleTimeout(Duration.ofMillis(200)));
                WireClient c = connect(server)) {
            c.login("u", "db");
            expectRows(c, 1);
            ErrorResponse e = c.expectError("57P05");
            assertEquals("FATAL", e.severity());
            c.expectClosed();
        }
    }

    @Test
    void connectionIdleInATransactionBlockGetsFatal25P03() {
        try (BuenaVistaServer server = start(new TestHandler(), b -> b.idleTimeout(Duration.ofMillis(200)));
                WireClient c = connect(server)) {
            c.login("u", "db");
            c.simpleQuery("BEGIN");
            ErrorResponse e = c.expectError("25P03");
            assertEquals("FATAL", e.severity());
            assertEquals("terminating connection due to idle-in-transaction timeout", e.message());
            c.expectClosed();
        }
    }

    @Test
    void connectionClosedWithoutSendingAnythingLogsNothingAboveDebug() throws Exception {
        TestHandler handler = new TestHandler();
        try (BuenaVistaServer server = start(handler, b -> b)) {
            String logged;
            PrintStream original = System.err;
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            // slf4j-simple writes to whatever System.err is when it logs.
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try {
                for (int i = 0; i < 3; i++) {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress("127.0.0.1", server.port()));
                    }
                }
                assertTrue(eventually(() -> server.connectionCount() == 0));
            } finally {
                System.setErr(original);
                logged = captured.toString(StandardCharsets.UTF_8);
            }
            assertEquals("", logged);
            try (WireClient c = connect(server)) {
                c.login("u", "db");
                expectRows(c, 1);
            }
        }
    }

    @Test
    void closeSendsFatal57P01ToIdleClientsAndLetsARunningStatementFinish() throws Exception {
        TestHandler handler = new TestHandler();
        BuenaVistaServer server = start(handler, b -> b.shutdownGracePeriod(Duration.ofSeconds(30)));
        int port = server.port();
        try (WireClient idle = connect(server); WireClient busy = connect(server)) {
            idle.login("idle", "db");
            busy.login("busy", "db");
            busy.send(query("sleep 2000"));
            assertTrue(handler.awaitSleeping(Duration.ofSeconds(10)));
            CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);

            ErrorResponse e = idle.expectError("57P01");
            assertEquals("FATAL", e.severity());
            idle.expectClosed();

            busy.setReadTimeout(Duration.ofSeconds(20));
            busy.expect(CommandComplete.class);
            busy.expectReadyForQuery('I');
            busy.expectError("57P01");
            busy.expectClosed();
            closing.get();
        }
        assertEquals(0, handler.cancelCalls(), "the statement finished within the grace period");
        assertEquals(0, handler.openSessions());
        assertPortFreeAndNoConnectionThreads(port);
    }

    /** As PostgreSQL's backends on SIGTERM: the statement ends with FATAL 57P01 alone, no 57014 before it. */
    @Test
    void closeEndsAStatementStillRunningAfterTheGracePeriodWithFatal57P01() throws Exception {
        TestHandler handler = new TestHandler();
        BuenaVistaServer server = start(handler, b -> b.shutdownGracePeriod(Duration.ofMillis(100)));
        int port = server.port();
        try (WireClient busy = connect(server)) {
            busy.login("busy", "db");
            busy.send(query("sleep 60000"));
            assertTrue(handler.awaitSleeping(Duration.ofSeconds(10)));
            server.close();
            ErrorResponse e = busy.expectError("57P01");
            assertEquals("FATAL", e.severity());
            assertEquals("terminating connection due to administrator command", e.field('M'));
            busy.expectClosed();
        }
        assertEquals(0, handler.openSessions());
        assertPortFreeAndNoConnectionThreads(port);
    }

    /**
     * A statement streaming to a slow client when the grace period ends: its rows stop, the client reads those
     * already sent and then FATAL 57P01, not a bare disconnect; the same for one whose handler ignores cancels in
     * its execution.
     */
    @Test
    void closeEndsAStreamToASlowReaderWithFatal57P01AfterItsRows() throws Exception {
        TestHandler handler = new TestHandler();
        BuenaVistaServer server = start(handler, b -> b.shutdownGracePeriod(Duration.ofMillis(100)));
        int port = server.port();
        try (WireClient streaming = connect(server); WireClient executing = connect(server)) {
            streaming.login("streaming", "db");
            executing.login("executing", "db");
            streaming.send(query("stream 1000000000000"));
            streaming.expect(RowDescription.class);
            streaming.readRowsFor(Duration.ofMillis(300), 2_000, Duration.ofMillis(10));
            executing.send(query("stream 1000000000000 0 1000"));
            assertTrue(handler.awaitStreamStarted(Duration.ofSeconds(10)));
            assertTrue(handler.awaitStreamStarted(Duration.ofSeconds(10)));
            CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
            streaming.skipRows(2_000, Duration.ofMillis(1), Duration.ofSeconds(15));
            ErrorResponse e = streaming.expectError("57P01");
            assertEquals("FATAL", e.severity());
            streaming.expectClosed();
            executing.expectError("57P01");
            executing.expectClosed();
            closing.get(30, TimeUnit.SECONDS);
        }
        assertEquals(0, handler.openSessions());
        assertEquals(0, handler.openCursors());
        assertPortFreeAndNoConnectionThreads(port);
    }

    @Test
    void closeOfAServerWithoutClientsFreesThePort() throws Exception {
        BuenaVistaServer server = start(new TestHandler(), b -> b);
        int port = server.port();
        try (WireClient c = connect(server)) {
            c.login("u", "db");
            c.send(io.buenavista.testing.Frontend.terminate());
            c.expectClosed();
        }
        server.close();
        server.close(); // a second close is harmless
        assertPortFreeAndNoConnectionThreads(port);
    }

    private static void assertPortFreeAndNoConnectionThreads(int port) throws InterruptedException, IOException {
        // Another process's outgoing connection may briefly hold the same ephemeral port number, so the bind is
        // retried for a moment; a listener the server left open would fail every attempt.
        assertTrue(eventually(() -> {
            try (ServerSocket again = new ServerSocket()) {
                again.setReuseAddress(true);
                again.bind(new InetSocketAddress("127.0.0.1", port));
                return true;
            } catch (IOException e) {
                return false;
            }
        }), "port " + port + " is still taken");
        assertTrue(eventually(() -> connectionThreads().isEmpty()), () -> "still running: " + connectionThreads());
    }
}
