package io.buenavista.core.relay;

import io.buenavista.api.Authenticator;
import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.BackendMessage;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.BackendMessage.ReadyForQuery;
import io.buenavista.testing.ClientPrograms;
import io.buenavista.testing.FrontendMessage;
import io.buenavista.testing.WireClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.buenavista.testing.Frontend.bind;
import static io.buenavista.testing.Frontend.copyData;
import static io.buenavista.testing.Frontend.copyDone;
import static io.buenavista.testing.Frontend.copyFail;
import static io.buenavista.testing.Frontend.describePortal;
import static io.buenavista.testing.Frontend.execute;
import static io.buenavista.testing.Frontend.parse;
import static io.buenavista.testing.Frontend.query;
import static io.buenavista.testing.Frontend.sync;
import static io.buenavista.testing.Frontend.terminate;
import static io.buenavista.testing.Frontend.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay in front of the shared PostgreSQL 15 (127.0.0.1:5432, trust, user postgres, database test): what a
 * client sees through it is what it sees directly, and the pool hands out clean connections.
 */
class RelayTest {
    private static final String PG_HOST = "127.0.0.1";
    private static final int PG_PORT = 5432;
    private static final String DIRECT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&sslmode=disable";

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private record Proxy(BuenaVistaServer server, RelayHandler handler) {
        int port() {
            return server.port();
        }

        String url(String params) {
            return "jdbc:postgresql://127.0.0.1:" + port() + "/anydb?user=postgres&sslmode=disable"
                    + (params.isEmpty() ? "" : "&" + params);
        }
    }

    private Proxy proxy(RelayConfig config) {
        return proxy(new Backend(PG_HOST, PG_PORT, "test", "postgres", null), config);
    }

    private Proxy proxy(Backend backend, RelayConfig config) {
        RelayHandler handler = new RelayHandler(backend, config);
        BuenaVistaServer server = BuenaVistaServer.builder().port(0).discoverProviders(false).handler(handler)
                .authenticator(Authenticator.trust()).build().start();
        toClose.add(server);
        return new Proxy(server, handler);
    }

    private static RelayConfig pool(int size, Duration wait) {
        return RelayConfig.defaults().withPoolSize(size).withPoolWait(wait);
    }

    private WireClient client(int port, Map<String, String> params) {
        WireClient c = WireClient.connect(PG_HOST, port).setReadTimeout(Duration.ofSeconds(20));
        toClose.add(c);
        c.login(params, null);
        return c;
    }

    private WireClient client(int port, String applicationName) {
        return client(port, startupWith("application_name", applicationName));
    }

    // ------------------------------------------------------------------------------------------------ fidelity

