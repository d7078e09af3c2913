package io.buenavista.examples;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Ten million rows stream from DuckDB through a server whose heap is capped at 64 MiB: only possible when no layer
 * holds the result. The peak RSS is reported (a figure for the issue note), not asserted.
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
}
