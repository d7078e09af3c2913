package io.buenavista.core.clients;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a libpq client program (psql, pgbench) to completion with a clean environment and a timeout. */
final class ClientProcess {
    private static final long TIMEOUT_SECONDS = 120;

    /** What the program did. */
    record Result(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    private ClientProcess() {}

    static Result run(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        // Nothing from the developer's environment may redirect the client or supply secrets.
        env.keySet().removeIf(k -> k.startsWith("PG"));
        env.put("PGCONNECT_TIMEOUT", "10");
        env.put("PGAPPNAME", "buenavista-client-test");
        env.put("PGTZ", "UTC");
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        // Files rather than pipes: nothing has to drain them while the program runs.
        Path out = Files.createTempFile("client", ".out");
        Path err = Files.createTempFile("client", ".err");
        try {
            pb.redirectOutput(out.toFile());
            pb.redirectError(err.toFile());
            Process p = pb.start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor();
                throw new AssertionError(command.get(0) + " did not finish in " + TIMEOUT_SECONDS
                        + " s; stdout so far:\n" + Files.readString(out) + "\nstderr:\n" + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static List<String> command(String... parts) {
        return new ArrayList<>(List.of(parts));
    }
}
