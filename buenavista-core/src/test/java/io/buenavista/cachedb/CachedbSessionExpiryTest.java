package io.buenavista.cachedb;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sessions outlive tokens: with {@code keep} (the original's behaviour) a session goes on after its token expired;
 * with {@code close} its next statement ends it with FATAL 28P01 "token expired", but a result already streaming is
 * read to its end.
 */
class CachedbSessionExpiryTest {
    private static final UUID DATASET = UUID.fromString("11111111-2222-3333-4444-555555555555");
    private static final String A_READ = "A|duckdb|" + DATASET;

    private final CachedbWorld world = new CachedbWorld();

    @AfterEach
    void stop() {
        world.close();
    }

    private void setUp(CachedbSettings.SessionExpiry mode) {
        world.start(s -> s.withSessionExpiry(mode));
        world.usermgmt.researcher("researcher-1", DATASET);
        world.portal.dataset(DATASET, "alpdev_pg", "cdmdefault", "cdmvocab");
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            long n = 0;
            while (rs.next()) {
                n++;
            }
            return n;
        }
    }

    @Test
    void keepLetsTheSessionOutliveItsToken() throws SQLException {
        setUp(CachedbSettings.SessionExpiry.KEEP);
        String token = world.token("researcher-1").expiresIn(Duration.ofSeconds(30)).compact();
        try (Connection c = world.connect(token, null, A_READ)) {
            assertEquals(1, count(c, "rows 1"));
            world.clock.advance(Duration.ofMinutes(5));
            assertEquals(3, count(c, "rows 3"));
        }
    }

    @Test
    void closeEndsTheSessionAtTheNextStatementButNeverMidResult() throws SQLException {
        setUp(CachedbSettings.SessionExpiry.CLOSE);
        String token = world.token("researcher-1").expiresIn(Duration.ofSeconds(30)).compact();
        try (Connection c = world.connect(token, null, A_READ)) {
            assertEquals(1, count(c, "rows 1"));
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setFetchSize(10);
                try (ResultSet rs = s.executeQuery("rows 100")) {
                    for (int i = 0; i < 5; i++) {
                        assertTrue(rs.next());
                    }
                    // The token expires while the result streams: the rest still arrives.
                    world.clock.advance(Duration.ofMinutes(1));
                    long rest = 0;
                    while (rs.next()) {
                        rest++;
                    }
                    assertEquals(95, rest);
                }
            }
            PSQLException e = assertThrows(PSQLException.class, () -> count(c, "rows 1"));
            assertEquals("28P01", e.getSQLState());
            assertEquals("FATAL", e.getServerErrorMessage().getSeverity());
            assertEquals("token expired", e.getServerErrorMessage().getMessage());
            assertFalse(e.getMessage().contains(token));
            assertTrue(c.isClosed() || !c.isValid(2), "the session ended");
        }
    }
}
