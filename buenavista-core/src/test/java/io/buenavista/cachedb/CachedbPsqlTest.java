package io.buenavista.cachedb;

import io.buenavista.testing.ClientPrograms;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * libpq's side of cachedb logins, with psql: a token as the user name (no password prompt, as the original's
 * clients), a token in {@code PGPASSWORD}, and refusals whose text psql prints without the token.
 */
class CachedbPsqlTest {
    private static final UUID DATASET = UUID.fromString("11111111-2222-3333-4444-555555555555");
    private static final String A_READ = "A|duckdb|" + DATASET;

    private final CachedbWorld world = new CachedbWorld();

    private record Result(int exitCode, String stdout, String stderr) {}

    @BeforeEach
    void start() {
        world.start();
        world.usermgmt.researcher("researcher-1", DATASET);
        world.portal.dataset(DATASET, "alpdev_pg", "cdmdefault", "cdmvocab");
    }

    @AfterEach
    void stop() {
        world.close();
    }

    private Result psql(String user, String password, String database, String sql) throws Exception {
        String conninfo = "host=127.0.0.1 port=" + world.port() + " sslmode=disable user='" + user + "' dbname='"
                + database + "'";
        List<String> command = new ArrayList<>(List.of(ClientPrograms.path("psql"), "-X", "-w", "-q", "-A", "-t",
                "-d", conninfo, "-c", sql));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        pb.environment().put("PGCONNECT_TIMEOUT", "10");
        if (password != null) {
            pb.environment().putAll(Map.of("PGPASSWORD", password));
        }
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Path out = Files.createTempFile("psql", ".out");
        Path err = Files.createTempFile("psql", ".err");
        try {
            pb.redirectOutput(out.toFile());
            pb.redirectError(err.toFile());
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("psql did not finish");
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void aTokenAsTheUserNameLogsInWithoutAPasswordAndTheSessionRunsAsTheUserId() throws Exception {
        String token = world.token("researcher-1").compact();
        Result r = psql("Bearer " + token, null, A_READ, "setting session_authorization");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("researcher-1\n", r.stdout());
        assertEquals("alpdev_pg", ((DatabaseRoute) world.opened.get(0).route()).databaseCode());
    }

    @Test
    void aTokenInPgpasswordLogsIn() throws Exception {
        String token = world.token("researcher-1").compact();
        Result r = psql("analyst", token, A_READ, "rows 2");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("1\n2\n", r.stdout());
        assertEquals("researcher-1", world.opened.get(0).principal().name());
    }

    @Test
    void refusalsReachPsqlWithTheReasonAndWithoutTheToken() throws Exception {
        String expired = world.token("researcher-1").expiredAgo(Duration.ofMinutes(1)).compact();
        Result r = psql(expired, null, A_READ, "rows 1");
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("FATAL:  token authentication failed: token expired"), r.stderr());
        assertFalse(r.stderr().contains(expired), r.stderr());

        String token = world.token("researcher-1").compact();
        String other = "A|duckdb|" + UUID.randomUUID();
        Result denied = psql(token, null, other, "rows 1");
        assertEquals(2, denied.exitCode(), denied.toString());
        assertTrue(denied.stderr().contains("FATAL:  user does not have access to dataset"), denied.stderr());
        assertFalse(denied.stderr().contains(token), denied.stderr());

        world.usermgmt.down();
        Result down = psql("analyst", world.token("researcher-1").claim("jti", "x").compact(), A_READ, "rows 1");
        assertEquals(2, down.exitCode(), down.toString());
        assertTrue(down.stderr().contains("FATAL:  authorization service unavailable"), down.stderr());
        assertTrue(world.opened.isEmpty());
    }
}
