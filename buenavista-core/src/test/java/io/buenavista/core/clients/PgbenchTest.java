package io.buenavista.core.clients;

import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.ClientPrograms;
import io.buenavista.testing.TestHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** pgbench with a custom script over each of its query modes against a real server. */
class PgbenchTest {
    private static final int CLIENTS = 2;
    private static final int TRANSACTIONS = 50;

    /**
     * A transaction block with a variable (substituted as a literal in simple mode, sent as a parameter in the
     * extended and prepared modes), a short result and an insert.
     */
    private static final String SCRIPT = """
            \\set aid random(1, 100000)
            BEGIN;
            echo :aid;
            rows 10;
            insert x;
            END;
            """;

    static TestHandler testHandler;
    static BuenaVistaServer server;

    @BeforeAll
    static void start() {
        testHandler = new TestHandler();
        server = ClientServers.start(new ClientsHandler(testHandler));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void clearLog() {
        testHandler.clear();
    }

    @ParameterizedTest(name = "-M {0}")
    @ValueSource(strings = {"simple", "extended", "prepared"})
    void customScriptRunsWithoutFailures(String mode, @TempDir Path dir) throws Exception {
        Path script = dir.resolve("script.sql");
        Files.writeString(script, SCRIPT);
        ClientProcess.Result r = ClientProcess.run(ClientProcess.command(ClientPrograms.path("pgbench"), "-n", "-h", "127.0.0.1",
                "-p", String.valueOf(server.port()), "-U", "tester", "-M", mode, "-f", script.toString(),
                "-t", String.valueOf(TRANSACTIONS), "-c", String.valueOf(CLIENTS), "test"));
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.stdout().contains("number of failed transactions: 0 "), r.toString());
        assertTrue(r.stdout().contains("number of transactions actually processed: " + CLIENTS * TRANSACTIONS + "/"
                + CLIENTS * TRANSACTIONS), r.toString());
        assertEquals(Collections.nCopies(CLIENTS * TRANSACTIONS, "x"), testHandler.log());
    }
}
