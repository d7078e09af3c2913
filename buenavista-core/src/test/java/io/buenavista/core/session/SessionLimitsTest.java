package io.buenavista.core.session;

import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.BackendMessage.BindComplete;
import io.buenavista.testing.BackendMessage.CloseComplete;
import io.buenavista.testing.BackendMessage.ParseComplete;
import io.buenavista.testing.BackendMessage.PortalSuspended;
import io.buenavista.testing.BackendMessage.ReadyForQuery;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.buenavista.testing.Frontend.bind;
import static io.buenavista.testing.Frontend.closeStatement;
import static io.buenavista.testing.Frontend.describePortal;
import static io.buenavista.testing.Frontend.execute;
import static io.buenavista.testing.Frontend.parse;
import static io.buenavista.testing.Frontend.query;
import static io.buenavista.testing.Frontend.sync;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Per-session limits: past them Parse and Bind fail with 53400 and nothing is evicted. */
class SessionLimitsTest extends WireScript {

    @Override
    protected BuenaVistaServer.Builder configure(BuenaVistaServer.Builder builder) {
        return builder.sessionLimits(new SessionLimits(2, 2));
    }

    @Test
    void parsingMoreStatementsThanTheLimitFailsWith53400AndEvictsNothing() {
        client.send(parse("s1", "rows 1"), parse("s2", "rows 2"), sync());
        client.expect(ParseComplete.class, ParseComplete.class, ReadyForQuery.class);
        client.send(parse("s3", "rows 3"), sync());
        expectError("53400");
        client.expectReadyForQuery('I');

        client.send(bind("", "s1"), execute("", 0), bind("", "s2"), execute("", 0), sync());
        client.expect(BindComplete.class);
        client.expectDataRow("1");
        client.expectCommandComplete("SELECT 1");
        client.expect(BindComplete.class);
        client.expectDataRow("1");
        client.expectDataRow("2");
        client.expectCommandComplete("SELECT 2");
        client.expectReadyForQuery('I');

        // Closing one makes room again.
        client.send(closeStatement("s1"), parse("s3", "rows 3"), sync());
        client.expect(CloseComplete.class, ParseComplete.class, ReadyForQuery.class);
    }

    @Test
    void bindingMorePortalsThanTheLimitFailsWith53400AndEvictsNothing() {
        client.send(query("begin"));
        client.expectCommandComplete("BEGIN");
        client.expectReadyForQuery('T');
        client.send(parse("s", "rows 2"), bind("p1", "s"), bind("p2", "s"), execute("p1", 1), sync());
        client.expect(ParseComplete.class, BindComplete.class, BindComplete.class);
        client.expectDataRow("1");
        client.expect(PortalSuspended.class);
        client.expectReadyForQuery('T');

        client.send(bind("p3", "s"), sync());
        expectError("53400");
        client.expectReadyForQuery('E');
        // Neither was evicted: the failed block refuses to describe them, where it would answer 34000 for a portal
        // that does not exist. Their rows went with the failed block, as PostgreSQL releases them.
        for (String portal : List.of("p1", "p2")) {
            client.send(describePortal(portal), sync());
            expectError("25P02");
            client.expectReadyForQuery('E');
        }
        client.send(describePortal("p3"), sync());
        expectError("34000");
        client.expectReadyForQuery('E');
        assertEquals(0, handler.openCursors(), "the failed block's portals hold no rows");
        client.send(query("rollback"));
        client.expectCommandComplete("ROLLBACK");
        client.expectReadyForQuery('I');
    }

    @Test
    void aFailedBindAtTheLimitLeavesTheSessionUsable() {
        client.send(parse("s", "rows 2"), bind("p1", "s"), bind("p2", "s"), bind("p3", "s"), sync());
        client.expect(ParseComplete.class, BindComplete.class, BindComplete.class);
        expectError("53400");
        client.expectReadyForQuery('I');
        client.send(bind("p1", "s"), bind("p2", "s"), execute("p2", 0), execute("p1", 0), sync());
        client.expect(BindComplete.class, BindComplete.class);
        client.expectDataRow("1");
        client.expectDataRow("2");
        client.expectCommandComplete("SELECT 2");
        client.expectDataRow("1");
        client.expectDataRow("2");
        client.expectCommandComplete("SELECT 2");
        client.expectReadyForQuery('I');
    }
}