    /** Every message, values included as bytes; only BackendKeyData's values differ legitimately. */
    private static String canonical(List<BackendMessage> messages) {
        StringBuilder sb = new StringBuilder();
        for (BackendMessage m : messages) {
            if (m instanceof BackendMessage.BackendKeyData) {
                sb.append("BackendKeyData[masked]");
            } else if (m instanceof BackendMessage.DataRow row) {
                sb.append("DataRow[");
                for (int i = 0; i < row.size(); i++) {
                    sb.append(row.isNull(i) ? "NULL" : HexFormat.of().formatHex(row.bytes(i))).append(' ');
                }
                sb.append(']');
            } else if (m instanceof BackendMessage.CopyData d) {
                sb.append("CopyData[").append(HexFormat.of().formatHex(d.data())).append(']');
            } else {
                sb.append(m);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Logs in, then sends each script step and reads up to its ReadyForQuery; returns everything received. */
    private String transcript(int port, boolean fragmented, List<FrontendMessage[]> script) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", "postgres");
        params.put("database", "test");
        params.put("application_name", "relay-fidelity");
        params.put("DateStyle", "ISO, DMY");
        params.put("TimeZone", "Europe/Berlin");
        params.put("extra_float_digits", "3");
        params.put("options", "-c search_path=pg_catalog,public -c IntervalStyle=iso_8601");
        try (WireClient c = WireClient.connect(PG_HOST, port).setReadTimeout(Duration.ofSeconds(20))) {
            List<BackendMessage> all = new ArrayList<>(c.login(params, null));
            if (fragmented) {
                c.setFragmentation(1, 7, 42);
            }
            for (FrontendMessage[] step : script) {
                c.send(step);
                all.addAll(c.readUntilReady());
            }
            return canonical(all);
        }
    }

    @Test
    void framesThroughTheRelayAreTheBackendsOwn() {
        Proxy proxy = proxy(pool(2, Duration.ofSeconds(5)));
        List<FrontendMessage[]> script = List.of(
                new FrontendMessage[] {query("select 1 as one, 'x'::text as t, null::int as n, 1.5::float8 as f,"
                        + " now()::date - now()::date as d, interval '1 day 2 hours' as i, current_setting('search_path')"
                        + " as sp, current_setting('application_name') as app")},
                new FrontendMessage[] {query("select g, md5(g::text) from generate_series(1, 2000) g")},
                new FrontendMessage[] {query("select 1/0")},
                new FrontendMessage[] {query("do $$ begin raise notice 'hello %', 42; end $$")},
                new FrontendMessage[] {query("begin; select 1; ")},
                new FrontendMessage[] {query("select nonexistent")},
                new FrontendMessage[] {query("rollback")},
                new FrontendMessage[] {query("")},
                new FrontendMessage[] {query("copy (select g, g * 2 from generate_series(1, 50) g) to stdout")},
                new FrontendMessage[] {parse("", "select $1::int + 1, $2::text", 0, 0), bind("", "", text("41", "z")),
                        describePortal(""), execute("", 0), sync()},
                new FrontendMessage[] {parse("s1", "select * from generate_series(1, $1::int) g", 23),
                        bind("p1", "s1", text("10")), execute("p1", 3), execute("p1", 3), sync()},
                new FrontendMessage[] {parse("", "select $1::int", 0), bind("", "", text("nope")), execute("", 0),
                        sync()},
                new FrontendMessage[] {query("create temp table relay_f(a int, b text)")},
                new FrontendMessage[] {query("copy relay_f from stdin"), copyData("1\tx\n2\t\\N\n"), copyDone()},
                new FrontendMessage[] {query("copy relay_f from stdin"), copyData("bad\n"), copyDone()},
                new FrontendMessage[] {query("copy relay_f from stdin"), copyData("3\ty\n"), copyFail("changed my mind")},
                // Expressions, not columns: the temp table's OID differs between the two sessions.
                new FrontendMessage[] {query("select a + 0 as a, b || '' as b from relay_f order by a;"
                        + " copy relay_f to stdout with (format csv)")});
        String direct = transcript(PG_PORT, false, script);
        assertEquals(direct, transcript(proxy.port(), false, script));
        // Frames torn into 1–7 byte pieces (headers too) reach the backend whole.
        assertEquals(direct, transcript(proxy.port(), true, script));
    }

    /**
     * A login that PostgreSQL accepts and then refuses for a startup setting gets, through the proxy, the same two
     * messages: AuthenticationOk, then PostgreSQL's FATAL without its source location (file, line, routine).
     */
    private static void assertRefusedAsDirectly(Proxy proxy, Map<String, String> params) {
        List<BackendMessage> direct = refusedStartup(PG_PORT, params);
        assertEquals(2, direct.size(), direct.toString());
        assertTrue(direct.get(0) instanceof BackendMessage.AuthenticationOk, direct.toString());
        Map<Character, String> expected = new LinkedHashMap<>(((ErrorResponse) direct.get(1)).fields());
        expected.keySet().removeAll(List.of('F', 'L', 'R'));
        assertEquals("FATAL", expected.get('V'), direct.toString());
        assertEquals(List.of(new BackendMessage.AuthenticationOk(), new ErrorResponse(expected)),
                refusedStartup(proxy.port(), params), params.toString());
    }

    /** What a login with these startup parameters receives until the server closes the connection. */
    private static List<BackendMessage> refusedStartup(int port, Map<String, String> params) {
        try (WireClient c = WireClient.connect(PG_HOST, port).setReadTimeout(Duration.ofSeconds(20))) {
            c.startup(params);
            List<BackendMessage> received = new ArrayList<>();
            BackendMessage m;
            do {
                m = c.next();
                received.add(m);
            } while (!(m instanceof ErrorResponse));
            c.expectClosed();
            return received;
        }
    }

    /**
     * PostgreSQL judges the startup settings after AuthenticationOk; the relay applies them to its pooled backend
     * after its own AuthenticationOk, so the client gets the same messages: AuthenticationOk, then the same FATAL
     * (severity, SQLSTATE, message, detail, hint). PostgreSQL's source location fields (file, line, routine) are
     * not carried.
     */
    @Test
    void aStartupSettingTheBackendRefusesEndsTheLoginWithTheBackendsFatal() {
        Proxy proxy = proxy(pool(1, Duration.ofSeconds(5)));
        List<Map<String, String>> refused = List.of(
                Map.of("DateStyle", "bogus"),
                Map.of("options", "-c intervalstyle=sideways"),
                Map.of("options", "-c no_such_setting=1"),
                Map.of("no_such_setting", "1"),
                Map.of("extra_float_digits", "99"),
                Map.of("TimeZone", "Mars/Olympus_Mons"),
                // Overridden by the parameter, but PostgreSQL applies (and refuses) the switch first.
                Map.of("options", "-c DateStyle=bogus", "DateStyle", "ISO"));
        for (Map<String, String> setting : refused) {
            Map<String, String> params = new LinkedHashMap<>(Map.of("user", "postgres", "database", "test"));
            params.putAll(setting);
            assertRefusedAsDirectly(proxy, params);
        }
        // Given both ways, the startup parameter wins over the options switch, as directly.
        Map<String, String> both = new LinkedHashMap<>(Map.of("user", "postgres", "database", "test",
                "options", "-c DateStyle=SQL,DMY -c TimeZone=UTC", "DateStyle", "German"));
        List<String> reported = new ArrayList<>();
        for (int port : new int[] {PG_PORT, proxy.port()}) {
            WireClient c = client(port, both);
            reported.add(c.parameterStatus("DateStyle") + " " + c.parameterStatus("TimeZone") + " "
                    + c.simpleQuery("show DateStyle").stream().filter(BackendMessage.DataRow.class::isInstance)
                            .map(m -> ((BackendMessage.DataRow) m).text(0)).findFirst().orElseThrow());
            c.close();
        }
        assertEquals("German, DMY UTC German, DMY", reported.get(0));
        assertEquals(reported.get(0), reported.get(1));
        // The one backend connection was not spoiled by the refused settings: the next client gets it, clean.
        WireClient next = client(proxy.port(), "after-refusals");
        assertEquals(List.of("ISO, MDY"), next.simpleQuery("show DateStyle").stream()
                .filter(BackendMessage.DataRow.class::isInstance).map(m -> ((BackendMessage.DataRow) m).text(0))
                .toList());
    }

    /** Everything a client receives for its login and one query, BackendKeyData masked. */
    private static String loginAndQuery(int port, Map<String, String> params, String sql) {
        try (WireClient c = WireClient.connect(PG_HOST, port).setReadTimeout(Duration.ofSeconds(20))) {
            List<BackendMessage> all = new ArrayList<>(c.login(params, null));
            all.addAll(c.simpleQuery(sql));
            c.send(terminate());
            return canonical(all);
        }
    }

    /**
     * {@code role} asked for at startup ({@code options=-c role=…} or as a parameter), by a login that is not a
     * superuser: a role it is a member of runs the session as that role, one it is not a member of (or that does
     * not exist) ends the login with PostgreSQL's FATAL after AuthenticationOk; the relay, logging in to the
     * backend as that same user, answers the same, message for message. DISCARD ALL gives the next client of the
     * backend its own user back.
     */
    @Test
    void aStartupRoleIsJudgedAsByPostgresqlAndDoesNotOutliveTheSession() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String login = "relay_login_" + suffix;
        String member = "relay_member_" + suffix;
        String other = "relay_other_" + suffix;
        try (Connection admin = DriverManager.getConnection(DIRECT_URL); Statement st = admin.createStatement()) {
            st.execute("create role " + login + " login");
            st.execute("create role " + member);
            st.execute("create role " + other);
            st.execute("grant " + member + " to " + login);
        }
        try {
            Proxy proxy = proxy(new Backend(PG_HOST, PG_PORT, "test", login, null), pool(1, Duration.ofSeconds(10)));
            String sql = "select current_user, session_user, current_setting('role')";
            List<Map<String, String>> accepted = List.of(Map.of("options", "-c role=" + member),
                    Map.of("role", member), Map.of("options", "-c role=none"));
            for (Map<String, String> setting : accepted) {
                Map<String, String> params = new LinkedHashMap<>(Map.of("user", login, "database", "test"));
                params.putAll(setting);
                String direct = loginAndQuery(PG_PORT, params, sql);
                String currentUser = setting.containsValue("-c role=none") ? login : member;
                assertTrue(direct.contains("DataRow[" + HexFormat.of().formatHex(
                        currentUser.getBytes(StandardCharsets.UTF_8)) + " "), direct);
                assertEquals(direct, loginAndQuery(proxy.port(), params, sql), setting.toString());
                // The backend went back to the pool: its next client is the login user again.
                Map<String, String> plain = Map.of("user", login, "database", "test");
                assertEquals(loginAndQuery(PG_PORT, plain, sql), loginAndQuery(proxy.port(), plain, sql));
            }
            List<Map<String, String>> refused = List.of(Map.of("options", "-c role=" + other),
                    Map.of("role", other), Map.of("options", "-c role=relay_no_such_role_" + suffix));
            for (Map<String, String> setting : refused) {
                Map<String, String> params = new LinkedHashMap<>(Map.of("user", login, "database", "test"));
                params.putAll(setting);
                assertRefusedAsDirectly(proxy, params);
            }
            String plainSql = "select current_user, current_setting('role')";
            Map<String, String> plain = Map.of("user", login, "database", "test");
            assertEquals(loginAndQuery(PG_PORT, plain, plainSql), loginAndQuery(proxy.port(), plain, plainSql));
            proxy.server().close();
        } finally {
            try (Connection admin = DriverManager.getConnection(DIRECT_URL); Statement st = admin.createStatement()) {
                st.execute("select pg_terminate_backend(pid) from pg_stat_activity where usename = '" + login + "'");
                st.execute("drop role if exists " + login);
                st.execute("drop role if exists " + member);
                st.execute("drop role if exists " + other);
            }
        }
    }

    /** Everything a client receives for one write of its startup packet and a pipeline behind it. */
    private static String pipelinedWithTheStartup(int port, String bigLiteral) {
        try (WireClient c = WireClient.connect(PG_HOST, port).setReadTimeout(Duration.ofSeconds(20))) {
            c.send(io.buenavista.testing.Frontend.startup(Map.of("user", "postgres", "database", "test")),
                    query("select 'early' as e"),
                    parse("", "select length($1::text)", 0), bind("", "", text(bigLiteral)), execute("", 0), sync(),
                    query("select 'late' as l"));
            List<BackendMessage> all = new ArrayList<>(c.readUntilReady()); // the startup's
            for (int i = 0; i < 3; i++) {
                all.addAll(c.readUntilReady());
            }
            // ParameterStatus order and values are compared elsewhere; here the frames behind the startup count.
            all.removeIf(m -> m instanceof BackendMessage.ParameterStatus);
            return canonical(all);
        }
    }

    @Test
    void framesSentInTheSameWriteAsTheStartupReachTheBackend() {
        Proxy proxy = proxy(pool(1, Duration.ofSeconds(5)));
        // Past the core's buffers: part is held by the core when the relay starts, the rest comes from the socket.
        String big = "x".repeat(200_000);
        String direct = pipelinedWithTheStartup(PG_PORT, big);
        assertTrue(direct.contains("DataRow[" + HexFormat.of().formatHex("200000".getBytes(StandardCharsets.US_ASCII))),
                direct);
        assertEquals(direct, pipelinedWithTheStartup(proxy.port(), big));
    }

    // --------------------------------------------------------------------------------------- real clients

    @Test
    void pgjdbcInEveryModeAndStreaming() throws Exception {
        Proxy proxy = proxy(pool(4, Duration.ofSeconds(5)));
        for (String mode : List.of("simple", "extended", "extendedForPrepared", "extendedCacheEverything")) {
            try (Connection c = DriverManager.getConnection(proxy.url("preferQueryMode=" + mode
                    + "&prepareThreshold=1"))) {
                for (int i = 0; i < 3; i++) {
                    try (PreparedStatement ps = c.prepareStatement("select ?::int * 2, ?::text, now()::timestamptz")) {
                        ps.setInt(1, 21 + i);
                        ps.setString(2, "a?b");
                        try (ResultSet rs = ps.executeQuery()) {
                            assertTrue(rs.next());
                            assertEquals(42 + 2 * i, rs.getInt(1), mode);
                            assertEquals("a?b", rs.getString(2));
                        }
                    }
                }
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("select '{\"a\":1}'::jsonb ? 'a', version()")) {
                    assertTrue(rs.next());
                    assertTrue(rs.getBoolean(1), mode);
                    assertTrue(rs.getString(2).startsWith("PostgreSQL 15"), rs.getString(2));
                }
            }
        }
        try (Connection c = DriverManager.getConnection(proxy.url(""))) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setFetchSize(1000);
                long sum = 0;
                int rows = 0;
                try (ResultSet rs = s.executeQuery("select g, md5(g::text) from generate_series(1, 200000) g")) {
                    while (rs.next()) {
                        sum += rs.getLong(1);
                        rows++;
                    }
                }
                assertEquals(200000, rows);
                assertEquals(200000L * 200001L / 2, sum);
            }
            c.commit();
        }
    }

    @Test
    void psqlThroughTheRelay() throws Exception {
        Proxy proxy = proxy(pool(2, Duration.ofSeconds(5)));
        ProcessBuilder pb = new ProcessBuilder(ClientPrograms.path("psql"), "-X", "-w", "-q", "-A", "-t",
                "-h", PG_HOST, "-p", String.valueOf(proxy.port()), "-U", "postgres", "-d", "whatever",
                "-c", "select current_database(), 6 * 7", "-c", "\\dt pg_catalog.pg_class");
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("test|42\n"), out);
        assertTrue(out.contains("pg_catalog|pg_class|table|"), out);
    }

    @Test
    void pgbenchInEveryQueryModeAndWithAConnectionPerTransaction(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        Proxy proxy = proxy(pool(4, Duration.ofSeconds(30)));
        java.nio.file.Path script = dir.resolve("bench.sql");
        java.nio.file.Files.writeString(script, "\\set n random(1, 1000)\nselect :n::int + 1, md5(:n::text);\n"
                + "begin;\nselect count(*) from generate_series(1, :n);\ncommit;\n");
        for (List<String> mode : List.of(List.of("-M", "simple"), List.of("-M", "extended"), List.of("-M", "prepared"),
                List.of("-M", "simple", "-C"))) {
            List<String> command = new ArrayList<>(List.of(ClientPrograms.path("pgbench"), "-n", "-h", PG_HOST,
                    "-p", String.valueOf(proxy.port()), "-U", "postgres", "-f", script.toString(), "-t", "200",
                    "-c", "4", "-j", "2"));
            command.addAll(mode);
            command.add("test");
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), mode + ": " + out);
            assertTrue(out.contains("number of transactions actually processed: 800/800"), mode + ": " + out);
            assertTrue(out.contains("number of failed transactions: 0"), mode + ": " + out);
        }
    }

    @Test
    void copyInAndOut() throws Exception {
        Proxy proxy = proxy(pool(2, Duration.ofSeconds(5)));
        try (Connection c = DriverManager.getConnection(proxy.url(""))) {
            try (Statement s = c.createStatement()) {
                s.execute("create temp table relay_copy(a int, b text)");
            }
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            StringBuilder data = new StringBuilder();
            for (int i = 1; i <= 5000; i++) {
                data.append(i).append('\t').append("row ").append(i).append('\n');
            }
            long in = copy.copyIn("copy relay_copy from stdin",
                    new ByteArrayInputStream(data.toString().getBytes(StandardCharsets.UTF_8)));
            assertEquals(5000, in);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long n = copy.copyOut("copy (select * from relay_copy order by a) to stdout", out);
            assertEquals(5000, n);
            assertEquals(data.toString(), out.toString(StandardCharsets.UTF_8));
            SQLException bad = assertThrows(SQLException.class, () -> copy.copyIn("copy relay_copy from stdin",
                    new ByteArrayInputStream("x\ty\n".getBytes(StandardCharsets.UTF_8))));
            assertEquals("22P02", bad.getSQLState());
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select count(*) from relay_copy")) {
                assertTrue(rs.next());
                assertEquals(5000, rs.getInt(1));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ pool

    private static int backendPid(WireClient c) {
        List<BackendMessage> r = c.simpleQuery("select pg_backend_pid()");
        return Integer.parseInt(r.stream().filter(BackendMessage.DataRow.class::isInstance)
                .map(m -> ((BackendMessage.DataRow) m).text(0)).findFirst().orElseThrow());
    }

    @Test
    void aReusedBackendForgetsThePreviousClient() {
        Proxy proxy = proxy(pool(1, Duration.ofSeconds(10)));
        int pid;
        try (WireClient a = client(proxy.port(), "relay-a")) {
            pid = backendPid(a);
            a.simpleQuery("set statement_timeout = '17s'");
            a.simpleQuery("create temp table relay_secret(x int)");
            a.simpleQuery("prepare relay_p as select 1");
            a.send(terminate());
        }
        WireClient b = client(proxy.port(), "relay-b");
        assertEquals(pid, backendPid(b), "pool size 1: the same backend serves the next client");
        assertEquals("0", firstValue(b.simpleQuery("show statement_timeout")));
        assertEquals("relay-b", firstValue(b.simpleQuery("show application_name")));
        b.send(query("select * from relay_secret"));
        assertEquals("42P01", b.expectError("42P01").sqlState());
        b.expectReadyForQuery('I');
        b.send(query("execute relay_p"));
        b.expectError("26000");
        b.expectReadyForQuery('I');
    }

    /**
     * The next client of a reused backend is told the backend's real settings: what the previous client changed
     * with SET during its session counts, not only what it asked for at startup.
     */
    @Test
    void theNextClientOfAReusedBackendGetsTheBackendsCurrentParameterStatus() {
        Proxy proxy = proxy(pool(1, Duration.ofSeconds(10)));
        String serverDefault;
        try (WireClient direct = client(PG_PORT, "relay-direct")) {
            serverDefault = firstValue(direct.simpleQuery("show TimeZone"));
        }
        String other = serverDefault.equals("Asia/Tokyo") ? "America/Lima" : "Asia/Tokyo";
        Map<String, String> params = new LinkedHashMap<>(Map.of("user", "postgres", "database", "test",
                "TimeZone", other, "DateStyle", "SQL, DMY"));
        try (WireClient a = client(proxy.port(), params)) {
            assertEquals(other, a.parameterStatus("TimeZone"));
            // Back to the server's values by SET: DISCARD ALL then changes nothing, so reports nothing.
            a.simpleQuery("set TimeZone = '" + serverDefault + "'");
            a.simpleQuery("set DateStyle = 'ISO, MDY'");
            a.send(terminate());
        }
        WireClient b = client(proxy.port(), "relay-b");
        assertEquals(serverDefault, firstValue(b.simpleQuery("show TimeZone")));
        assertEquals(serverDefault, b.parameterStatus("TimeZone"));
        assertEquals("ISO, MDY", b.parameterStatus("DateStyle"));
    }

    /** The last statement a backend ran, from pg_stat_activity. */
    private static String lastQuery(int pid) throws SQLException {
        return activity(pid, "query");
    }

    /** A startup packet's parameters: user postgres, database test, then these names and values, in order. */
    private static Map<String, String> startupWith(String... namesAndValues) {
        Map<String, String> params = new LinkedHashMap<>(Map.of("user", "postgres", "database", "test"));
        for (int i = 0; i < namesAndValues.length; i += 2) {
            params.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return params;
    }

    /** When a backend last changed state (idle → active and back), from pg_stat_activity. */
    private static String stateChange(int pid) throws SQLException {
        return activity(pid, "state_change::text");
    }

    private static String activity(int pid, String column) throws SQLException {
        try (Connection direct = DriverManager.getConnection(DIRECT_URL);
                PreparedStatement ps = direct.prepareStatement(
                        "select " + column + " from pg_stat_activity where pid = ?")) {
            ps.setInt(1, pid);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "backend " + pid + " is gone");
                return rs.getString(1);
            }
        }
    }

    /** Waits until the backend is idle after running a statement that starts with {@code prefix}; answers it. */
    private static String awaitIdleAfter(int pid, String prefix) throws Exception {
        return awaitIdleAfter(pid, query -> query.startsWith(prefix));
    }

    /** Waits until the backend is idle after running a statement that {@code last} accepts; answers it. */
    private static String awaitIdleAfter(int pid, java.util.function.Predicate<String> last) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Connection direct = DriverManager.getConnection(DIRECT_URL);
                    PreparedStatement ps = direct.prepareStatement(
                            "select state, query from pg_stat_activity where pid = ?")) {
                ps.setInt(1, pid);
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next(), "backend " + pid + " is gone");
                    if ("idle".equals(rs.getString(1)) && last.test(rs.getString(2))) {
                        return rs.getString(2);
                    }
                    assertTrue(System.nanoTime() < deadline, "backend " + pid + " stays at " + rs.getString(2));
                }
            }
            Thread.sleep(10);
        }
    }

    /**
     * A session's end gives its backend the session's startup settings again, behind DISCARD ALL: a next client
     * asking for the same ones (every client of one application does) starts with no round trip to the backend. A
     * checkout that asks for others resets them first; one that asks for the values the backend already reports
     * sends nothing either. Either way the client is told what a direct client with the same startup is told, and
     * nothing a previous client SET survives.
     */
    @Test
    void aCheckoutThatChangesNothingSkipsTheSettingsRoundTrip() throws Exception {
        Proxy proxy = proxy(pool(1, Duration.ofSeconds(10)));
        Map<String, String> plain = Map.of("user", "postgres", "database", "test");
        Map<String, String> app = startupWith("application_name", "relay-skip-a", "DateStyle", "SQL, DMY");
        Map<String, String> appDirect;
        String appIntervalStyle;
        try (WireClient d = client(PG_PORT, app)) {
            appDirect = d.parameterStatuses();
            appIntervalStyle = firstValue(d.simpleQuery("show IntervalStyle"));
        }
        int pid;
        try (WireClient a = client(proxy.port(), app)) {
            pid = backendPid(a);
            a.simpleQuery("set IntervalStyle = 'iso_8601'");
            a.simpleQuery("set application_name = 'relay-skip-changed'");
            a.send(terminate());
        }
        // The reset ran DISCARD ALL, then the session's startup settings again.
        String reapplied = awaitIdleAfter(pid, "SELECT pg_catalog.set_config(E'application_name', E'relay-skip-a'");
        String before = stateChange(pid);
        // The same startup as the previous client's: nothing is sent, and the SETs of that client are gone.
        try (WireClient b = client(proxy.port(), app)) {
            assertEquals(before, stateChange(pid), "the backend ran a statement for the checkout");
            assertEquals(reapplied, lastQuery(pid));
            assertEquals(appDirect, b.parameterStatuses());
            assertEquals("relay-skip-a", firstValue(b.simpleQuery("show application_name")));
            assertEquals(appIntervalStyle, firstValue(b.simpleQuery("show IntervalStyle")));
            assertEquals("SQL, DMY", firstValue(b.simpleQuery("show DateStyle")));
            b.send(terminate());
        }
        awaitIdleAfter(pid, reapplied);
        Map<String, String> direct;
        try (WireClient d = client(PG_PORT, plain)) {
            direct = d.parameterStatuses();
        }
        // Nothing asked: the previous client's settings go back to the backend's defaults, with a round trip.
        String reset = stateChange(pid);
        try (WireClient c = client(proxy.port(), plain)) {
            assertNotEquals(reset, stateChange(pid));
            assertEquals("DISCARD ALL", lastQuery(pid));
            assertEquals(direct, c.parameterStatuses());
            assertEquals(direct.get("DateStyle"), firstValue(c.simpleQuery("show DateStyle")));
            assertEquals(direct.get("application_name"), firstValue(c.simpleQuery("show application_name")));
            c.send(terminate());
        }
        // Its end: DISCARD ALL alone, the backend is at its defaults.
        awaitIdleAfter(pid, "DISCARD ALL");
        // Asked for exactly the values the backend reports (names in any case): still nothing to send.
        Map<String, String> same = new LinkedHashMap<>(plain);
        same.put("datestyle", direct.get("DateStyle"));
        same.put("application_name", direct.get("application_name"));
        same.put("TimeZone", direct.get("TimeZone"));
        try (WireClient c = client(proxy.port(), same)) {
            assertEquals("DISCARD ALL", lastQuery(pid));
            assertEquals(direct, c.parameterStatuses());
            c.send(terminate());
        }
        // A value that differs, or one the backend does not report: the round trip runs, and the values count.
        String lastReset = "DISCARD ALL";
        for (Map.Entry<String, String> setting : List.of(Map.entry("application_name", "relay-skip-d"),
                Map.entry("DateStyle", "ISO"), Map.entry("extra_float_digits", "1"))) {
            Map<String, String> params = new LinkedHashMap<>(plain);
            params.put(setting.getKey(), setting.getValue());
            Map<String, String> expected;
            String shown;
            try (WireClient d = client(PG_PORT, params)) {
                expected = d.parameterStatuses();
                shown = firstValue(d.simpleQuery("show " + setting.getKey()));
            }
            awaitIdleAfter(pid, lastReset);
            String was = stateChange(pid);
            String setsIt = "pg_catalog.set_config(E'" + setting.getKey() + "', E'" + setting.getValue() + "'";
            try (WireClient e = client(proxy.port(), params)) {
                assertNotEquals(was, stateChange(pid), setting.toString());
                assertTrue(lastQuery(pid).contains(setsIt), lastQuery(pid));
                assertEquals(expected, e.parameterStatuses(), setting.toString());
                assertEquals(shown, firstValue(e.simpleQuery("show " + setting.getKey())), setting.toString());
                e.send(terminate());
            }
            lastReset = "SELECT " + setsIt;
        }
    }

    /**
     * A client that leaves inside a transaction: the pool rolls back and resets, and gives the settings back too,
     * including one the backend does not report (search_path). The next client asking for the same starts with no
     * round trip and has them; nothing of the transaction is left.
     */
    @Test
    void aClientThatLeavesInsideATransactionHandsItsSettingsOnButNothingElse() throws Exception {
        Proxy proxy = proxy(pool(1, Duration.ofSeconds(10)));
        Map<String, String> params = startupWith("application_name", "relay-tx-settings",
                "search_path", "relay_nowhere, public");
        Map<String, String> direct;
        try (WireClient d = client(PG_PORT, params)) {
            direct = d.parameterStatuses();
        }
        int pid;
        try (WireClient a = client(proxy.port(), params)) {
            pid = backendPid(a);
            a.simpleQuery("begin");
            a.simpleQuery("set search_path = pg_catalog");
            a.simpleQuery("create temp table relay_tx_left(x int)");
            a.send(terminate());
        }
        awaitIdleAfter(pid, "SELECT pg_catalog.set_config(E'application_name', E'relay-tx-settings'");
        String before = stateChange(pid);
        try (WireClient b = client(proxy.port(), params)) {
            assertEquals(before, stateChange(pid), "the backend ran a statement for the checkout");
            assertEquals(direct, b.parameterStatuses());
            assertEquals("relay_nowhere, public", firstValue(b.simpleQuery("show search_path")));
            assertEquals("relay-tx-settings", firstValue(b.simpleQuery("show application_name")));
            b.send(query("select * from relay_tx_left"));
            b.expectError("42P01");
            b.expectReadyForQuery('I');
        }
    }

    /**
     * Two clients with different settings leave two idle backends, each given back its client's settings. A client
     * asking for the first one's settings takes that backend, not the one that came back last, and starts with no
     * round trip; the other client's likewise.
     */
    @Test
    void aLoginTakesTheIdleBackendThatHasItsSettings() throws Exception {
        Proxy proxy = proxy(pool(2, Duration.ofSeconds(10)));
        Map<String, String> x = startupWith("application_name", "relay-own-x");
        Map<String, String> y = startupWith("application_name", "relay-own-y");
        int pidX;
        int pidY;
        try (WireClient a = client(proxy.port(), x); WireClient b = client(proxy.port(), y)) {
            pidX = backendPid(a);
            pidY = backendPid(b);
            a.send(terminate());
            awaitIdleAfter(pidX, "SELECT pg_catalog.set_config(E'application_name', E'relay-own-x'");
            b.send(terminate());
            awaitIdleAfter(pidY, "SELECT pg_catalog.set_config(E'application_name', E'relay-own-y'");
        }
        String beforeX = stateChange(pidX);
        String beforeY = stateChange(pidY);
        try (WireClient c = client(proxy.port(), x); WireClient d = client(proxy.port(), y)) {
            assertEquals(beforeX, stateChange(pidX), "the backend ran a statement for the checkout");
            assertEquals(beforeY, stateChange(pidY), "the backend ran a statement for the checkout");
            assertEquals(pidX, backendPid(c));
            assertEquals(pidY, backendPid(d));
            assertEquals("relay-own-x", firstValue(c.simpleQuery("show application_name")));
            assertEquals("relay-own-y", firstValue(d.simpleQuery("show application_name")));
        }
    }

    /**
     * A client's {@code idle_session_timeout} is its own session's: the reset does not give it back to the idle
     * connection, where the backend would end itself in the pool (and a next client's session with it).
     */
    @Test
    void aClientsIdleSessionTimeoutDoesNotEndItsBackendInThePool() throws Exception {
        Proxy proxy = proxy(pool(1, Duration.ofSeconds(10)));
        Map<String, String> params = startupWith("application_name", "relay-idle-timeout",
                "options", "-c idle_session_timeout=300");
        int pid;
        try (WireClient a = client(proxy.port(), params)) {
            pid = backendPid(a);
            assertEquals("300ms", firstValue(a.simpleQuery("show idle_session_timeout")));
            a.send(terminate());
        }
        // The reset's last statement: DISCARD ALL, or the settings if it gave them back.
        awaitIdleAfter(pid, q -> q.equals("DISCARD ALL") || q.startsWith("SELECT pg_catalog.set_config("));
        Thread.sleep(1000);
        try (WireClient b = client(proxy.port(), params)) {
            assertEquals(pid, backendPid(b), "the pooled backend ended itself while idle");
            assertEquals("300ms", firstValue(b.simpleQuery("show idle_session_timeout")));
        }
    }

    /**
     * A startup packet full of custom settings (9 KB, as PostgreSQL allows): too long for the reset to apply again,
     * so the loop's reset is DISCARD ALL alone and each checkout applies them, and every client still has them all.
     */
    @Test
    void settingsTooLongToApplyAgainAreAppliedAtEachCheckout() throws Exception {
        Proxy proxy = proxy(pool(1, Duration.ofSeconds(10)));
        Map<String, String> params = startupWith();
        for (int i = 0; i < 380; i++) {
            params.put(String.format("bv_test.k%03d", i), String.format("value-%03d", i));
        }
        int pid = -1;
        for (int round = 0; round < 2; round++) {
            String before = pid < 0 ? null : stateChange(pid);
            try (WireClient c = client(proxy.port(), params)) {
                if (pid < 0) {
                    pid = backendPid(c);
                } else {
                    assertEquals(pid, backendPid(c), "pool size 1");
                    assertNotEquals(before, stateChange(pid), "the settings were applied again at the checkout");
                }
                assertEquals("value-000", firstValue(c.simpleQuery("show bv_test.k000")));
                assertEquals("value-379", firstValue(c.simpleQuery("show bv_test.k379")));
                c.send(terminate());
            }
            awaitIdleAfter(pid, "DISCARD ALL");
        }
        // DISCARD ALL resets a custom setting to empty (PostgreSQL keeps the placeholder): the value is gone.
        try (WireClient plain = client(proxy.port(), Map.of("user", "postgres", "database", "test"))) {
            assertEquals("", firstValue(plain.simpleQuery("show bv_test.k000")));
        }
    }

    private static String firstValue(List<BackendMessage> messages) {
        return messages.stream().filter(BackendMessage.DataRow.class::isInstance)
                .map(m -> ((BackendMessage.DataRow) m).text(0)).findFirst().orElseThrow();
    }

    @Test
    void idleBackendsAreClosedAfterTheIdleTimeout() throws Exception {
        String app = "relay-idle-" + UUID.randomUUID().toString().substring(0, 8);
        Proxy proxy = proxy(pool(2, Duration.ofSeconds(5)).withIdleTimeout(Duration.ofSeconds(1)));
        int pid;
        try (WireClient a = client(proxy.port(), app)) {
            pid = backendPid(a);
            a.send(terminate());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        // Kept first: the release runs on the server's side just after the client left.
        while (proxy.handler().pool().idleCount() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, proxy.handler().pool().idleCount());
        while (proxy.handler().pool().idleCount() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(0, proxy.handler().pool().idleCount());
        // ... and PostgreSQL saw it go (Terminate, then the socket closes).
        while (backendAlive(pid) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertFalse(backendAlive(pid));
    }

    @Test
    void theMinimumIdleIsOpenedAheadOfLogins() throws Exception {
        Proxy proxy = proxy(pool(3, Duration.ofSeconds(5)).withMinIdle(2));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (proxy.handler().pool().idleCount() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(2, proxy.handler().pool().idleCount());
        WireClient c = client(proxy.port(), "relay-min-idle");
        assertEquals(1, proxy.handler().pool().idleCount(), "the login took a ready connection");
        backendPid(c);
    }

    /** A session the core refused after opening it (its client vanished during startup) holds no slot. */
    @Test
    void aSessionClosedBeforeServingGivesItsBackendBackAtOnce() {
        BackendPool backends = new BackendPool(new Backend(PG_HOST, PG_PORT, "test", "postgres", null),
                pool(1, Duration.ofSeconds(1)));
        toClose.add(backends);
        RelayThreads threads = new RelayThreads(1);
        try {
            io.buenavista.api.StartupRequest startup = new io.buenavista.api.StartupRequest("postgres", "test", "",
                    Map.of(), Map.of("user", "postgres"), new java.net.InetSocketAddress("127.0.0.1", 1), false);
            RelaySession session = new RelaySession(backends, backends.acquire(), List.of(), threads, Duration.ofSeconds(60),
                    "test", null, startup);
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(20), session::close);
            backends.release(backends.acquire(), false); // the one slot is free again
        } finally {
            threads.close();
        }
    }

    /** A server whose own limits are set; the relay behind it has one backend connection. */
    private Proxy limitedProxy(int maxConnections, Duration startupTimeout, Duration poolWait) {
        RelayHandler handler = new RelayHandler(new Backend(PG_HOST, PG_PORT, "test", "postgres", null),
                pool(1, poolWait));
        BuenaVistaServer server = BuenaVistaServer.builder().port(0).discoverProviders(false).handler(handler)
                .authenticator(Authenticator.trust()).maxConnections(maxConnections).startupTimeout(startupTimeout)
                .build().start();
        toClose.add(server);
        return new Proxy(server, handler);
    }

    @Test
    void theServersConnectionLimitAppliesToRelayedSessions() throws Exception {
        Proxy proxy = limitedProxy(1, Duration.ofSeconds(60), Duration.ofSeconds(30));
        WireClient holder = client(proxy.port(), "relay-limit-holder");
        int pid = backendPid(holder);
        // Over the server's limit: refused at once, without waiting for the pool (which would wait 30 s).
        try (WireClient second = WireClient.connect(PG_HOST, proxy.port()).setReadTimeout(Duration.ofSeconds(20))) {
            second.startup(Map.of("user", "postgres", "database", "test"));
            ErrorResponse e = second.expect(ErrorResponse.class);
            assertEquals("53300", e.sqlState());
            assertEquals("sorry, too many clients already", e.message());
            assertEquals(null, e.fields().get('D'), "the server's limit, not the pool's: " + e);
            second.expectClosed();
        }
        holder.send(terminate());
        holder.expectClosed();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (proxy.server().connectionCount() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(pid, backendPid(client(proxy.port(), "relay-limit-next")));
    }

    @Test
    void aLoginStillWaitingForABackendWhenTheStartupTimeoutEndsIsClosedAndTheBackendIsNotLost() throws Exception {
        Proxy proxy = limitedProxy(10, Duration.ofSeconds(1), Duration.ofSeconds(20));
        WireClient holder = client(proxy.port(), "relay-timeout-holder");
        int pid = backendPid(holder);
        WireClient late = WireClient.connect(PG_HOST, proxy.port()).setReadTimeout(Duration.ofSeconds(20));
        toClose.add(late);
        late.startup(Map.of("user", "postgres", "database", "test"));
        late.expectClosed(); // authentication_timeout: closed without a message, as PostgreSQL does
        holder.send(terminate());
        holder.expectClosed();
        // The late login got the backend once it was free, found its client gone and gave it back unharmed.
        WireClient next = client(proxy.port(), "relay-timeout-next");
        assertEquals(pid, backendPid(next));
        assertEquals(List.of("relay-timeout-next"), next.simpleQuery("select current_setting('application_name')")
                .stream().filter(BackendMessage.DataRow.class::isInstance)
                .map(m -> ((BackendMessage.DataRow) m).text(0)).toList());
    }

    private static boolean backendAlive(int pid) throws SQLException {
        try (Connection direct = DriverManager.getConnection(DIRECT_URL);
                PreparedStatement ps = direct.prepareStatement("select count(*) from pg_stat_activity where pid = ?")) {
            ps.setInt(1, pid);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        }
    }

    @Test
    void aClientKilledMidTransactionLeavesNothingBehind() throws Exception {
        String table = "relay_kill_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection direct = DriverManager.getConnection(DIRECT_URL); Statement s = direct.createStatement()) {
            s.execute("create table " + table + " (x int)");
        }
        try {
            Proxy proxy = proxy(pool(1, Duration.ofSeconds(10)));
            WireClient a = client(proxy.port(), "relay-kill");
            int pid = backendPid(a);
            a.simpleQuery("begin");
            a.simpleQuery("insert into " + table + " values (1)");
            a.close(); // no Terminate: the socket just goes
            WireClient b = client(proxy.port(), "relay-after-kill");
            assertEquals(pid, backendPid(b), "the backend was rolled back and reused");
            b.send(query("select count(*) from " + table));
            b.expectRowDescription("count");
            b.expectDataRow("0");
            b.expectCommandComplete("SELECT 1");
            b.expectReadyForQuery('I');
        } finally {
            try (Connection direct = DriverManager.getConnection(DIRECT_URL); Statement s = direct.createStatement()) {
                s.execute("drop table " + table);
            }
        }
    }

    /** What a client sent before Terminate still runs, as when it talks to PostgreSQL directly. */
    @Test
    void aStatementSentJustBeforeTerminateStillRuns() throws Exception {
        String table = "relay_fire_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection direct = DriverManager.getConnection(DIRECT_URL); Statement s = direct.createStatement()) {
            s.execute("create table " + table + " (x int)");
        }
        try {
            Proxy proxy = proxy(pool(2, Duration.ofSeconds(10)));
            for (int port : List.of(PG_PORT, proxy.port())) {
                try (WireClient c = WireClient.connect(PG_HOST, port).setReadTimeout(Duration.ofSeconds(20))) {
                    c.login("postgres", "test");
                    c.send(query("insert into " + table + " select " + port + " from pg_sleep(0.5)"), terminate());
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            int rows = 0;
            while (rows < 2 && System.nanoTime() < deadline) {
                Thread.sleep(100);
                try (Connection direct = DriverManager.getConnection(DIRECT_URL); Statement s = direct.createStatement();
                        ResultSet rs = s.executeQuery("select count(*) from " + table)) {
                    rs.next();
                    rows = rs.getInt(1);
                }
            }
            assertEquals(2, rows, "the insert sent directly and the one sent through the relay both committed");
        } finally {
            try (Connection direct = DriverManager.getConnection(DIRECT_URL); Statement s = direct.createStatement()) {
                s.execute("drop table " + table);
            }
        }
    }

    @Test
    void anExhaustedPoolMakesLoginsWaitThenRefusesWith53300() throws Exception {
        Proxy proxy = proxy(pool(1, Duration.ofSeconds(1)));
        WireClient a = client(proxy.port(), "relay-holder");
        try (WireClient b = WireClient.connect(PG_HOST, proxy.port()).setReadTimeout(Duration.ofSeconds(20))) {
            b.startup(Map.of("user", "postgres", "database", "test"));
            ErrorResponse e = b.expect(ErrorResponse.class);
            assertEquals("53300", e.sqlState());
            assertEquals("FATAL", e.severity());
            b.expectClosed();
        }
        // A waiting login gets the connection the moment it is released.
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Proxy slow = proxy(pool(1, Duration.ofSeconds(15)));
            WireClient holder = client(slow.port(), "relay-holder-2");
            Future<Integer> waiter = pool.submit(() -> {
                try (WireClient w = WireClient.connect(PG_HOST, slow.port()).setReadTimeout(Duration.ofSeconds(20))) {
                    w.login("postgres", "test");
                    return backendPid(w);
                }
            });
            Thread.sleep(300);
            assertFalse(waiter.isDone());
            int pid = backendPid(holder);
            holder.send(terminate());
            holder.close();
            assertEquals(pid, waiter.get(15, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
        a.close();
    }

    @Test
    void aRefusedBackendGivesFatal08006() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Proxy proxy = proxy(new Backend(PG_HOST, closedPort, "test", "postgres", null), pool(2, Duration.ofSeconds(5)));
        try (WireClient c = WireClient.connect(PG_HOST, proxy.port()).setReadTimeout(Duration.ofSeconds(10))) {
            c.startup(Map.of("user", "postgres", "database", "test"));
            ErrorResponse e = c.expect(ErrorResponse.class);
            assertEquals("08006", e.sqlState());
            assertEquals("FATAL", e.severity());
            assertTrue(e.message().contains("Connection refused"), e.message());
            c.expectClosed();
        }
        // A backend that rejects the login: its message, as 08006.
        Proxy wrongDb = proxy(new Backend(PG_HOST, PG_PORT, "relay_no_such_db", "postgres", null),
                pool(2, Duration.ofSeconds(5)));
        try (WireClient c = WireClient.connect(PG_HOST, wrongDb.port()).setReadTimeout(Duration.ofSeconds(10))) {
            c.startup(Map.of("user", "postgres", "database", "test"));
            ErrorResponse e = c.expect(ErrorResponse.class);
            assertEquals("08006", e.sqlState());
            assertTrue(e.message().contains("relay_no_such_db"), e.message());
        }
        // An invalid startup setting: the backend's own error, FATAL, as when connecting directly.
        Proxy ok = proxy(pool(1, Duration.ofSeconds(5)));
        ErrorResponse direct;
        try (WireClient c = WireClient.connect(PG_HOST, PG_PORT).setReadTimeout(Duration.ofSeconds(10))) {
            c.startup(Map.of("user", "postgres", "database", "test", "options", "-c work_mem=banana"));
            // PostgreSQL authenticates first, and so does the relay.
            c.expect(BackendMessage.AuthenticationOk.class);
            direct = c.expect(ErrorResponse.class);
        }
        try (WireClient c = WireClient.connect(PG_HOST, ok.port()).setReadTimeout(Duration.ofSeconds(10))) {
            c.startup(Map.of("user", "postgres", "database", "test", "options", "-c work_mem=banana"));
            c.expect(BackendMessage.AuthenticationOk.class);
            ErrorResponse e = c.expect(ErrorResponse.class);
            assertEquals(direct.sqlState(), e.sqlState());
            assertEquals(direct.message(), e.message());
            assertEquals("FATAL", e.severity());
        }
        // ... and the backend connection went back to the pool, usable.
        client(ok.port(), "relay-after-bad-setting").simpleQuery("select 1");
    }

    @Test
    void aCancelReachesOnlyItsOwnClientsQuery() throws Exception {
        Proxy proxy = proxy(pool(2, Duration.ofSeconds(5)));
        WireClient a = client(proxy.port(), "relay-cancel-a");
        WireClient b = client(proxy.port(), "relay-cancel-b");
        a.send(query("select pg_sleep(5), 'a'"));
        b.send(query("select pg_sleep(1.5), 'b'"));
        awaitActive("relay-cancel-a"); // a cancel that came before the query would be ignored, as PostgreSQL does
        a.cancel(); // one CancelRequest, to Buena Vista's key
        a.expectRowDescription("pg_sleep", "?column?");
        ErrorResponse e = a.expect(ErrorResponse.class);
        assertEquals("57014", e.sqlState());
        a.expectReadyForQuery('I');
        b.expectRowDescription("pg_sleep", "?column?");
        b.expectDataRow("", "b");
        b.expectCommandComplete("SELECT 1");
        b.expectReadyForQuery('I');
        // A cancel with the wrong key does nothing.
        b.send(query("select pg_sleep(1), 'b2'"));
        WireClient.cancelRequest(PG_HOST, proxy.port(), b.backendKeyData().processId(),
                b.backendKeyData().secretKey() + 1);
        b.expectRowDescription("pg_sleep", "?column?");
        b.expectDataRow("", "b2");
    }

    @Test
    void notificationsReachAnIdleListenerAsTheyHappen() throws Exception {
        Proxy proxy = proxy(pool(1, Duration.ofSeconds(10)));
        WireClient listener = client(proxy.port(), "relay-listen");
        int pid = backendPid(listener);
        listener.simpleQuery("listen relay_channel");
        try (Connection direct = DriverManager.getConnection(DIRECT_URL); Statement s = direct.createStatement()) {
            s.execute("notify relay_channel, 'hello'");
        }
        BackendMessage.NotificationResponse n = listener.expect(BackendMessage.NotificationResponse.class);
        assertEquals("relay_channel", n.channel());
        assertEquals("hello", n.payload());
        assertNotEquals(pid, n.processId()); // the notifier's backend, as PostgreSQL reports it
    }

    @Test
    void waitingLoginsAreServedInArrivalOrder() throws Exception {
        Proxy proxy = proxy(pool(1, Duration.ofSeconds(30)));
        WireClient holder = client(proxy.port(), "relay-fifo-holder");
        List<String> served = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> waiters = new ArrayList<>();
            for (String name : List.of("first", "second", "third")) {
                waiters.add(pool.submit(() -> {
                    try (WireClient w = WireClient.connect(PG_HOST, proxy.port())
                            .setReadTimeout(Duration.ofSeconds(30))) {
                        w.login("postgres", "test");
                        served.add(name);
                        w.send(terminate());
                    }
                    return null;
                }));
                Thread.sleep(300); // each waits before the next arrives
            }
            holder.send(terminate());
            holder.close();
            for (Future<?> f : waiters) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertEquals(List.of("first", "second", "third"), served);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anOldKeyNeverCancelsTheNextClientOfTheSameBackend() throws Exception {
        Proxy proxy = proxy(pool(1, Duration.ofSeconds(10)));
        WireClient a = client(proxy.port(), "relay-old-key");
        BackendMessage.BackendKeyData oldKey = a.backendKeyData();
        int pid = backendPid(a);
        a.send(terminate());
        a.close();
        WireClient b = client(proxy.port(), "relay-new-owner");
        assertEquals(pid, backendPid(b));
        b.send(query("select pg_sleep(1), 'survived'"));
        Thread.sleep(200);
        WireClient.cancelRequest(PG_HOST, proxy.port(), oldKey.processId(), oldKey.secretKey());
        b.expectRowDescription("pg_sleep", "?column?");
        b.expectDataRow("", "survived");
        b.expectCommandComplete("SELECT 1");
        b.expectReadyForQuery('I');
    }

    @Test
    void aPipelinedBatchWrittenBeforeReadingDoesNotDeadlock() {
        Proxy proxy = proxy(pool(1, Duration.ofSeconds(10)));
        WireClient c = client(proxy.port(), "relay-pipeline");
        int n = 5000;
        List<FrontendMessage> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            batch.add(parse("", "select $1::int, repeat('y', 100)", 0));
            batch.add(bind("", "", text(Integer.toString(i))));
            batch.add(execute("", 0));
            batch.add(sync());
        }
        c.send(batch.toArray(new FrontendMessage[0])); // about 300 KB out and 800 KB back before any read
        for (int i = 0; i < n; i++) {
            List<BackendMessage> r = c.readUntilReady();
            BackendMessage.DataRow row = (BackendMessage.DataRow) r.stream()
                    .filter(BackendMessage.DataRow.class::isInstance).findFirst().orElseThrow();
            assertEquals(Integer.toString(i), row.text(0));
        }
    }

    /**
     * Sessions share the relay's selector threads: a client that stops reading in the middle of a large result
     * stops its own backend (as PostgreSQL is stopped by a client that does not read), not the others' sessions,
     * and gets every byte once it reads again.
     */
    @Test
    void aClientThatStopsReadingHoldsUpNoOtherSession() {
        int stalled = 2;
        Proxy proxy = proxy(pool(stalled + 1, Duration.ofSeconds(10)).withLoopThreads(1)); // all on one thread
        List<WireClient> readers = new ArrayList<>();
        for (int i = 0; i < stalled; i++) {
            WireClient c = client(proxy.port(), "relay-stalled-" + i);
            c.send(query("select g, repeat('x', 1000) from generate_series(1, 50000) g")); // 50 MB, not read yet
            readers.add(c);
        }
        WireClient other = client(proxy.port(), "relay-beside-stalled");
        for (int i = 0; i < 50; i++) {
            other.send(query("select " + i));
            other.expectRowDescription("?column?");
            other.expectDataRow(Integer.toString(i));
            other.expectCommandComplete("SELECT 1");
            other.expectReadyForQuery('I');
        }
        for (WireClient c : readers) {
            List<BackendMessage> r = c.readUntilReady();
            List<BackendMessage.DataRow> rows = r.stream().filter(BackendMessage.DataRow.class::isInstance)
                    .map(BackendMessage.DataRow.class::cast).toList();
            assertEquals(50000, rows.size());
            for (int i = 0; i < rows.size(); i += 4999) {
                assertEquals(Integer.toString(i + 1), rows.get(i).text(0));
                assertEquals("x".repeat(1000), rows.get(i).text(1));
            }
            assertEquals("SELECT 50000", ((BackendMessage.CommandComplete) r.get(r.size() - 2)).tag());
        }
    }

    /**
     * A relayed session holds no connection thread once its login is done: with an executor of two threads, six
     * clients are logged in at once, each keeps working, and every way of leaving gives its slot and backend back.
     */
    @Test
    void relayedSessionsHoldNoConnectionThread() throws Exception {
        ExecutorService twoThreads = Executors.newFixedThreadPool(2);
        RelayHandler handler = new RelayHandler(new Backend(PG_HOST, PG_PORT, "test", "postgres", null),
                pool(6, Duration.ofSeconds(10)));
        BuenaVistaServer server = BuenaVistaServer.builder().port(0).discoverProviders(false).handler(handler)
                .authenticator(Authenticator.trust()).executor(twoThreads).build().start();
        toClose.add(twoThreads::shutdownNow);
        toClose.add(server);
        List<WireClient> clients = new ArrayList<>();
        List<Integer> pids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            WireClient c = client(server.port(), "relay-threadless-" + i);
            clients.add(c);
            pids.add(backendPid(c));
        }
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < clients.size(); i++) {
                WireClient c = clients.get(i);
                c.send(query("select " + (round * 10 + i)));
                c.expectRowDescription("?column?");
                c.expectDataRow(Integer.toString(round * 10 + i));
                c.expectCommandComplete("SELECT 1");
                c.expectReadyForQuery('I');
            }
        }
        assertEquals(6, server.connectionCount());
        // Leaving: Terminate idle, Terminate in a transaction, and a disconnect in a transaction.
        clients.get(0).send(terminate());
        clients.get(0).expectClosed();
        clients.get(1).send(query("begin; create temp table gone(x int)"));
        clients.get(1).readUntilReady();
        clients.get(1).send(terminate());
        clients.get(1).expectClosed();
        clients.get(2).send(query("begin"));
        clients.get(2).readUntilReady();
        clients.get(2).close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (server.connectionCount() > 3 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(3, server.connectionCount(), "the three slots are free again");
        // Three new clients get backends (the pool holds six): kept ones are clean, the others were replaced.
        for (int i = 0; i < 3; i++) {
            WireClient c = client(server.port(), "relay-threadless-next-" + i);
            c.send(query("select count(*) from pg_class where relname = 'gone'"));
            c.expectRowDescription("count");
            c.expectDataRow("0");
            c.expectCommandComplete("SELECT 1");
            c.expectReadyForQuery('I');
        }
        for (int i = 3; i < 6; i++) {
            assertEquals(pids.get(i), backendPid(clients.get(i)), "the clients that stayed kept their backends");
        }
    }

    /**
     * Logins and ends overlap on one loop thread, as with {@code pgbench -C}: a session that starts while another
     * leaves the selector must not wait for a wake-up that the other's departure consumed.
     */
    @Test
    void shortSessionsThatStartAsOthersEndAllComplete() throws Exception {
        Proxy proxy = proxy(pool(4, Duration.ofSeconds(10)).withLoopThreads(1));
        ExecutorService clients = Executors.newFixedThreadPool(4);
        toClose.add(clients::shutdownNow);
        List<Future<?>> runs = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            runs.add(clients.submit(() -> {
                for (int i = 0; i < 250; i++) {
                    try (WireClient c = WireClient.connect(PG_HOST, proxy.port())
                            .setReadTimeout(Duration.ofSeconds(10))) {
                        c.login(Map.of("user", "postgres", "database", "test"), null);
                        c.send(query("select " + i));
                        c.expectRowDescription("?column?");
                        c.expectDataRow(Integer.toString(i));
                        c.expectCommandComplete("SELECT 1");
                        c.expectReadyForQuery('I');
                        c.send(terminate());
                        c.expectClosed();
                    } catch (RuntimeException e) {
                        throw new AssertionError("client " + thread + ", session " + i, e);
                    }
                }
                return null;
            }));
        }
        for (Future<?> run : runs) {
            run.get(120, TimeUnit.SECONDS);
        }
    }

    @Test
    void serverShutdownEndsIdleRelayedClientsWith57P01AndClosesTheirBackends() throws Exception {
        Proxy proxy = proxy(pool(2, Duration.ofSeconds(10)));
        WireClient a = client(proxy.port(), "relay-shutdown");
        int pid = backendPid(a);
        proxy.server().close();
        ErrorResponse e = a.expect(ErrorResponse.class);
        assertEquals("57P01", e.sqlState());
        assertEquals("FATAL", e.severity());
        a.expectClosed();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (backendAlive(pid) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(backendAlive(pid), "the backend connection was closed");
    }

    /** The grace period holds for relayed statements too, past the 5 s the core gives a client to read its FATAL. */
    @Test
    void shutdownLetsARelayedStatementFinishWithinTheGracePeriod() throws Exception {
        RelayHandler handler = new RelayHandler(new Backend(PG_HOST, PG_PORT, "test", "postgres", null),
                pool(1, Duration.ofSeconds(5)));
        BuenaVistaServer server = BuenaVistaServer.builder().port(0).discoverProviders(false).handler(handler)
                .authenticator(Authenticator.trust()).shutdownGracePeriod(Duration.ofSeconds(12)).build().start();
        toClose.add(server);
        WireClient c = client(server.port(), "relay-grace");
        c.send(query("select pg_sleep(6), 'finished'"));
        Thread.sleep(300);
        Thread closer = new Thread(server::close);
        closer.start();
        c.expectRowDescription("pg_sleep", "?column?");
        c.expectDataRow("", "finished");
        c.expectCommandComplete("SELECT 1");
        c.expectReadyForQuery('I');
        assertEquals("57P01", c.expect(ErrorResponse.class).sqlState());
        c.expectClosed();
        closer.join(TimeUnit.SECONDS.toMillis(30));
    }

    @Test
    void aTerminatedBackendEndsItsClientAndThePoolHeals() throws Exception {
        Proxy proxy = proxy(pool(1, Duration.ofSeconds(10)));
        WireClient a = client(proxy.port(), "relay-victim");
        int pid = backendPid(a);
        try (Connection direct = DriverManager.getConnection(DIRECT_URL); Statement s = direct.createStatement()) {
            s.execute("select pg_terminate_backend(" + pid + ")");
        }
        ErrorResponse e = a.expect(ErrorResponse.class);
        assertEquals("57P01", e.sqlState());
        assertEquals("FATAL", e.severity());
        a.expectClosed();
        WireClient b = client(proxy.port(), "relay-healed");
        int second = backendPid(b);
        assertNotEquals(pid, second);
        // A pooled connection killed while idle is replaced at the next login, unseen by the client.
        b.send(terminate());
        b.close();
        try (Connection direct = DriverManager.getConnection(DIRECT_URL); Statement s = direct.createStatement()) {
            s.execute("select pg_terminate_backend(" + second + ")");
        }
        WireClient c = client(proxy.port(), "relay-healed-again");
        assertNotEquals(second, backendPid(c));
    }

    @Test
    void aRewritingRelayChangesQueryAndParseTextOnly() throws Exception {
        SqlRewriter rewriter = (client, sql) -> sql.replace("magic_number", "(40 + length(current_user))");
        RelayHandler handler = new RelayHandler("rewriting", new Backend(PG_HOST, PG_PORT, "test", "postgres", null),
                pool(2, Duration.ofSeconds(5)), rewriter);
        BuenaVistaServer server = BuenaVistaServer.builder().port(0).discoverProviders(false).handler(handler)
                .authenticator(Authenticator.trust()).build().start();
        toClose.add(server);
        Proxy proxy = new Proxy(server, handler);
        WireClient c = client(proxy.port(), "relay-rewrite");
        c.send(query("select magic_number as n"));
        c.expectRowDescription("n");
        c.expectDataRow("48");
        c.expectCommandComplete("SELECT 1");
        c.expectReadyForQuery('I');
        // A Query larger than the relay's buffer, torn into pieces, is rewritten whole.
        String padding = "/*" + "x".repeat(200_000) + "*/";
        c.setFragmentation(1000, 9000, 7);
        c.send(query("select magic_number " + padding + " as n"));
        c.expectRowDescription("n");
        c.expectDataRow("48");
        c.expectCommandComplete("SELECT 1");
        c.expectReadyForQuery('I');
        c.clearFragmentation();
        try (Connection j = DriverManager.getConnection(proxy.url("prepareThreshold=1"));
                PreparedStatement ps = j.prepareStatement("select magic_number + ?, ?::text")) {
            for (int i = 0; i < 3; i++) {
                ps.setInt(1, i);
                ps.setString(2, "magic_number"); // a parameter value is not SQL text: left alone
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(48 + i, rs.getInt(1));
                    assertEquals("magic_number", rs.getString(2));
                }
            }
        }
        // The rewriter needs a Query whole, but not one beyond the core's limit for a query (64 MiB): a client
        // that announces 1 GB is refused at once, as the core refuses it, instead of being buffered.
        WireClient huge = client(proxy.port(), "relay-rewrite-huge");
        huge.sendRaw(new byte[] {'Q', 0x40, 0, 0, 0, 's', 'e', 'l', 'e', 'c', 't'});
        ErrorResponse e = huge.expect(ErrorResponse.class);
        assertEquals("08P01", e.sqlState());
        assertEquals("FATAL", e.severity());
        assertEquals("invalid message length 1073741824 for message type 'Q'", e.message());
        huge.expectClosed();
    }

    @Test
    void manyClientsAtOnceLeakNoBackend() throws Exception {
        String app = "relay-load-" + UUID.randomUUID().toString().substring(0, 8);
        Proxy proxy = proxy(pool(8, Duration.ofSeconds(30)));
        int clients = 20;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        AtomicLong queries = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int id = i;
            futures.add(pool.submit(() -> {
                while (System.nanoTime() < deadline) {
                    try (Connection c = DriverManager.getConnection(proxy.url("ApplicationName=" + app));
                            PreparedStatement ps = c.prepareStatement("select ?::int + g from generate_series(1, 10) g")) {
                        for (int k = 0; k < 20; k++) {
                            ps.setInt(1, id);
                            int rows = 0;
                            try (ResultSet rs = ps.executeQuery()) {
                                while (rs.next()) {
                                    rows++;
                                }
                            }
                            assertEquals(10, rows);
                            queries.incrementAndGet();
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        System.out.println("relay load: " + queries.get() + " queries from " + clients + " clients through 8 backends");
        assertTrue(queries.get() > 0);
        // Released backends are idle and reset (application_name is back to empty); none runs under the app name.
        // The last releases may still be running just after the clients left.
        long deadline2 = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (countBackends(app) > 0 && System.nanoTime() < deadline2) {
            Thread.sleep(50);
        }
        assertEquals(0, countBackends(app));
        int idle = proxy.handler().pool().idleCount();
        assertTrue(idle >= 1 && idle <= 8, "idle " + idle);
        proxy.server().close();
        assertEquals(0, proxy.handler().pool().idleCount());
    }

    private static int countBackends(String applicationName) throws SQLException {
        try (Connection direct = DriverManager.getConnection(DIRECT_URL);
                PreparedStatement ps = direct.prepareStatement(
                        "select count(*) from pg_stat_activity where application_name = ?")) {
            ps.setString(1, applicationName);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** Waits until a backend of this application name runs a statement. */
    private static void awaitActive(String applicationName) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (Connection direct = DriverManager.getConnection(DIRECT_URL);
                PreparedStatement ps = direct.prepareStatement(
                        "select count(*) from pg_stat_activity where application_name = ? and state = 'active'")) {
            ps.setString(1, applicationName);
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
                assertTrue(System.nanoTime() < deadline, applicationName + " never ran its statement");
                Thread.sleep(20);
            }
        }
    }
}
