package io.buenavista.core.clients;

import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.ClientPrograms;
import io.buenavista.testing.TestHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** psql (libpq, simple query protocol) against a real server. */
class PsqlTest {
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

    /** psql with no psqlrc, quiet unaligned tuples-only output, never prompting for a password, and the extra args. */
    private static ClientProcess.Result psql(String... args) throws Exception {
        List<String> cmd = ClientProcess.command(ClientPrograms.path("psql"), "-h", "127.0.0.1", "-p",
                String.valueOf(server.port()), "-U", "tester", "-d", "test", "-X", "-w", "-q", "-A", "-t");
        cmd.addAll(List.of(args));
        return ClientProcess.run(cmd);
    }

    @Test
    void rowsArePrinted() throws Exception {
        ClientProcess.Result r = psql("-c", "rows 3");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("1\n2\n3\n", r.stdout(), r.toString());
        assertEquals("", r.stderr(), r.toString());
    }

    @Test
    void typesArePrintedAsPostgresPrintsThem() throws Exception {
        ClientProcess.Result r = psql("-F", "\t", "-c", "types");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(String.join("\t", TestHandler.TYPE_TEXTS) + "\n", r.stdout(), r.toString());
    }

    @Test
    void literalsAndNulls() throws Exception {
        ClientProcess.Result r = psql("-P", "null=<null>", "-c", "echo 'it''s', 42, NULL, '2024-02-29'::date");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("it's|42|<null>|2024-02-29\n", r.stdout(), r.toString());
    }

    @Test
    void severalStatementsInOneCommandShowEveryResult() throws Exception {
        // psql 15 sends them as one Query message and prints the result of each.
        ClientProcess.Result r = psql("-c", "rows 2; insert a; rows 1; insert b");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("1\n2\n1\n", r.stdout(), r.toString());
        assertEquals(List.of("a", "b"), testHandler.log());
    }

    @Test
    void severalCommands() throws Exception {
        ClientProcess.Result r = psql("-c", "rows 1", "-c", "rows 2");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("1\n1\n2\n", r.stdout(), r.toString());
    }

    @Test
    void errorExitsWithOneAndShowsTheSqlState() throws Exception {
        ClientProcess.Result r = psql("-v", "VERBOSITY=verbose", "-c", "fail 23505 dup");
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("ERROR:  23505: dup"), r.toString());
    }

    @Test
    void anErrorEndsTheRestOfAMultiStatementQuery() throws Exception {
        ClientProcess.Result r = psql("-c", "insert a; fail 42P01 missing; insert b");
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("ERROR:  missing"), r.toString());
        // One Query is one implicit transaction: the error rolls back the insert before it.
        assertEquals(List.of(), testHandler.log());
    }

    @Test
    void scriptWithOnErrorStopStopsAtTheError(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("script.sql");
        Files.writeString(script, "insert one;\ninsert two;\nrows 2;\nfail 42P01 no such thing;\ninsert three;\n");
        ClientProcess.Result r = psql("-v", "ON_ERROR_STOP=1", "-f", script.toString());
        assertEquals(3, r.exitCode(), r.toString()); // psql: 3 = an error in a script with ON_ERROR_STOP
        assertEquals("1\n2\n", r.stdout(), r.toString());
        assertTrue(r.stderr().contains("ERROR:  no such thing"), r.toString());
        assertEquals(List.of("one", "two"), testHandler.log());
    }

    @Test
    void scriptAsOneTransactionRollsBackOnError(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("script.sql");
        Files.writeString(script, "insert one;\nfail 42P01 no such thing;\ninsert two;\n");
        ClientProcess.Result r = psql("-1", "-v", "ON_ERROR_STOP=1", "-f", script.toString());
        assertEquals(3, r.exitCode(), r.toString());
        assertEquals(List.of(), testHandler.log());
        assertEquals(List.of("BEGIN", "ROLLBACK"), testHandler.transactions());

        testHandler.clear();
        Files.writeString(script, "insert one;\nrows 1;\ninsert two;\n");
        r = psql("-1", "-v", "ON_ERROR_STOP=1", "-f", script.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(List.of("one", "two"), testHandler.log());
        assertEquals(List.of("BEGIN", "COMMIT"), testHandler.transactions());
    }

    @Test
    void fetchCountLeavesStatementsOtherThanSelectAlone() throws Exception {
        // psql wraps only SELECT/VALUES/TABLE/WITH in a cursor for FETCH_COUNT; other statements run as usual.
        ClientProcess.Result r = psql("-v", "FETCH_COUNT=2", "-c", "rows 5");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("1\n2\n3\n4\n5\n", r.stdout(), r.toString());
    }
}
