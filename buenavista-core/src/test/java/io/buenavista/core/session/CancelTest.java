package io.buenavista.core.session;

import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.BackendMessage.RowDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.buenavista.testing.Frontend.bind;
import static io.buenavista.testing.Frontend.execute;
import static io.buenavista.testing.Frontend.parse;
import static io.buenavista.testing.Frontend.query;
import static io.buenavista.testing.Frontend.sync;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One CancelRequest ends the statement in whatever phase it is, as in PostgreSQL, for any handler: the statements
 * here ({@code stream …} of the test handler) ignore cancels in their prepare, execute and cursor, so only the
 * core can stop them. A client sends one cancel and never repeats it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CancelTest extends WireScript {
    /** Rows no test would read to the end. */
    private static final long ENDLESS = 1_000_000_000_000L;
    private static final Duration LIMIT = Duration.ofSeconds(15);

    @Test
    void oneCancelEndsAStreamToASlowReader() {
        client.send(query("stream " + ENDLESS));
        client.expect(RowDescription.class);
        // Slowly enough that the server fills the socket buffers and waits in its writes.
        long before = client.readRowsFor(Duration.ofMillis(500), 2_000, Duration.ofMillis(10));
        client.cancel();
        long after = client.skipRows(2_000, Duration.ofMillis(1), LIMIT);
        ErrorResponse e = expectError("57014");
        assertEquals("canceling statement due to user request", e.field('M'));
        client.expectReadyForQuery('I');
        System.out.printf("cancel of a stream to a slow reader: %d rows before, %d after (socket buffers)%n",
                before, after);
        assertStillServes();
    }

    @Test
    void oneCancelEndsAnExecuteStreamingInsideATransactionBlock() {
        client.simpleQuery("BEGIN");
        client.send(parse("", "stream " + ENDLESS), bind("", ""), execute("", 0), sync());
        client.expect(io.buenavista.testing.BackendMessage.ParseComplete.class);
        client.expect(io.buenavista.testing.BackendMessage.BindComplete.class);
        client.readRowsFor(Duration.ofMillis(300), 2_000, Duration.ofMillis(10));
        client.cancel();
        client.skipRows(2_000, Duration.ZERO, LIMIT);
        expectError("57014");
        client.expectReadyForQuery('E');
        client.simpleQuery("ROLLBACK");
        assertStillServes();
        assertEquals(0, handler.openCursors(), "the cancelled portal's cursor is closed");
    }

    /**
     * A single cancel at a random moment after the statement began: in its prepare, its execution, its first rows or
     * while it streams. The client reads nothing until it has sent the cancel, so the server may also be waiting in
     * a write by then. The statement never ends by itself, so each trial shows that the one cancel ended it.
     */
    @Test
    void oneCancelAtARandomMomentEndsTheStatementWhateverItIsDoing() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
        int trials = 0;
        while (trials < 60 && System.nanoTime() < deadline) {
            trials++;
            int prepareMillis = random.nextInt(4) * 10;
            int executeMillis = random.nextInt(4) * 10;
            int delayMillis = random.nextInt(prepareMillis + executeMillis + 40);
            String trial = "seed " + seed + ", trial " + trials + ": prepare " + prepareMillis + " ms, execute "
                    + executeMillis + " ms, cancel after " + delayMillis + " ms";
            client.send(query("stream " + ENDLESS + " " + prepareMillis + " " + executeMillis));
            assertTrue(handler.awaitStreamStarted(LIMIT), trial);
            Thread.sleep(delayMillis);
            client.cancel();
            var first = client.next();
            if (first instanceof RowDescription) {
                client.skipRows(1_000, Duration.ZERO, LIMIT);
            } else {
                client.pushBack(first);
            }
            ErrorResponse e = client.expectError("57014");
            assertEquals("canceling statement due to user request", e.field('M'), trial);
            client.expectReadyForQuery('I');
        }
        System.out.printf("%d single cancels at random moments (seed %d) each ended their statement%n", trials, seed);
        assertStillServes();
        assertEquals(0, handler.openCursors());
    }

    @Test
    void aCancelWhileIdleIsIgnored() throws Exception {
        client.cancel();
        assertStillServes();
    }

    private void assertStillServes() {
        client.send(query("rows 2"));
        client.expectRowDescription("n");
        client.expectDataRow("1");
        client.expectDataRow("2");
        client.expectCommandComplete("SELECT 2");
        client.expectReadyForQuery('I');
    }
}
