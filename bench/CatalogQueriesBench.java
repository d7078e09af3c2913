import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Catalog look-ups as clients make them, timed against Buena Vista (DuckDB) and PostgreSQL side by side: psql's
 * {@code \d t}, {@code \d tr}, {@code \dt} and {@code \df} (each a new psql process, as a user types them) and
 * pgjdbc's DatabaseMetaData getTables/getColumns/getPrimaryKeys/getImportedKeys (on one open connection each). Both
 * servers hold the tables of DuckDbCatalogClientsTest (PostgreSQL in a schema of its own, dropped at the end).
 * The two sides alternate call by call, so that a change of the machine's load counts against both; each case
 * reports the median of its rounds and the ratio Buena Vista / PostgreSQL.
 *
 * <p>Usage: {@code java -cp <pgjdbc> bench/CatalogQueriesBench.java PG_URL BV_URL [ROUNDS]} (default 5 rounds),
 * with the psql client on the PATH. The PostgreSQL URL's host and port, and the Buena Vista one's, are what psql uses.
 */
public class CatalogQueriesBench {
    private static final String DUCK_DDL = "CREATE TABLE t(id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
            + "price DECIMAL(10,2), flag BOOLEAN, data BLOB, tags VARCHAR[], ts TIMESTAMP);"
            + "CREATE INDEX t_name ON t(name);"
            + "CREATE TABLE u(k BIGINT, d DATE, f DOUBLE, r FLOAT, s SMALLINT);"
            + "CREATE VIEW v AS SELECT id, name FROM t;"
            + "CREATE TABLE p2(a INTEGER, b VARCHAR, c INTEGER, PRIMARY KEY (b, a));"
            + "CREATE TABLE fk2(b VARCHAR, a INTEGER, FOREIGN KEY (b, a) REFERENCES p2(b, a));"
            + "CREATE TABLE tr(id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t(id));"
            + "CREATE MACRO add_up(a, b) AS a + b";
    private static final String PG_DDL = "CREATE TABLE t(id integer PRIMARY KEY, name text NOT NULL, "
            + "price numeric(10,2), flag boolean, data bytea, tags text[], ts timestamp);"
            + "CREATE INDEX t_name ON t(name);"
            + "CREATE TABLE u(k bigint, d date, f double precision, r real, s smallint);"
            + "CREATE VIEW v AS SELECT id, name FROM t;"
            + "CREATE TABLE p2(a integer, b text, c integer, PRIMARY KEY (b, a));"
            + "CREATE TABLE fk2(b text, a integer, FOREIGN KEY (b, a) REFERENCES p2(b, a));"
            + "CREATE TABLE tr(id integer PRIMARY KEY, t_id integer REFERENCES t(id));"
            + "CREATE FUNCTION add_up(a integer, b integer) RETURNS integer AS 'select a + b' LANGUAGE sql";

    /** One side: how to reach it and which schema holds the tables. */
    record Side(String name, String url, String host, int port, String user, String database, String schema) {}

    /** A timed action on one side. */
    interface Action {
        void run(Side side, Connection conn) throws Exception;
    }

