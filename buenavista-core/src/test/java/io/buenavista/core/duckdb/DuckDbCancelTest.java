package io.buenavista.core.duckdb;

import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.BackendMessage;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.BackendMessage.RowDescription;
import io.buenavista.testing.ObservedHandler;
import io.buenavista.testing.WireClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.buenavista.testing.Frontend.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cancel, statement_timeout and shutdown on the DuckDB server, told as PostgreSQL 15 (127.0.0.1:5432) is told the
 * same story: a raw client that reads a big result slowly (64 KB every 20 ms) and sends ONE CancelRequest, never
 * more. DuckDB's cursor sees a cancel only while it fetches, so these stop only because the core checks.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DuckDbCancelTest {
    private static final String DUCK_STREAM = "SELECT i, repeat('x', 20) FROM range(1000000000000) t(i)";
    /** A target-list set-returning function streams in PostgreSQL; one in FROM would be materialized first. */
    private static final String PG_STREAM = "SELECT generate_series(1, 1000000000000) AS i, repeat('x', 20)";
    /** DuckDB answers a bare count(*) of a range from its size: the filter makes it work. */
    private static final String DUCK_LONG_QUERY = "SELECT count(*) FROM range(1000000000000) t(i) WHERE i % 7 = 3";
    /** About 64 KB of the rows above. */
    private static final int ROWS_PER_READ = 1_600;
    private static final Duration READ_PAUSE = Duration.ofMillis(20);
    private static final Duration LIMIT = Duration.ofSeconds(20);

    private ObservedHandler handler;
    private BuenaVistaServer server;

    @BeforeEach
    void start() {
        handler = new ObservedHandler(new DuckDbHandler(DuckDbConfig.inMemory()));
        server = BuenaVistaServer.builder().port(0).discoverProviders(false).handler(handler)
                .shutdownGracePeriod(Duration.ofMillis(200)).build().start();
    }

    @AfterEach
    void stop() {
        server.close();
        handler.close();
    }

    private WireClient duck() {
        WireClient c = WireClient.connect("127.0.0.1", server.port()).setReadTimeout(LIMIT);
        c.login("tester", "test");
        return c;
    }

    private static WireClient postgres() {
        WireClient c = WireClient.connect("127.0.0.1", 5432).setReadTimeout(LIMIT);
        c.login("postgres", "test");
        return c;
    }

    /** What a slow reader saw, in milliseconds from the query's start: its first message, the cancel, the error. */
    private record Story(ErrorResponse error, long describedMillis, long cancelMillis, long errorMillis, long rows) {
        String describe(String server) {
            return String.format("%s: %s after %d ms (RowDescription at %d ms%s, %d rows read)", server,
                    error.sqlState(), errorMillis, describedMillis,
                    cancelMillis < 0 ? "" : ", cancel sent at " + cancelMillis + " ms", rows);
        }
    }

    /** Streams {@code sql} to a client reading 64 KB every 20 ms; one cancel after 1 s unless {@code cancel} is off. */
    private static Story slowReader(WireClient c, String sql, boolean cancel) {
        long start = System.nanoTime();
        c.send(query(sql));
        c.expect(RowDescription.class);
        long described = millisSince(start);
        long rows = 0;
        long cancelAt = -1;
        if (cancel) {
            rows = c.readRowsFor(Duration.ofMillis(Math.max(0, 1_000 - described)), ROWS_PER_READ, READ_PAUSE);
            cancelAt = millisSince(start);
            c.cancel();
        }
        rows += c.skipRows(ROWS_PER_READ, READ_PAUSE, LIMIT);
        ErrorResponse e = c.expectError("57014");
        long errorAt = millisSince(start);
        c.expectReadyForQuery('I');
        return new Story(e, described, cancelAt, errorAt, rows);
    }

    private static long millisSince(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    @Test
    void oneCancelEndsAStreamToASlowReaderAsInPostgres() {
        Story pg;
        try (WireClient c = postgres()) {
            pg = slowReader(c, PG_STREAM, true);
        }
        Story duck;
        try (WireClient c = duck()) {
            duck = slowReader(c, DUCK_STREAM, true);
            assertSelectOne(c);
        }
        System.out.println("one cancel, slow reader: " + pg.describe("PostgreSQL") + "; "
                + duck.describe("Buena Vista/DuckDB"));
        assertEquals(pg.error().field('M'), duck.error().field('M'));
        assertEquals("canceling statement due to user request", duck.error().field('M'));
    }

    @Test
    void statementTimeoutEndsAStreamToASlowReaderAsInPostgres() {
        Story pg;
        try (WireClient c = postgres()) {
            c.simpleQuery("SET statement_timeout = '2s'");
            pg = slowReader(c, PG_STREAM, false);
        }
        Story duck;
        try (WireClient c = duck()) {
            c.simpleQuery("SET statement_timeout = '2s'");
            duck = slowReader(c, DUCK_STREAM, false);
            c.simpleQuery("SET statement_timeout = 0");
            assertSelectOne(c);
        }
        System.out.println("statement_timeout 2s, slow reader: " + pg.describe("PostgreSQL") + "; "
                + duck.describe("Buena Vista/DuckDB"));
        assertEquals(pg.error().field('M'), duck.error().field('M'));
        assertEquals("canceling statement due to statement timeout", duck.error().field('M'));
    }

    /**
     * One cancel at a random moment after the statement began: while DuckDB prepares, executes a long aggregate,
     * or streams rows (the client reads nothing before its cancel, so the server may be waiting in a write). Neither
     * statement ends by itself within the test's bounds.
     */
    @Test
    void oneCancelAtARandomMomentEndsTheStatement() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int trials = 0;
        try (WireClient c = duck()) {
            handler.reset();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (trials < 40 && System.nanoTime() < deadline) {
                trials++;
                boolean stream = random.nextBoolean();
                int delayMillis = random.nextInt(150);
                String trial = "seed " + seed + ", trial " + trials + ": " + (stream ? "stream" : "aggregate")
                        + ", cancel " + delayMillis + " ms after the prepare began";
                c.send(query(stream ? DUCK_STREAM : DUCK_LONG_QUERY));
                assertTrue(handler.awaitPrepare(LIMIT), trial);
                Thread.sleep(delayMillis);
                c.cancel();
                BackendMessage first = c.next();
                if (first instanceof RowDescription) {
                    c.skipRows(ROWS_PER_READ, Duration.ZERO, LIMIT);
                } else {
                    c.pushBack(first);
                }
                ErrorResponse e = c.expectError("57014");
                assertEquals("canceling statement due to user request", e.field('M'), trial);
                c.expectReadyForQuery('I');
                handler.reset();
            }
            assertSelectOne(c);
        }
        System.out.printf("%d single cancels at random moments on DuckDB (seed %d) each ended their statement%n",
                trials, seed);
    }

    /**
     * A shutdown whose grace period ends while one client reads a stream slowly and another waits for a long
     * DuckDB query: each reads FATAL 57P01, as PostgreSQL's backends send on SIGTERM, after the rows already sent;
     * neither gets 57014 or a bare disconnect.
     */
    @Test
    void closeEndsAStreamAndARunningQueryWithFatal57P01() throws Exception {
        try (WireClient streaming = duck(); WireClient running = duck()) {
            streaming.send(query(DUCK_STREAM));
            streaming.expect(RowDescription.class);
            streaming.readRowsFor(Duration.ofMillis(500), ROWS_PER_READ, READ_PAUSE);
            handler.reset();
            running.send(query(DUCK_LONG_QUERY));
            assertTrue(handler.awaitExecution(LIMIT));
            CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
            streaming.skipRows(ROWS_PER_READ, READ_PAUSE, LIMIT);
            for (WireClient c : List.of(streaming, running)) {
                ErrorResponse e = c.expectError("57P01");
                assertEquals("FATAL", e.severity());
                assertEquals("terminating connection due to administrator command", e.field('M'));
                c.expectClosed();
            }
            closing.get(30, TimeUnit.SECONDS);
        }
    }

    private static void assertSelectOne(WireClient c) {
        c.send(query("SELECT 1 AS one"));
        c.expectRowDescription("one");
        c.expectDataRow("1");
        c.expectCommandComplete("SELECT 1");
        c.expectReadyForQuery('I');
    }
}
