package io.buenavista.core.server;

import io.buenavista.api.Admission;
import io.buenavista.api.AuthExchange;
import io.buenavista.api.Authenticator;
import io.buenavista.api.Principal;
import io.buenavista.api.Route;
import io.buenavista.api.StartupRequest;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.Frontend;
import io.buenavista.testing.TestHandler;
import io.buenavista.testing.WireClient;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An admission with an expiry (a token's {@code exp}) ends its session with FATAL 28P01 "token expired" at the first
 * statement boundary after it, never in the middle of a result.
 */
class SessionExpiryTest {
    /** Long enough for a login and a first statement on a busy machine; the test then waits past it. */
    private static final Duration LIFETIME = Duration.ofSeconds(3);

    /** Trusts everyone; the admission lasts {@link #LIFETIME} from the login, which it records. */
    private static Authenticator expiring(AtomicReference<Instant> expiry) {
        return new Authenticator() {
            @Override
            public String name() {
                return "expiring";
            }

            @Override
            public AuthExchange exchange(StartupRequest request, Route route) {
                return new AuthExchange.Trust(Principal.of(request.user()));
            }

            @Override
            public Admission admit(Principal proven, StartupRequest request, Route route) {
                Instant at = Instant.now().plus(LIFETIME);
                expiry.set(at);
                return new Admission(proven, route, Optional.of(at));
            }
        };
    }

    private static void waitPast(Instant instant) throws InterruptedException {
        while (!Instant.now().isAfter(instant)) {
            Thread.sleep(Math.max(1, Duration.between(Instant.now(), instant).toMillis() + 1));
        }
    }

    @Test
    void pgjdbcReadsItsCursorToTheEndThenTheNextStatementEndsTheSession() throws Exception {
        AtomicReference<Instant> expiry = new AtomicReference<>();
        try (BuenaVistaServer server = TestServers.builder(new TestHandler()).authenticator(expiring(expiry))
                .build().start();
                Connection c = DriverManager.getConnection(TestServers.jdbcUrl(server, ""))) {
            c.setAutoCommit(false);
            Statement cursor = c.createStatement();
            cursor.setFetchSize(10);
            ResultSet rs = cursor.executeQuery("rows 1000");
            assertTrue(rs.next());
            assertTrue(Instant.now().isBefore(expiry.get()), "the first statement ran after the expiry; "
                    + "the machine is slower than LIFETIME allows");

            waitPast(expiry.get());
            // pgjdbc fetches the next 99 batches with Execute and Sync after ReadyForQuery: the result is not cut.
            long rows = 1;
            while (rs.next()) {
                rows++;
                assertEquals(rows, rs.getLong(1));
            }
            assertEquals(1000, rows);

            PSQLException e = assertThrows(PSQLException.class, () -> c.createStatement().executeQuery("rows 1"));
            assertEquals("28P01", e.getSQLState());
            assertEquals("FATAL", e.getServerErrorMessage().getSeverity());
            assertEquals("token expired", e.getServerErrorMessage().getMessage());
            assertThrows(SQLException.class, () -> c.createStatement().executeQuery("rows 1"));
        }
    }

    @Test
    void aSimpleQueryAfterTheExpiryIsRefusedAndTheConnectionClosed() throws Exception {
        AtomicReference<Instant> expiry = new AtomicReference<>();
        try (BuenaVistaServer server = TestServers.builder(new TestHandler()).authenticator(expiring(expiry))
                .build().start(); WireClient c = WireClient.connect("127.0.0.1", server.port())) {
            c.login("u", "db");
            c.simpleQuery("rows 2");
            waitPast(expiry.get());
            // Messages that start nothing are answered as usual at the boundary.
            c.send(Frontend.sync());
            c.expectReadyForQuery('I');
            c.send(Frontend.query("rows 1"));
            ErrorResponse e = c.expectError("28P01");
            assertEquals("FATAL", e.severity());
            assertEquals("token expired", e.message());
            c.expectClosed();
        }
    }

    @Test
    void anExtendedBatchStartedBeforeTheExpiryRunsToItsEnd() throws Exception {
        AtomicReference<Instant> expiry = new AtomicReference<>();
        try (BuenaVistaServer server = TestServers.builder(new TestHandler()).authenticator(expiring(expiry))
                .build().start(); WireClient c = WireClient.connect("127.0.0.1", server.port())) {
            c.login("u", "db");
            c.simpleQuery("begin"); // so that the portal outlives the Sync
            // Parse and Bind before the expiry, the portal suspended after 2 of 5 rows; ReadyForQuery follows.
            c.send(Frontend.parse("", "rows 5"), Frontend.bind("p", ""), Frontend.execute("p", 2), Frontend.sync());
            c.readUntilReady();
            waitPast(expiry.get());
            // Continuing the portal is not a new statement: its rows come.
            c.send(Frontend.execute("p", 0), Frontend.sync());
            c.expectDataRow("3");
            c.expectDataRow("4");
            c.expectDataRow("5");
            c.expectCommandComplete("SELECT 3");
            c.expectReadyForQuery('T');
            // A new statement is: the Parse is refused at once.
            c.send(Frontend.parse("", "rows 1"), Frontend.bind("", ""), Frontend.execute("", 0), Frontend.sync());
            assertEquals("token expired", c.expectError("28P01").message());
            c.expectClosed();
        }
    }

    @Test
    void withoutAnExpiryASessionIsNeverEnded() throws Exception {
        Authenticator plain = new Authenticator() {
            @Override
            public String name() {
                return "plain";
            }

            @Override
            public AuthExchange exchange(StartupRequest request, Route route) {
                return new AuthExchange.Trust(Principal.of(request.user()));
            }
        };
        try (BuenaVistaServer server = TestServers.builder(new TestHandler()).authenticator(plain).build().start();
                WireClient c = WireClient.connect("127.0.0.1", server.port())) {
            c.login("u", "db");
            assertEquals(Optional.empty(), new Admission(Principal.of("u"), Route.of("test", "db")).expiresAt());
            c.simpleQuery("rows 1");
        }
    }
}
