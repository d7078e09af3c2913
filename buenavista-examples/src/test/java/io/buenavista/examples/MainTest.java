package io.buenavista.examples;

import io.buenavista.testing.TestCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line is a public contract: usage errors exit with 2, {@code --help} with 0. */
class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void noCommandIsAUsageError() {
        assertEquals(2, run());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("Usage:"));
    }

    @Test
    void unknownCommandIsAUsageError() {
        assertEquals(2, run("mysql"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown command 'mysql'"));
    }

    @Test
    void helpListsTheCommands() {
        assertEquals(0, run("--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("duckdb [FILE]"));
    }

    @Test
    void duckdbHelp() {
        assertEquals(0, run("duckdb", "--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        assertTrue(help.contains("--read-only"), help);
        assertTrue(help.contains("--port P"), help);
        assertTrue(help.contains("--allow-global-changes"), help);
    }

    @Test
    void duckdbOptionErrorsAreUsageErrors() {
        assertEquals(2, run("duckdb", "--port"));
        assertEquals(2, run("duckdb", "--port", "abc"));
        assertEquals(2, run("duckdb", "--port", "70000"));
        assertEquals(2, run("duckdb", "--bogus"));
        assertEquals(2, run("duckdb", "a.db", "b.db"));
        assertEquals(2, run("duckdb", "--read-only"));
        assertEquals(2, run("duckdb", "--threads", "0"));
        assertEquals(2, run("duckdb", "--attach", "noequals"));
        assertEquals(2, run("duckdb", "--attach", "bad-name=x.db"));
    }

    @Test
    void tlsNeedsACertificateAndItsKeyTogetherAndReadableFiles(@TempDir Path dir) throws Exception {
        TestCertificate cert = TestCertificate.selfSigned(dir, "EC");
        for (List<String> command : List.of(List.of("duckdb"),
                List.of("proxy", "--backend", "postgresql://127.0.0.1:5432/test"))) {
            err.reset();
            assertEquals(2, run(with(command, "--tls-cert", cert.certificate().toString())));
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("--tls-cert and --tls-key are given together"));
            err.reset();
            assertEquals(2, run(with(command, "--tls-key", cert.privateKey().toString())));
            err.reset();
            // the key where the certificate belongs: the file is named, its content never shown
            assertEquals(2, run(with(command, "--tls-cert", cert.privateKey().toString(), "--tls-key",
                    cert.privateKey().toString())));
            String e = err.toString(StandardCharsets.UTF_8);
            assertTrue(e.contains(cert.privateKey() + ": holds no PEM certificate"), e);
            assertFalse(e.contains(Files.readAllLines(cert.privateKey()).get(1)), e);
        }
        err.reset();
        out.reset();
        assertEquals(0, run("duckdb", "--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("--tls-key FILE"));
    }

    private static String[] with(List<String> command, String... more) {
        List<String> all = new ArrayList<>(command);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void trustOnANetworkAddressNeedsConsent() {
        assertEquals(2, run("duckdb", "--host", "0.0.0.0"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--insecure-trust"));
    }

    private int run(java.util.Map<String, String> env, String... args) {
        return Main.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void proxyHelpAndUsageErrors() {
        assertEquals(0, run("proxy", "--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        assertTrue(help.contains("--backend URL") && help.contains("--pool-wait SECONDS")
                && help.contains("BV_BACKEND_PASSWORD") && help.contains("--min-idle N")
                && help.contains("--idle-timeout SECONDS") && help.contains("--relay-threads N") && help.contains("sslmode"),
                help);
        assertTrue(helpListsProxy());
        assertEquals(2, run("proxy"));
        assertEquals(2, run("proxy", "--backend"));
        assertEquals(2, run("proxy", "--backend", "mysql://h/db"));
        assertEquals(2, run("proxy", "--backend", "postgresql://h:5432/"));
        assertEquals(2, run("proxy", "--backend", "postgresql://u:secret@h/db"));
        assertEquals(2, run("proxy", "--backend", "postgresql://h/db?sslmode=allow"));
        assertEquals(2, run("proxy", "--backend", "postgresql://h/db?sslmode=verify-full&sslrootcert=/nonexistent.pem"));
        assertEquals(2, run("proxy", "--backend", "postgresql://h/db?sslmode=require&connect_timeout=3"));
        assertEquals(2, run("proxy", "--backend", "postgresql://h/db", "--pool-size", "0"));
        assertEquals(2, run("proxy", "--backend", "postgresql://h/db", "--pool-wait", "x"));
        assertEquals(2, run("proxy", "--backend", "postgresql://h/db", "--pool-size", "2", "--min-idle", "3"));
        assertEquals(2, run("proxy", "--backend", "postgresql://h/db", "--min-idle", "-1"));
        assertEquals(2, run("proxy", "--backend", "postgresql://h/db", "--idle-timeout", "0"));
        assertEquals(2, run("proxy", "--backend", "postgresql://h/db", "--idle-timeout"));
        assertEquals(2, run("proxy", "--backend", "postgresql://h/db", "--relay-threads", "0"));
        assertEquals(2, run("proxy", "--backend", "postgresql://h/db", "--port", "70000"));
        assertEquals(2, run("proxy", "--backend", "postgresql://h/db", "--backend-password", "secret"));
        assertEquals(2, run("proxy", "--backend", "postgresql://h/db", "--backend-password-file", "/nonexistent/pw"));
        assertEquals(2, run("proxy", "--backend", "postgresql://h/db", "--host", "0.0.0.0"));
        assertEquals(2, run("proxy", "--backend", "postgresql://h/db", "stray"));
        String errors = err.toString(StandardCharsets.UTF_8);
        assertTrue(errors.contains("never from the command line"), errors);
        assertTrue(!errors.contains("secret"), "a password must never be echoed: " + errors);
    }

    private boolean helpListsProxy() {
        out.reset();
        run("--help");
        return out.toString(StandardCharsets.UTF_8).contains("proxy ");
    }
}