    record Case(String name, Action action) {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        String schema = "bv_catbench_" + ProcessHandle.current().pid();
        Side pg = side("PostgreSQL", args[0], schema);
        Side bv = side("Buena Vista", args[1], "public");
        try (Connection pgConn = DriverManager.getConnection(pg.url());
             Connection bvConn = DriverManager.getConnection(bv.url())) {
            try (Statement s = pgConn.createStatement()) {
                s.execute("CREATE SCHEMA " + schema);
                s.execute("SET search_path = " + schema);
                s.execute(PG_DDL);
            }
            try (Statement s = bvConn.createStatement()) {
                for (String ddl : DUCK_DDL.split(";")) {
                    s.execute(ddl);
                }
            }
            try {
                List<Case> cases = List.of(
                        new Case("psql \\d t", (side, c) -> psql(side, "\\d t")),
                        new Case("psql \\d tr", (side, c) -> psql(side, "\\d tr")),
                        new Case("psql \\dt", (side, c) -> psql(side, "\\dt")),
                        new Case("psql \\df", (side, c) -> psql(side, "\\df")),
                        new Case("pgjdbc getTables", (side, c) -> drain(c.getMetaData()
                                .getTables(null, side.schema(), "%", new String[] {"TABLE", "VIEW"}))),
                        new Case("pgjdbc getColumns t", (side, c) -> drain(c.getMetaData()
                                .getColumns(null, side.schema(), "t", "%"))),
                        new Case("pgjdbc getPrimaryKeys t", (side, c) -> drain(c.getMetaData()
                                .getPrimaryKeys(null, side.schema(), "t"))),
                        new Case("pgjdbc getImportedKeys tr", (side, c) -> drain(c.getMetaData()
                                .getImportedKeys(null, side.schema(), "tr"))));
                System.out.printf("%-28s %12s %12s %8s%n", "case (median of " + rounds + ")", "Buena Vista",
                        "PostgreSQL", "ratio");
                double[] logRatios = new double[cases.size()];
                for (int k = 0; k < cases.size(); k++) {
                    Case c = cases.get(k);
                    c.action().run(bv, bvConn); // warm-up: the session's first catalog statement installs it
                    c.action().run(pg, pgConn);
                    double[] bvMs = new double[rounds];
                    double[] pgMs = new double[rounds];
                    for (int r = 0; r < rounds; r++) {
                        bvMs[r] = time(() -> c.action().run(bv, bvConn));
                        pgMs[r] = time(() -> c.action().run(pg, pgConn));
                    }
                    double b = median(bvMs);
                    double p = median(pgMs);
                    logRatios[k] = Math.log(b / p);
                    System.out.printf("%-28s %9.1f ms %9.1f ms %8.1f%n", c.name(), b, p, b / p);
                }
                System.out.printf("%-28s %34.1f%n", "geometric mean of ratios",
                        Math.exp(Arrays.stream(logRatios).average().orElse(0)));
            } finally {
                try (Statement s = pgConn.createStatement()) {
                    s.execute("DROP SCHEMA " + schema + " CASCADE");
                }
            }
        }
    }

    /** Host, port, user and database from a pgjdbc URL {@code jdbc:postgresql://h:p/db?user=u}. */
    private static Side side(String name, String url, String schema) {
        String rest = url.substring("jdbc:postgresql://".length());
        String hostPort = rest.substring(0, rest.indexOf('/'));
        String database = rest.substring(rest.indexOf('/') + 1, rest.contains("?") ? rest.indexOf('?') : rest.length());
        String user = rest.replaceAll(".*[?&]user=([^&]*).*", "$1");
        return new Side(name, url, hostPort.substring(0, hostPort.indexOf(':')),
                Integer.parseInt(hostPort.substring(hostPort.indexOf(':') + 1)), user, database, schema);
    }

    private static void psql(Side side, String command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("psql", "-X", "-h", side.host(), "-p", String.valueOf(side.port()),
                "-U", side.user(), "-d", side.database(), "-c", command);
        Map<String, String> env = pb.environment();
        env.put("PGOPTIONS", "-c search_path=" + side.schema());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0 || out.contains("ERROR")) {
            throw new IllegalStateException(side.name() + " " + command + " failed: " + out);
        }
    }

    private static void drain(ResultSet rs) throws SQLException {
        try (rs) {
            int rows = 0;
            while (rs.next()) {
                rows++;
            }
            if (rows == 0) {
                throw new IllegalStateException("no rows");
            }
        }
    }

    private static double time(Runnable0 r) throws Exception {
        long start = System.nanoTime();
        r.run();
        return (System.nanoTime() - start) / 1e6;
    }

    interface Runnable0 {
        void run() throws Exception;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
