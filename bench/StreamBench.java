import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Streaming throughput of PostgreSQL and Buena Vista measured in the same invocation: pgjdbc with autocommit off and
 * a fetch size of 10 000 (so it reads through a portal in batches, as applications streaming large results do)
 * reads N rows of one BIGINT column from each and reports rows/s and their ratio.
 *
 * <p>Usage (single-file source launch, pgjdbc on the class path):
 * {@code java -cp postgresql.jar bench/StreamBench.java PG_URL BV_URL [ROWS...]}; see bench/stream-compare.sh.
 */
public class StreamBench {
    private static final int FETCH_SIZE = 10_000;

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: StreamBench PG_URL BV_URL [ROWS...]");
            System.exit(2);
        }
        List<Long> counts = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            counts.add(Long.parseLong(args[i]));
        }
        if (counts.isEmpty()) {
            counts = List.of(1_000_000L, 10_000_000L);
        }
        try (Connection pg = DriverManager.getConnection(args[0]);
                Connection bv = DriverManager.getConnection(args[1])) {
            // Warm both up (JIT on both ends, DuckDB's first query) so the first measured run is not penalised.
            read(pg, pgQuery(100_000));
            read(bv, bvQuery(100_000));
            System.out.printf("%12s %16s %16s %8s%n", "rows", "postgresql/s", "buenavista/s", "ratio");
            for (long n : counts) {
                double pgRate = rate(pg, pgQuery(n), n);
                double bvRate = rate(bv, bvQuery(n), n);
                System.out.printf("%12d %16.0f %16.0f %8.2f%n", n, pgRate, bvRate, bvRate / pgRate);
            }
        }
        System.out.println("(rows/s read with pgjdbc, fetch size " + FETCH_SIZE
                + ", autocommit off; ratio = buenavista / postgresql, higher is better)");
    }

    private static String pgQuery(long n) {
        return "SELECT i FROM generate_series(1::bigint, " + n + "::bigint) AS g(i)";
    }

    private static String bvQuery(long n) {
        return "SELECT i FROM range(1, " + (n + 1) + ") AS g(i)";
    }

    private static double rate(Connection c, String sql, long expected) throws Exception {
        long start = System.nanoTime();
        long rows = read(c, sql);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (rows != expected) {
            throw new IllegalStateException(sql + " returned " + rows + " rows, expected " + expected);
        }
        return rows / seconds;
    }

    /** Reads every row, touching each value; returns the row count. */
    private static long read(Connection c, String sql) throws Exception {
        c.setAutoCommit(false);
        long rows = 0;
        long sum = 0;
        try (Statement s = c.createStatement()) {
            s.setFetchSize(FETCH_SIZE);
            try (ResultSet rs = s.executeQuery(sql)) {
                while (rs.next()) {
                    sum += rs.getLong(1);
                    rows++;
                }
            }
        } finally {
            c.commit();
        }
        if (sum != rows * (rows + 1) / 2) {
            throw new IllegalStateException("wrong values from " + sql);
        }
        return rows;
    }
}
