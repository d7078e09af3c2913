package io.buenavista.core.duckdb;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.buenavista.testing.ClientPrograms;

/** psql as the catalog tests run it: {@code -X -w -q -A}, as user postgres to database test, nothing inherited. */
final class Psql {
    private Psql() {}

    record Output(int exitCode, String stdout, String stderr) {}

    static Output psql(int port, String searchPath, String... commands) throws Exception {
        return psql(true, port, searchPath, commands);
    }

    /** psql, unaligned, tuples only unless {@code tuplesOnly} is false (then footers such as indexes show). */
    static Output psql(boolean tuplesOnly, int port, String searchPath, String... commands)
            throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ClientPrograms.path("psql"), "-h", "127.0.0.1", "-p", Integer.toString(port),
                "-U", "postgres", "-d", "test", "-X", "-w", "-q", "-A"));
        if (tuplesOnly) {
            cmd.add("-t");
        }
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("PG"));
        env.put("PGCONNECT_TIMEOUT", "10");
        if (searchPath != null) {
            env.put("PGOPTIONS", "-c search_path=" + searchPath);
        }
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Path out = Files.createTempFile("psql", ".out");
        Path err = Files.createTempFile("psql", ".err");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("psql did not finish");
            }
            return new Output(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.delete(out);
            Files.delete(err);
        }
    }
}
