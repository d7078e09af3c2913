package io.buenavista.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds the PostgreSQL client programs the tests run as real clients (psql, pgbench): on the PATH, else in
 * PostgreSQL's own bin folders. CI installs them, so a missing program fails the test that needs it instead of
 * silently skipping it.
 */
public final class ClientPrograms {
    private ClientPrograms() {}

    /** The program's path; an {@link AssertionError} that says how to install it when there is none. */
    public static String path(String program) {
        return find(program).map(Path::toString).orElseThrow(() -> new AssertionError(program
                + " is not installed (on the PATH or in /usr/lib/postgresql/*/bin): install postgresql-client,"
                + " as .ci/run does"));
    }

    /** The program's path, if it is installed. */
    public static Optional<Path> find(String program) {
        String pathVariable = System.getenv().getOrDefault("PATH", "");
        for (String dir : pathVariable.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return Optional.of(Path.of(dir, program));
            }
        }
        Path pgRoot = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(pgRoot)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(pgRoot)) {
            return versions.map(v -> v.resolve("bin").resolve(program)).filter(Files::isExecutable)
                    .max(Comparator.comparing(Path::toString));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
