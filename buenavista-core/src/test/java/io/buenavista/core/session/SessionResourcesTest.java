package io.buenavista.core.session;

import io.buenavista.testing.BackendMessage.BindComplete;
import io.buenavista.testing.BackendMessage.ParseComplete;
import io.buenavista.testing.BackendMessage.PortalSuspended;
import io.buenavista.testing.WireClient;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.IntSupplier;

import static io.buenavista.testing.Frontend.bind;
import static io.buenavista.testing.Frontend.execute;
import static io.buenavista.testing.Frontend.parse;
import static io.buenavista.testing.Frontend.query;
import static io.buenavista.testing.Frontend.sync;
import static io.buenavista.testing.Frontend.terminate;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Terminate or a disconnect at any moment releases everything the session held. */
class SessionResourcesTest extends WireScript {

    /** Opens a block holding a named statement and a suspended portal (an open cursor) on the client. */
    private void holdStatementAndCursor() {
        client.send(query("begin; insert a"));
        client.expectCommandComplete("BEGIN");
        client.expectCommandComplete("INSERT 0 1");
        client.expectReadyForQuery('T');
        client.send(parse("s", "rows 5"), bind("p", "s"), execute("p", 1), sync());
        client.expect(ParseComplete.class, BindComplete.class);
        client.expectDataRow("1");
        client.expect(PortalSuspended.class);
        client.expectReadyForQuery('T');
        assertEquals(1, handler.openSessions());
        assertEquals(1, handler.openStatements());
        assertEquals(1, handler.openCursors());
    }

    /** The session is closed on the server's thread after the client left: wait for it, boundedly. */
    private static void awaitZero(String what, IntSupplier count) throws InterruptedException {
        for (int i = 0; i < 500 && count.getAsInt() != 0; i++) {
            Thread.sleep(10);
        }
        assertEquals(0, count.getAsInt(), what);
    }

    private void assertAllReleased() throws InterruptedException {
        awaitZero("open sessions", handler::openSessions);
        assertEquals(0, handler.openStatements(), "open statements");
        assertEquals(0, handler.openCursors(), "open cursors");
        assertEquals(List.of(), handler.log());
        assertEquals(List.of("BEGIN", "ROLLBACK"), handler.transactions());
    }

    @Test
    void terminateReleasesStatementsCursorsAndTheTransaction() throws InterruptedException {
        holdStatementAndCursor();
        client.send(terminate());
        client.expectClosed();
        assertAllReleased();
    }

    @Test
    void aDisconnectReleasesEverything() throws InterruptedException {
        holdStatementAndCursor();
        client.close();
        assertAllReleased();
    }

    @Test
    void aDisconnectInTheMiddleOfABatchReleasesEverything() throws InterruptedException {
        holdStatementAndCursor();
        client.send(parse("t", "rows 3"), bind("q", "t"), execute("q", 1));
        client.close();
        assertAllReleased();
    }

    @Test
    void manyShortSessionsLeaveNothingOpen() throws InterruptedException {
        for (int i = 0; i < 20; i++) {
            try (WireClient c = connect()) {
                c.send(parse("", "rows 3"), bind("", ""), execute("", 1), sync());
                c.readUntilReady();
            }
        }
        client.send(terminate());
        awaitZero("open sessions", handler::openSessions);
        assertEquals(0, handler.openStatements());
        assertEquals(0, handler.openCursors());
    }
}
