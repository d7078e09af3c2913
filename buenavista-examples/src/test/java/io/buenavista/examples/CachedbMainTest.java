package io.buenavista.examples;

import io.buenavista.cachedb.CachedbServer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code buenavista.jar cachedb}'s command line: configured by the environment alone. */
class CachedbMainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Map<String, String> env, String... args) {
        return Main.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpListsEveryVariableWithItsDefault() {
        assertEquals(0, run(Map.of(), "cachedb", "--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        Map<String, String> defaults = new HashMap<>(Map.ofEntries(
                Map.entry("SERVICE_ROUTES", "required"), Map.entry("IDP__SCOPE", "required"),
                Map.entry("DATABASE_CREDENTIALS", "required"), Map.entry("CACHEDB__PORT", "41191"),
                Map.entry("CACHEDB__BIND", "0.0.0.0"), Map.entry("CACHEDB__POOL_SIZE", "10"),
                Map.entry("DUCKDB__DATA_FOLDER", "unset"), Map.entry("DUCKDB_EXTENSIONS_FOLDER", "unset"),
                Map.entry("IDP_SUBJECT_PROP", "sub"), Map.entry("IDP__ALP_DATA_CLIENT_ID", "unset"),
                Map.entry("TLS__INTERNAL__CA_CRT", "unset"), Map.entry("PYTHON_VERIFY_SSL", "true"),
                Map.entry("CACHEDB__JWT_ALGORITHMS", "ES384"), Map.entry("CACHEDB__JWT_ISSUER", "unset"),
                Map.entry("CACHEDB__JWT_CLOCK_SKEW_S", "0"), Map.entry("CACHEDB__JWKS_MIN_REFRESH_S", "30"),
                Map.entry("CACHEDB__AUTH_CACHE_TTL_S", "60"), Map.entry("CACHEDB__PASSWORD_METHOD", "password"),
                Map.entry("CACHEDB__ALLOW_PLAINTEXT_PASSWORD", "false"), Map.entry("CACHEDB__SESSION_EXPIRY", "keep"),
                Map.entry("CACHEDB__HTTP_CONNECT_TIMEOUT_S", "5"), Map.entry("CACHEDB__HTTP_TIMEOUT_S", "10"),
                Map.entry("CACHEDB__DUCKDB_MAX_INSTANCES", "8"), Map.entry("CACHEDB__DUCKDB_MEMORY_LIMIT", "auto"),
                Map.entry("CACHEDB__DUCKDB_THREADS", "cores"), Map.entry("CACHEDB__DUCKDB_TEMP_DIRECTORY", "tmpdir")));
        for (Map.Entry<String, String> v : defaults.entrySet()) {
            assertTrue(help.lines().anyMatch(l -> l.strip().startsWith(v.getKey() + " ")
                    && l.strip().substring(v.getKey().length()).strip().startsWith(v.getValue() + " ")),
                    v + " in " + help);
        }
        assertTrue(run(Map.of(), "--help") == 0 && out.toString(StandardCharsets.UTF_8).contains("cachedb"));
    }

    /**
     * The variables {@code --help} and the README's settings table list are exactly those the server reads: a
     * variable added to {@link CachedbServer.Config#fromEnvironment} without being documented fails here.
     */
    @Test
    void helpAndTheReadmeListExactlyTheVariablesTheServerReads() throws Exception {
        Set<String> read = new TreeSet<>();
        Map<String, String> env = new HashMap<>(validEnvironment()) {
            @Override
            public String get(Object key) {
                read.add((String) key);
                return super.get(key);
            }
        };
        CachedbServer.Config.fromEnvironment(env);
        assertEquals(0, run(Map.of(), "cachedb", "--help"));
        Set<String> listed = new TreeSet<>();
        Pattern variable = Pattern.compile("\\s+([A-Z][A-Z0-9_]+)\\s{2,}.*");
        for (String line : out.toString(StandardCharsets.UTF_8).lines().toList()) {
            Matcher m = variable.matcher(line);
            if (m.matches()) {
                listed.add(m.group(1));
            }
        }
        assertEquals(read, listed, "--help");
        // The README's cachedb settings table: | `NAME` | default | meaning |
        Set<String> documented = new TreeSet<>();
        Pattern row = Pattern.compile("\\| `([A-Z][A-Z0-9_]+)` \\|.*");
        for (String line : Files.readAllLines(Path.of("..", "README.md"))) {
            Matcher m = row.matcher(line);
            if (m.matches()) {
                documented.add(m.group(1));
            }
        }
        assertEquals(read, documented, "README");
    }

