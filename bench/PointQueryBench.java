import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;
import java.util.Random;

/**
 * What the PostgreSQL protocol costs over calling DuckDB in-process, measured in one invocation: the same point query
 * on the same table through duckdb_jdbc in this JVM and through Buena Vista with pgjdbc, prepared once and as text
 * (a new literal each time), and a scan of N rows read with a fetch size from in-process DuckDB, Buena Vista and
 * PostgreSQL. Reports queries/s and rows/s and ratios against in-process DuckDB (and PostgreSQL for the scan). The
 * point queries of both sides alternate in short slices, so that a change of the machine's load meanwhile counts
 * against both.
 *
 * <p>Usage (single-file source launch, duckdb_jdbc and pgjdbc on the class path):
 * {@code java -cp CP bench/PointQueryBench.java PG_URL BV_URL [SECONDS] [SCAN_ROWS]}; see bench/point-compare.sh.
 */
public class PointQueryBench {
    private static final int TABLE_ROWS = 1_000_000;
    private static final int FETCH_SIZE = 10_000;

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: PointQueryBench PG_URL BV_URL [SECONDS] [SCAN_ROWS]");
            System.exit(2);
        }
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 5;
        long scanRows = args.length > 3 ? Long.parseLong(args[3]) : 10_000_000L;
        Properties streaming = new Properties();
        streaming.setProperty("jdbc_stream_results", "true");
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:", streaming);
                Connection bv = DriverManager.getConnection(args[1]);
                Connection bvSimple = DriverManager.getConnection(args[1] + "&preferQueryMode=simple");
                Connection pg = DriverManager.getConnection(args[0])) {
            // A primary key, so that a point query is an index lookup (as an application's would be).
            String[] ddl = {"CREATE TABLE bench_t(id BIGINT PRIMARY KEY, v VARCHAR)",
                "INSERT INTO bench_t SELECT i, 'value ' || i FROM range(" + TABLE_ROWS + ") r(i)"};
            for (Connection c : new Connection[] {duck, bv}) {
                try (Statement s = c.createStatement()) {
                    s.execute("DROP TABLE IF EXISTS bench_t");
                    for (String sql : ddl) {
                        s.execute(sql);
                    }
                }
            }
            System.out.printf("%-34s %14s %14s %8s%n", "point query (1M-row table)", "in-process/s", "buenavista/s",
                    "ratio");
            try (PreparedStatement duckPs = duck.prepareStatement(POINT_QUERY);
                    PreparedStatement bvPs = bv.prepareStatement(POINT_QUERY);
                    Statement duckText = duck.createStatement();
                    Statement bvText = bv.createStatement();
                    Statement bvSimpleText = bvSimple.createStatement()) {
                for (int round = 0; round < 2; round++) { // the first round warms both ends up
                    double[] prepared = interleaved(seconds, n -> prepared(duckPs, n), n -> prepared(bvPs, n));
                    double[] text = interleaved(seconds, n -> text(duckText, n), n -> text(bvText, n));
                    double[] simple = interleaved(seconds, n -> text(duckText, n), n -> text(bvSimpleText, n));
                    if (round == 1) {
                        row("prepared (pgjdbc extended)", prepared[0], prepared[1]);
                        row("text, new literal (extended)", text[0], text[1]);
                        row("text, new literal (simple)", simple[0], simple[1]);
                    }
                }
            }
            System.out.printf("%n%-34s %14s %14s %14s %8s %8s%n", "scan of " + scanRows + " rows", "in-process/s",
                    "buenavista/s", "postgresql/s", "bv/in", "bv/pg");
            scan(duck, "SELECT i, md5(i::varchar) FROM range(1, 100001) r(i)", 100_000);
            scan(bv, "SELECT i, md5(i::varchar) FROM range(1, 100001) r(i)", 100_000);
            scan(pg, "SELECT i, md5(i::text) FROM generate_series(1::bigint, 100000) i", 100_000);
            double duckScan = scan(duck, "SELECT i, md5(i::varchar) FROM range(1, " + (scanRows + 1) + ") r(i)",
                    scanRows);
            double bvScan = scan(bv, "SELECT i, md5(i::varchar) FROM range(1, " + (scanRows + 1) + ") r(i)",
                    scanRows);
            double pgScan = scan(pg, "SELECT i, md5(i::text) FROM generate_series(1::bigint, " + scanRows + ") i",
                    scanRows);
            System.out.printf("%-34s %14.0f %14.0f %14.0f %8.2f %8.2f%n", "bigint + md5 text", duckScan, bvScan,
                    pgScan, bvScan / duckScan, bvScan / pgScan);
            try (Statement s = bv.createStatement()) {
                s.execute("DROP TABLE bench_t");
            }
        }
        System.out.println("(ratio = buenavista / the other, higher is better; pgjdbc for Buena Vista and PostgreSQL,"
                + " fetch size " + FETCH_SIZE + " for scans)");
    }

    private static void row(String what, double inProcess, double server) {
        System.out.printf("%-34s %14.0f %14.0f %8.2f%n", what, inProcess, server, server / inProcess);
    }

    private static final String POINT_QUERY = "SELECT v FROM bench_t WHERE id = ?";
    /** The keys queried, one sequence for the whole run: a text seldom comes twice (statement caches stay cold). */
    private static final Random RANDOM = new Random(1);
    /** The length of one slice of an interleaved measurement. */
    private static final double SLICE_SECONDS = 0.25;

    /** Runs point queries for about the given time; returns how many ran. */
    private interface Slice {
        long run(double seconds) throws Exception;
    }

    /**
     * Queries per second of two ways, measured in alternating slices of {@value #SLICE_SECONDS} s for {@code seconds}
     * each: a machine whose load changes meanwhile (other builds, other benchmarks) then weighs on both alike.
     */
    private static double[] interleaved(double seconds, Slice inProcess, Slice server) throws Exception {
        long[] counts = new long[2];
        long[] nanos = new long[2];
        Slice[] ways = {inProcess, server};
        for (double done = 0; done < seconds; done += SLICE_SECONDS) {
            for (int w = 0; w < 2; w++) {
                long start = System.nanoTime();
                counts[w] += ways[w].run(SLICE_SECONDS);
                nanos[w] += System.nanoTime() - start;
            }
        }
        return new double[] {counts[0] / (nanos[0] / 1e9), counts[1] / (nanos[1] / 1e9)};
    }

    /** Point queries on one PreparedStatement for about {@code seconds}; returns how many ran. */
    private static long prepared(PreparedStatement ps, double seconds) throws Exception {
        long n = 0;
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < deadline) {
            int id = RANDOM.nextInt(TABLE_ROWS);
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !rs.getString(1).equals("value " + id)) {
                    throw new IllegalStateException("wrong row for " + id);
                }
            }
            n++;
        }
        return n;
    }

    /** Point queries, each a new statement text with the key as a literal, for about {@code seconds}. */
    private static long text(Statement s, double seconds) throws Exception {
        long n = 0;
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < deadline) {
            int id = RANDOM.nextInt(TABLE_ROWS);
            try (ResultSet rs = s.executeQuery("SELECT v FROM bench_t WHERE id = " + id)) {
                if (!rs.next() || !rs.getString(1).equals("value " + id)) {
                    throw new IllegalStateException("wrong row for " + id);
                }
            }
            n++;
        }
        return n;
    }

    /** Rows per second reading every value of the query with a fetch size, autocommit off. */
    private static double scan(Connection c, String sql, long expected) throws Exception {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        long start = System.nanoTime();
        long rows = 0;
        long chars = 0;
        try (Statement s = c.createStatement()) {
            s.setFetchSize(FETCH_SIZE);
            try (ResultSet rs = s.executeQuery(sql)) {
                while (rs.next()) {
                    rows += rs.getLong(1) > 0 ? 1 : 0;
                    chars += rs.getString(2).length();
                }
            }
        } finally {
            c.commit();
            c.setAutoCommit(autoCommit);
        }
        if (rows != expected || chars != 32 * expected) {
            throw new IllegalStateException(sql + " returned " + rows + " rows");
        }
        return rows / ((System.nanoTime() - start) / 1e9);
    }
}
