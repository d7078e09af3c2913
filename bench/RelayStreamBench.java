import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * The 1 M-row stream of issue 8 through each target named on the command line, interleaved: pgjdbc with autocommit
 * off and a fetch size of 10 000 reads {@code select g, md5(g::text) from generate_series(1, N) g}, touching every
 * value; prints rows/s per target and the ratio to the first (direct PostgreSQL).
 *
 * <p>Usage: {@code java -cp postgresql.jar bench/RelayStreamBench.java ROUNDS ROWS NAME=URL...}; see
 * bench/proxy-compare.sh.
 */
public class RelayStreamBench {
    private static final int FETCH_SIZE = 10_000;

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        long rows = Long.parseLong(args[1]);
        int targets = args.length - 2;
        String[] names = new String[targets];
        String[] urls = new String[targets];
        for (int i = 0; i < targets; i++) {
            String[] nameUrl = args[i + 2].split("=", 2);
            names[i] = nameUrl[0];
            urls[i] = nameUrl[1];
        }
        double[][] rates = new double[targets][rounds];
        for (int i = 0; i < targets; i++) {
            read(urls[i], 100_000); // warm-up: JIT on every side
        }
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < targets; i++) {
                long start = System.nanoTime();
                read(urls[i], rows);
                rates[i][r] = rows / ((System.nanoTime() - start) / 1e9);
            }
        }
        for (int i = 0; i < targets; i++) {
            java.util.Arrays.sort(rates[i]);
        }
        double direct = rates[0][rounds / 2];
        for (int i = 0; i < targets; i++) {
            double median = rates[i][rounds / 2];
            System.out.printf("stream %-10s %12.0f rows/s  %5.2f of direct%n", names[i], median, median / direct);
        }
    }

    private static void read(String url, long rows) throws Exception {
        try (Connection c = DriverManager.getConnection(url)) {
            c.setAutoCommit(false);
            long n = 0;
            long length = 0;
            try (Statement s = c.createStatement()) {
                s.setFetchSize(FETCH_SIZE);
                try (ResultSet rs = s.executeQuery("select g, md5(g::text) from generate_series(1, " + rows + ") g")) {
                    while (rs.next()) {
                        n += rs.getLong(1) > 0 ? 1 : 0;
                        length += rs.getString(2).length();
                    }
                }
            }
            c.commit();
            if (n != rows || length != 32 * rows) {
                throw new IllegalStateException(url + " returned " + n + " rows");
            }
        }
    }
}
