package io.buenavista.core.server;

import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.QueryHandler;
import io.buenavista.api.QuerySession;
import io.buenavista.api.SessionContext;
import io.buenavista.api.TransactionOptions;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.BackendMessage.ReadyForQuery;
import io.buenavista.testing.Frontend;
import io.buenavista.testing.TestHandler;
import io.buenavista.testing.WireClient;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static io.buenavista.testing.Frontend.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a session or a crowd of sockets can do to the server as a whole: fatal errors, sockets that never finish
 * their startup, and timers left behind by statements. The server must keep accepting and serving other clients.
 */
class ServerRobustnessTest {

    private static WireClient connect(BuenaVistaServer server) {
        return WireClient.connect("127.0.0.1", server.port());
    }

    private static void expectRows(WireClient c, int n) {
        StartupScriptTest.expectRows(c, n);
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

    /** Threads serving a connection now (idle threads kept by the pool for reuse are not counted). */
    private static long connectionThreads() {
        return Thread.getAllStackTraces().values().stream().filter(stack -> java.util.Arrays.stream(stack)
                .anyMatch(f -> f.getClassName().equals(Connection.class.getName()))).count();
    }

    // ---- fatal errors ----

    @Test
    void acceptorSurvivesAnErrorFromTheExecutor() throws Exception {
        // As a JVM out of native threads does: the executor throws an Error instead of starting the task.
        AtomicInteger failures = new AtomicInteger(1);
        ThreadPoolExecutor executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS,
                new SynchronousQueue<>()) {
            @Override
            public void execute(Runnable command) {
                if (failures.getAndDecrement() > 0) {
                    throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
                }
                super.execute(command);
            }
        };
        try (BuenaVistaServer server = TestServers.builder(new TestHandler()).executor(executor).build().start()) {
            try (WireClient unlucky = connect(server)) {
                unlucky.startup(Map.of("user", "u"));
                unlucky.expectClosed();
            }
            assertTrue(eventually(() -> server.connectionCount() == 0), "the unserved connection is forgotten");
            for (int i = 0; i < 3; i++) {
                try (WireClient c = connect(server)) {
                    c.login("u", "db");
                    expectRows(c, 2);
                }
            }
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void outOfMemoryInOneSessionEndsThatSessionOnlyAndIsLoggedOnce() throws Exception {
        OomHandler handler = new OomHandler();
        String logged;
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (BuenaVistaServer server = TestServers.builder(handler).build().start();
                WireClient victim = connect(server); WireClient bystander = connect(server)) {
            victim.login("victim", "db");
            bystander.login("bystander", "db");
            // slf4j-simple writes to whatever System.err is when it logs.
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try {
                victim.send(query("oom"));
                ErrorResponse e = victim.expectError("53200");
                assertEquals("FATAL", e.severity());
                assertEquals("out of memory", e.message());
                victim.expectClosed();
                assertTrue(eventually(() -> server.connectionCount() == 1));
            } finally {
                System.setErr(original);
                logged = captured.toString(StandardCharsets.UTF_8);
            }
            // The other session, the acceptor and the timer (statement_timeout) carry on.
            expectRows(bystander, 3);
            try (WireClient late = connect(server)) {
                late.login("late", "db");
                late.simpleQuery("SET statement_timeout = '100ms'");
                late.send(query("sleep 60000"));
                late.expectError("57014");
                late.expectReadyForQuery('I');
                expectRows(late, 1);
            }
            // The victim's session was closed like any other: only the bystander's stays open.
            assertTrue(eventually(() -> handler.inner.openSessions() == 1), () -> handler.inner.openSessions() + "");
        }
        assertEquals(1, logged.lines().filter(l -> l.contains("OutOfMemoryError: Java heap space (test)")).count(),
                logged);
    }

    @Test
    void timerSurvivesAHandlerWhoseCancelThrowsAnErrorAndLogsIt() {
        String logged;
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (BuenaVistaServer server = TestServers.builder(new OomHandler()).build().start();
                WireClient brittle = connect(server)) {
            brittle.login("brittle", "db");
            brittle.simpleQuery("SET statement_timeout = '50ms'");
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try {
                // The timer thread calls cancel(), which throws: the statement runs to its end, the timer lives on.
                brittle.send(query("sleep 300"));
                brittle.readUntil(ReadyForQuery.class);
            } finally {
                System.setErr(original);
                logged = captured.toString(StandardCharsets.UTF_8);
            }
            assertEquals(1, logged.lines().filter(l -> l.contains("OutOfMemoryError: Java heap space (test cancel)"))
                    .count(), logged);
            expectRows(brittle, 1);
            try (WireClient late = connect(server)) {
                late.login("late", "db");
                late.simpleQuery("SET statement_timeout = '50ms'");
                late.send(query("sleep 60000"));
                late.expectError("57014");
                late.expectReadyForQuery('I');
            }
        }
    }

    /**
     * The test handler, whose statement {@code oom} throws OutOfMemoryError as a session exhausting the heap does,
     * and whose sessions of user {@code brittle} throw one from {@code cancel()}.
     */
    private static final class OomHandler implements QueryHandler {
        final TestHandler inner = new TestHandler();

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public QuerySession open(SessionContext context) {
            QuerySession s = inner.open(context);
            return new QuerySession() {
                @Override
                public PreparedQuery prepare(String sql, List<PgType> parameterTypes) {
                    if (sql.trim().equalsIgnoreCase("oom")) {
                        throw new OutOfMemoryError("Java heap space (test)");
                    }
                    return s.prepare(sql, parameterTypes);
                }

                @Override
                public void begin(TransactionOptions options) {
                    s.begin(options);
                }

                @Override
                public void commit() {
                    s.commit();
                }

                @Override
                public void rollback() {
                    s.rollback();
                }

                @Override
                public void cancel() {
                    if (context.startup().user().equals("brittle")) {
                        throw new OutOfMemoryError("Java heap space (test cancel)");
                    }
                    s.cancel();
                }

                @Override
                public Map<String, String> parameterStatus() {
                    return s.parameterStatus();
                }

                @Override
                public void settingChanged(String name, String value) {
                    s.settingChanged(name, value);
                }

                @Override
                public void close() {
                    s.close();
                }
            };
        }
    }

    // ---- sockets that do not finish their startup ----

    /** A socket that sent the first byte of a startup packet's length and nothing more. */
    private static Socket stalledSocket(BuenaVistaServer server) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", server.port()));
        s.getOutputStream().write(0);
        s.getOutputStream().flush();
        return s;
    }

    /** Whether the server closed (or reset) the socket within the timeout; false when it is still open. */
    private static boolean closedWithin(Socket s, Duration timeout) throws IOException {
        s.setSoTimeout((int) timeout.toMillis());
        try {
            return s.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset
        }
    }

    @Test
    void excessSocketsBeforeStartupAreClosedAtOnceAndALegitimateClientGetsIn() throws Exception {
        int limit = 4;
        // Timeouts far beyond this test's bounds: whatever closes a socket here is the limit.
        try (BuenaVistaServer server = TestServers.builder(new TestHandler()).maxStartingConnections(limit)
                .startupPacketTimeout(Duration.ofMinutes(5)).startupTimeout(Duration.ofMinutes(5)).build().start()) {
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 3 * limit; i++) {
                    sockets.add(stalledSocket(server));
                }
                // The oldest wait the longest: they make room for the newer ones.
                for (int i = 0; i < 2 * limit; i++) {
                    assertTrue(closedWithin(sockets.get(i), Duration.ofSeconds(10)), "socket " + i + " closed");
                }
                for (int i = 2 * limit; i < 3 * limit; i++) {
                    assertTrue(!closedWithin(sockets.get(i), Duration.ofMillis(100)), "socket " + i + " open");
                }
                assertTrue(eventually(() -> connectionThreads() <= limit), () -> connectionThreads() + " threads");
                try (WireClient c = connect(server)) {
                    c.login("u", "db");
                    expectRows(c, 2);
                    // The legitimate client took the place of the oldest stalled one.
                    assertTrue(closedWithin(sockets.get(2 * limit), Duration.ofSeconds(10)));
                    assertTrue(!closedWithin(sockets.get(2 * limit + 1), Duration.ofMillis(100)));
                }
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }

    @Test
    void manySocketsTricklingTheirStartupDoNotKeepClientsOutOrHoldThreads() throws Exception {
        int limit = 8;
        try (BuenaVistaServer server = TestServers.builder(new TestHandler()).maxStartingConnections(limit)
                .build().start()) {
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int round = 0; round < 5; round++) {
                    for (int i = 0; i < 40; i++) {
                        sockets.add(stalledSocket(server));
                    }
                    // Those still open send one more byte of their 10 000-byte startup packet's length.
                    for (Socket s : sockets) {
                        trickle(s);
                    }
                    try (WireClient c = connect(server)) {
                        c.login("u" + round, "db");
                        expectRows(c, 1);
                    }
                }
                assertTrue(eventually(() -> connectionThreads() <= limit), () -> connectionThreads() + " threads");
                assertTrue(eventually(() -> server.connectionCount() <= limit),
                        () -> server.connectionCount() + " connections");
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }

    private static void trickle(Socket s) {
        try {
            OutputStream out = s.getOutputStream();
            out.write(0);
            out.flush();
        } catch (IOException e) {
            // closed by the server: as expected for most of them
        }
    }

    @Test
    void socketTricklingItsStartupPacketIsClosedAfterTheStartupPacketTimeout() throws Exception {
        try (BuenaVistaServer server = TestServers.builder(new TestHandler())
                .startupPacketTimeout(Duration.ofMillis(300)).startupTimeout(Duration.ofMinutes(5)).build().start();
                Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()));
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            s.setSoTimeout(50);
            byte[] header = {0, 0, 0x27, 0x10, 0, 3, 0, 0}; // a 10 000-byte startup packet, protocol 3.0
            boolean closed = false;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            // One byte every 50 ms, for as long as the server listens: the deadline does not move with the bytes.
            for (int i = 0; !closed && System.nanoTime() < deadline; i++) {
                try {
                    out.write(i < header.length ? header[i] : 'x');
                    out.flush();
                    closed = in.read() < 0;
                } catch (SocketTimeoutException e) {
                    // still open
                } catch (SocketException e) {
                    closed = true;
                }
            }
            assertTrue(closed, "the socket was closed before the bound");
            // A client that sends its startup at once is not affected.
            try (WireClient c = connect(server)) {
                c.login("u", "db");
                expectRows(c, 1);
            }
        }
    }

    // ---- timers ----

    @Test
    void statementTimeoutTimersDoNotOutliveTheirStatements() throws Exception {
        try (BuenaVistaServer server = TestServers.builder(new TestHandler()).build().start();
                WireClient c = connect(server)) {
            c.login("u", "db");
            c.simpleQuery("SET statement_timeout = '1h'");
            int statements = 2_000;
            for (int sent = 0; sent < statements; sent += 100) {
                // Pipelined in batches: a simple query and an extended one each time.
                for (int i = 0; i < 50; i++) {
                    c.send(query("rows 1"), Frontend.parse("", "rows 1"), Frontend.bind("", ""),
                            Frontend.execute("", 0), Frontend.sync());
                }
                for (int i = 0; i < 100; i++) {
                    c.readUntil(ReadyForQuery.class);
                }
            }
            int queued = server.timerQueueSize();
            assertTrue(queued < 10, queued + " timer tasks queued after " + statements + " statements");
            // The timeout still works.
            c.simpleQuery("SET statement_timeout = '100ms'");
            c.send(query("sleep 60000"));
            c.expectError("57014");
            c.expectReadyForQuery('I');
        }
    }
}
