package io.buenavista.examples;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * psycopg2, psycopg 3, asyncpg and node-postgres run their proxy scripts from {@code src/test/clients} through
 * {@code buenavista.jar proxy} in front of the shared PostgreSQL (127.0.0.1:5432, trust): parameters, an error and
 * recovery, transactions, NOTICE, COPY, LISTEN/NOTIFY, and a reused backend that forgot the previous client; psycopg
 * 3 also its pipeline mode, binary results and a server-side cursor read beside another statement.
 * The pool has 2 backend connections (1 kept idle ahead of logins), so the scripts' third connection gets a reused
 * one. Each script prints
 * {@code ok: <step>} per passed step and exits non-zero on the first failure.
 */
class ProxyClientsIT {
    private static final Path CLIENTS = Path.of("src", "test", "clients");
    /** Debian's interpreter, which sees the python3-* packages (a pyenv python3 on PATH does not). */
    private static final String PYTHON = System.getProperty("buenavista.python", "/usr/bin/python3");
    private static final List<String> COMMON_STEPS = List.of("connect", "parameters", "error", "recovery after error",
            "transaction", "notice", "listen and notify", "a reused backend is reset");

    private static JarProcess proxy;

    @BeforeAll
    static void startProxy() throws Exception {
        proxy = JarProcess.start(List.of(), "proxy", "--backend", "postgresql://127.0.0.1:5432/test", "--pool-size", "2",
                "--pool-wait", "20", "--min-idle", "1", "--idle-timeout", "300", "--port", "0");
    }

    @AfterAll
    static void stopProxy() {
        if (proxy != null) {
            proxy.close();
        }
    }

    @Test
    void psycopg2(@TempDir Path dir) throws Exception {
        assertSteps(run(dir, PYTHON, "python/psycopg2_proxy.py"), "copy in and out");
    }

    @Test
    void psycopg(@TempDir Path dir) throws Exception {
        assertSteps(run(dir, PYTHON, "python/psycopg_proxy.py"), "pipeline", "prepared statement executed 3 times",
                "binary results", "server-side cursor beside another statement", "copy in and out");
    }

    @Test
    void asyncpg(@TempDir Path dir) throws Exception {
        assertSteps(run(dir, PYTHON, "python/asyncpg_proxy.py"), "prepared statement executed 3 times",
                "copy in and out", "cancel");
    }

    @Test
    void nodePostgres(@TempDir Path dir) throws Exception {
        if (!Files.isDirectory(CLIENTS.resolve(Path.of("node", "node_modules", "pg")))) {
            throw new IllegalStateException("run `npm ci` in " + CLIENTS.resolve("node") + " first (.ci/run does)");
        }
        assertSteps(run(dir, "node", "node/proxy.js"), "prepared statement executed 3 times");
    }

    private record Result(int exitCode, List<String> okSteps, String output) {}

    private static Result run(Path dir, String interpreter, String script) throws Exception {
        List<String> command = List.of(interpreter, CLIENTS.resolve(script).toString(), Integer.toString(proxy.port));
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

    private static void assertSteps(Result result, String... clientSteps) {
        assertEquals(0, result.exitCode(), result.output());
        List<String> expected = new ArrayList<>(COMMON_STEPS);
        expected.addAll(List.of(clientSteps));
        assertEquals(expected.stream().sorted().toList(), result.okSteps().stream().sorted().toList(),
                result.output());
    }
}
