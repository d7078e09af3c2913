package io.buenavista.core.session;

import io.buenavista.api.QueryHandler;
import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.BackendMessage;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.TestHandler;
import io.buenavista.testing.WireClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The stage for the session's wire-protocol script tests: a real server on an ephemeral port serving a fresh
 * {@link TestHandler}, and one logged-in raw client.
 */
abstract class WireScript {
    protected TestHandler handler;
    protected BuenaVistaServer server;
    protected WireClient client;

    @BeforeEach
    void startServer() {
        handler = new TestHandler();
        server = configure(BuenaVistaServer.builder().port(0).discoverProviders(false).handler(handler())).build()
                .start();
        client = connect();
    }

    @AfterEach
    void stopServer() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** The handler the server serves; the {@link TestHandler} unless a test class needs another. */
    protected QueryHandler handler() {
        return handler;
    }

    /** Lets a test class adjust the server, e.g. its session limits. */
    protected BuenaVistaServer.Builder configure(BuenaVistaServer.Builder builder) {
        return builder;
    }

    protected WireClient connect() {
        WireClient c = WireClient.connect("127.0.0.1", server.port());
        c.login("tester", "test");
        return c;
    }

    /** The next message must be an ErrorResponse with this SQLSTATE and all of S, V, C and M. */
    protected ErrorResponse expectError(String sqlState) {
        ErrorResponse e = client.expectError(sqlState);
        for (char field : new char[] {'S', 'V', 'C', 'M'}) {
            assertNotNull(e.field(field), "field " + field + " missing in " + e);
        }
        assertEquals("ERROR", e.field('V'));
        return e;
    }

    /** The types of the messages up to and including the next ReadyForQuery. */
    protected List<Class<?>> typesUntilReady() {
        List<Class<?>> types = new ArrayList<>();
        for (BackendMessage m : client.readUntilReady()) {
            types.add(m.getClass());
        }
        return types;
    }
}
