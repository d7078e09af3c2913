package io.buenavista.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ten million rows stream from DuckDB through a server whose heap is capped at 64 MiB: only possible when no layer
 * holds the result. The same holds when another statement runs while a result is still open, which makes the DuckDB
 * handler read the rest of that result ahead (it spills to a temporary file). The peak RSS is reported (a figure for
 * the issue note), not asserted.
 */
class StreamingMemoryIT {
    static final long ROWS = 10_000_000L;

    @Test
    void tenMillionRowsThroughA64MiBHeap() throws Exception {
        try (JarProcess server = JarProcess.start(List.of("-Xmx64m"), "duckdb", "--port", "0");
             Connection c = DriverManager.getConnection(
                     "jdbc:postgresql://127.0.0.1:" + server.port + "/x?user=y&sslmode=disable")) {
            c.setAutoCommit(false);
            long count = 0;
            long sum = 0;
            try (Statement s = c.createStatement()) {
                s.setFetchSize(10_000);
                try (ResultSet rs = s.executeQuery("select range as n from range(" + ROWS + ")")) {
                    while (rs.next()) {
                        sum += rs.getLong(1);
                        count++;
                    }
                }
            }
            c.commit();
            assertEquals(ROWS, count);
            assertEquals(ROWS * (ROWS - 1) / 2, sum);
            long rss = server.peakRssKib();
            String report = "streamed " + ROWS + " rows with -Xmx64m; server peak RSS " + rss / 1024 + " MiB";
            System.out.println(report);
            Files.writeString(Path.of("target", "streaming-rss.txt"), report + "\n");
            server.terminate();
        }
    }

    /**
     * A million rows of ~110 bytes (~190 MB as the Java objects the handler reads) stay open while other statements run: a
     * {@code DECLARE}d cursor after {@code FETCH 1}, and pgjdbc's fetch size with a second statement in the same
     * transaction. Every row still arrives, in order, through a 64 MiB heap.
     */
    @Test
    void openResultsSurviveOtherStatementsThroughA64MiBHeap(@TempDir Path spill) throws Exception {
        long rows = 1_000_000;
        String query = "select i, repeat('x', 100) as s from range(" + rows + ") r(i)";
        long started = System.nanoTime();
        try (JarProcess server = JarProcess.start(List.of("-Xmx64m"), "duckdb", "--port", "0",
                "--temp-directory", spill.toString());
             // A server that held the rows in its heap would stall in garbage collection: fail, do not wait.
             Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port
                     + "/x?user=y&sslmode=disable&socketTimeout=120")) {
            c.setAutoCommit(false);
            long[] seen = new long[2];
            try (Statement s = c.createStatement()) {
                s.execute("declare c cursor for " + query);
                read(s, "fetch 1 from c", seen);
                assertEquals(1, single(s, "select 1"));
                s.setFetchSize(10_000);
                read(s, "fetch all from c", seen);
            }
            assertEquals(rows, seen[0]);
            assertEquals(rows * (rows - 1) / 2, seen[1]);
            c.commit();

            seen = new long[2];
            try (Statement s = c.createStatement(); Statement second = c.createStatement()) {
                s.setFetchSize(10_000);
                try (ResultSet rs = s.executeQuery(query)) {
                    while (rs.next()) {
                        add(rs, seen);
                        if (seen[0] == 5) {
                            assertEquals(7, single(second, "select 7"));
                        }
                    }
                }
            }
            assertEquals(rows, seen[0]);
            assertEquals(rows * (rows - 1) / 2, seen[1]);
            c.commit();
            long rss = server.peakRssKib();
            String report = "read ahead twice " + rows + " rows of ~110 bytes with -Xmx64m in "
                    + (System.nanoTime() - started) / 1_000_000 + " ms; server peak RSS " + rss / 1024 + " MiB";
            System.out.println(report);
            Files.writeString(Path.of("target", "read-ahead-rss.txt"), report + "\n");
            server.terminate();
        }
    }

    private static void read(Statement s, String sql, long[] seen) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                add(rs, seen);
            }
        }
    }

    private static void add(ResultSet rs, long[] seen) throws SQLException {
        assertEquals(seen[0], rs.getLong(1));
        assertTrue(rs.getString(2).length() == 100 && rs.getString(2).startsWith("xx"));
        seen[0]++;
        seen[1] += rs.getLong(1);
    }

    private static long single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getLong(1);
        }
    }
}