    @Test
    void tlsNeedsTheCertificateAndItsKeyTogether(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        io.buenavista.testing.TestCertificate cert = io.buenavista.testing.TestCertificate.selfSigned(dir, "EC");
        for (Map<String, String> tls : List.of(Map.of("CACHEDB__TLS_CERT", cert.certificate().toString()),
                Map.of("CACHEDB__TLS_KEY", cert.privateKey().toString()),
                Map.of("CACHEDB__TLS_CERT", cert.privateKey().toString(), "CACHEDB__TLS_KEY",
                        cert.privateKey().toString()))) {
            err.reset();
            Map<String, String> env = new HashMap<>(validEnvironment());
            env.putAll(tls);
            assertEquals(2, run(env, "cachedb"), tls.toString());
            List<String> lines = err().lines().toList();
            assertEquals(1, lines.size(), lines.toString());
            assertFalse(lines.get(0).contains(dir.toString()), lines.get(0));
        }
        assertTrue(err().startsWith("buenavista: CACHEDB__TLS_CERT: holds no PEM certificate"), err());
        Map<String, String> env = new HashMap<>(validEnvironment());
        env.put("CACHEDB__TLS_CERT", cert.certificate().toString());
        env.put("CACHEDB__TLS_KEY", cert.privateKey().toString());
        assertTrue(CachedbServer.Config.fromEnvironment(env).tls().isPresent());
    }

    @Test
    void badDuckDbLimitsExitWith2AndOneLineNamingTheVariable() {
        for (String[] bad : new String[][] {{"CACHEDB__DUCKDB_MEMORY_LIMIT", "12345678"},
                {"CACHEDB__DUCKDB_THREADS", "-1"}, {"CACHEDB__DUCKDB_MAX_INSTANCES", "none"},
                {"CACHEDB__DUCKDB_TEMP_DIRECTORY", "/no/such/folder"}}) {
            err.reset();
            Map<String, String> env = new HashMap<>(validEnvironment());
            env.put(bad[0], bad[1]);
            assertEquals(2, run(env, "cachedb"), bad[0]);
            List<String> lines = err().lines().toList();
            assertEquals(1, lines.size(), lines.toString());
            assertTrue(lines.get(0).startsWith("buenavista: " + bad[0] + ": "), lines.get(0));
            assertFalse(lines.get(0).contains(bad[1]), lines.get(0));
        }
    }

    /** The required variables, valid, with a postgresql database. */
    private static Map<String, String> validEnvironment() {
        return Map.of(
                "SERVICE_ROUTES", "{\"idIssuerUrl\": \"http://127.0.0.1:1\", \"usermgmt\": \"http://127.0.0.1:2\","
                        + " \"portalServer\": \"http://127.0.0.1:3\"}",
                "IDP__SCOPE", "scope",
                "DATABASE_CREDENTIALS", "[{\"tags\": [\"analytics\"], \"values\": {\"code\": \"c\", \"dialect\":"
                        + " \"postgresql\", \"host\": \"h\", \"port\": 5432, \"databaseName\": \"d\","
                        + " \"credentials\": {\"user\": \"u\", \"password\": \"very-secret\"}}}]");
    }

    @Test
    void argumentsAreUsageErrors() {
        assertEquals(2, run(Map.of(), "cachedb", "--port", "5"));
        assertTrue(err().contains("configured by environment variables"), err());
        assertTrue(err().contains("Usage:"));
    }

    @Test
    void aMissingOrBadVariableExitsWith2AndOneLineNamingIt() {
        assertEquals(2, run(Map.of(), "cachedb"));
        assertEquals(List.of("buenavista: SERVICE_ROUTES: is required but not set"), err().lines().toList());

        err.reset();
        Map<String, String> env = new HashMap<>(Map.of(
                "SERVICE_ROUTES", "{\"idIssuerUrl\": \"http://127.0.0.1:1\", \"usermgmt\": \"http://127.0.0.1:2\","
                        + " \"portalServer\": \"http://127.0.0.1:3\"}",
                "IDP__SCOPE", "scope",
                "DATABASE_CREDENTIALS", "[{\"tags\": [\"analytics\"], \"values\": {\"code\": \"c\", \"dialect\":"
                        + " \"postgresql\", \"host\": \"h\", \"port\": 5432, \"databaseName\": \"d\","
                        + " \"credentials\": {\"user\": \"u\", \"password\": \"very-secret\"}}}]",
                "CACHEDB__POOL_SIZE", "many"));
        assertEquals(2, run(env, "cachedb"));
        assertEquals(List.of("buenavista: CACHEDB__POOL_SIZE: must be a whole number from 1 to 10000"),
                err().lines().toList());

        err.reset();
        env.remove("CACHEDB__POOL_SIZE");
        env.put("DATABASE_CREDENTIALS", env.get("DATABASE_CREDENTIALS").replace("\"port\": 5432,", ""));
        assertEquals(2, run(env, "cachedb"));
        List<String> lines = err().lines().toList();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("buenavista: DATABASE_CREDENTIALS: ") && lines.get(0).contains("port"),
                lines.get(0));
        assertFalse(lines.get(0).contains("very-secret"));
    }
}
