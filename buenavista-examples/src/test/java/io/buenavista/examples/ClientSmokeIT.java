package io.buenavista.examples;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Real client libraries (psycopg 3, psycopg2, SQLAlchemy, asyncpg, node-postgres) run their smoke scripts from
 * {@code src/test/clients} against the {@code duckdb} subcommand; {@code .ci/run} installs them.
 * Each script prints {@code ok: <step>} per passed step and exits non-zero on the first failure.
 */
class ClientSmokeIT {
    private static final Path CLIENTS = Path.of("src", "test", "clients");
    /** Debian's interpreter, which sees the python3-* packages (a pyenv python3 on PATH does not). */
    private static final String PYTHON = System.getProperty("buenavista.python", "/usr/bin/python3");
    /** The original cachedb's test database; CI places a copy of shared/ beside the clone. */
    private static final Path FIXTURE = Path.of("").toAbsolutePath().getParent()
            .resolveSibling("shared").resolve(Path.of("fixtures", "d2e-cachedb", "testdbcode_testschema"));

    private static final List<String> COMMON_STEPS = List.of("connect", "parameters", "error", "recovery after error",
            "transaction", "prepared statement executed 3 times", "set search_path");

    private static JarProcess server;
    /**
     * Serves an in-memory database with the fixture attached read-only as {@code testschema} (ATTACH from client SQL
     * is refused: no external access), as cachedb's duckdb route does.
     */
    private static JarProcess fixtureServer;

    @BeforeAll
    static void startServers() throws Exception {
        server = JarProcess.start(List.of(), "duckdb", "--port", "0");
        if (Files.isRegularFile(FIXTURE)) {
            fixtureServer = JarProcess.start(List.of(), "duckdb", "--port", "0", "--attach", "testschema=" + FIXTURE);
        } else {
            System.out.println("cachedb fixture not found, skipping that part of every client: " + FIXTURE);
        }
    }

    @AfterAll
    static void stopServers() {
        for (JarProcess p : new JarProcess[] {server, fixtureServer}) {
            if (p != null) {
                p.close();
            }
        }
    }

    @Test
    void psycopg3(@TempDir Path dir) throws Exception {
        assertSteps(run(dir, PYTHON, "python/psycopg_smoke.py"),
                "typed results", "binary results", "1 M rows", "untyped parameters",
                "untyped parameter refused as PostgreSQL does");
    }

    @Test
    void psycopg2(@TempDir Path dir) throws Exception {
        // The named (server-side) cursor: DECLARE "c" CURSOR WITHOUT HOLD FOR …, FETCH FORWARD 10000 FROM "c".
        Result result = run(dir, PYTHON, "python/psycopg2_smoke.py");
        // The measured fetch time, shown in the build log.
        result.output().lines().filter(l -> l.startsWith("ok: named cursor 1 M rows in "))
                .forEach(l -> System.out.println("psycopg2 " + l.substring(4)));
        List<String> timed = result.okSteps().stream().filter(s -> s.startsWith("named cursor 1 M rows in ")).toList();
        assertEquals(1, timed.size(), result.output());
        assertSteps(new Result(result.exitCode(), result.okSteps().stream().filter(s -> !timed.contains(s)).toList(),
                result.output()), "1 M rows", "named cursor over 1 M rows");
    }

    @Test
    void sqlAlchemy(@TempDir Path dir) throws Exception {
        // Its own steps: the dialect's connect-time catalog queries must succeed before anything else.
        Result result = run(dir, PYTHON, "python/sqlalchemy_smoke.py");
        assertEquals(0, result.exitCode(), result.output());
        List<String> expected = new ArrayList<>(List.of("connect", "parameters", "identity functions",
                "insert and select round trip", "reflection", "primary key reflection", "table autoload"));
        if (fixtureServer != null) {
            expected.add("cachedb fixture");
        }
        assertEquals(expected, result.okSteps(), result.output());
    }

    @Test
    void asyncpg(@TempDir Path dir) throws Exception {
        assertSteps(run(dir, PYTHON, "python/asyncpg_smoke.py"),
                "binary results", "binary parameters of every type", "1 M rows through a portal, 10000 at a time");
    }

    @Test
    void nodePostgres(@TempDir Path dir) throws Exception {
        Path nodeModules = CLIENTS.resolve(Path.of("node", "node_modules", "pg"));
        if (!Files.isDirectory(nodeModules)) {
            throw new IllegalStateException("run `npm ci` in " + CLIENTS.resolve("node") + " first (.ci/run does)");
        }
        assertSteps(run(dir, "node", "node/smoke.js"), "recovery after error in a transaction", "1 M rows",
                "untyped parameters", "untyped parameter refused as PostgreSQL does");
    }

    private record Result(int exitCode, List<String> okSteps, String output) {}

    private static Result run(Path dir, String interpreter, String script) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(interpreter, CLIENTS.resolve(script).toString(),
                Integer.toString(server.port)));
        if (fixtureServer != null) {
            command.add(Integer.toString(fixtureServer.port));
        }
        Path out = dir.resolve("output.txt");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + command + "\n" + Files.readString(out));
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        List<String> ok = output.lines().filter(l -> l.startsWith("ok: ")).map(l -> l.substring(4)).toList();
        return new Result(p.exitValue(), ok, output);
    }

    /** The common steps, then the client's own, then the fixture step when the fixture is present. */
    private static void assertSteps(Result result, String... clientSteps) {
        assertEquals(0, result.exitCode(), result.output());
        List<String> expected = new ArrayList<>(COMMON_STEPS);
        expected.addAll(List.of(clientSteps));
        if (fixtureServer != null) {
            expected.add("cachedb fixture");
        }
        assertEquals(expected.stream().sorted().toList(), result.okSteps().stream().sorted().toList(),
                result.output());
    }
}
