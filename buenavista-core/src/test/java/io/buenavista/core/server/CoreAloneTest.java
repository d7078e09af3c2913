package io.buenavista.core.server;

import io.buenavista.api.QueryHandler;
import io.buenavista.testing.TestHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The core alone (API, slf4j and the test fixtures, no DuckDB), with discovery on, starts and serves: the bundled
 * DuckDB handler is skipped with one WARN naming its artifact. Runs in a child JVM so that the class path really
 * lacks DuckDB. Also checks, at DEBUG level, that no password reaches the log.
 */
class CoreAloneTest {
    private static final String PASSWORD = "pw-7f3a9c-never-logged";

    @TempDir
    Path dir;

    private static Path location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    @Test
    void coreAloneWithDiscoveryOnStartsAndWarnsOnceAboutTheMissingDuckDbArtifact() throws Exception {
        Path coreClasses = location(BuenaVistaServer.class);
        List<Path> classPath = new ArrayList<>(List.of(coreClasses, location(QueryHandler.class),
                location(org.slf4j.LoggerFactory.class), location(org.slf4j.simple.SimpleLogger.class),
                location(TestHandler.class), location(CoreAloneMain.class)));
        // The bundled DuckDB handler is registered for discovery, and discovering it without DuckDB is the point.
        String services = Files.readString(coreClasses.resolve("META-INF/services/" + QueryHandler.class.getName()));
        assertTrue(services.contains("io.buenavista.core.duckdb.DuckDbHandler"), services);
        Path output = dir.resolve("child.log");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=debug",
                "-cp", String.join(File.pathSeparator, classPath.stream().map(Path::toString).toList()),
                CoreAloneMain.class.getName(), PASSWORD)
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM did not finish");
        String log = Files.readString(output, StandardCharsets.UTF_8);
        assertEquals(0, child.exitValue(), log);
        assertTrue(log.contains("NO_DUCKDB"), log);
        assertTrue(log.contains("SERVED"), log);
        List<String> warnings = log.lines().filter(l -> l.contains(" WARN ")).toList();
        assertEquals(1, warnings.size(), log);
        assertTrue(warnings.get(0).contains("org.duckdb:duckdb_jdbc"), log);
        assertTrue(log.contains(" DEBUG "), "the child logged at DEBUG level");
        assertFalse(log.contains(PASSWORD), "a password was logged:\n" + log);
    }
}
