package io.buenavista.core.server;

import io.buenavista.testing.ClientPrograms;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs psql with a connection string and extra environment (PGPASSWORD…), nothing inherited from the developer's. */
final class PsqlRunner {
    record Result(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    private PsqlRunner() {}

    /** {@code psql -X -w -q -A -t -d CONNINFO ARGS…}: never prompts; unaligned tuples only. */
    static Result run(String conninfo, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ClientPrograms.path("psql"), "-X", "-w", "-q", "-A", "-t", "-d", conninfo));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        pb.environment().put("PGCONNECT_TIMEOUT", "10");
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Path out = Files.createTempFile("psql", ".out");
        Path err = Files.createTempFile("psql", ".err");
        try {
            pb.redirectOutput(out.toFile());
            pb.redirectError(err.toFile());
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor();
                throw new AssertionError("psql did not finish; stderr:\n" + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
