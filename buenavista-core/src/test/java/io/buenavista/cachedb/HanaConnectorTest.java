package io.buenavista.cachedb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.buenavista.api.ConnectionParamParser;
import io.buenavista.api.Route;
import io.buenavista.api.StartupRequest;
import io.buenavista.core.jdbc.JdbcHandler;
import io.buenavista.core.server.BuenaVistaServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A client of the HANA route when the HANA server cannot be reached, or the session cannot log in: it gets a FATAL
 * error with PostgreSQL's SQLSTATE, in the configured time, and nothing secret. No HANA server (and no ngdbc) is
 * available here, so the connections go through pgjdbc, which honours the same two timeouts: the HANA connector's
 * choice of entry, login and timeouts runs as it would with ngdbc.
 */
@Timeout(60) // a guard against the hang the timeouts prevent, not a measurement
class HanaConnectorTest {
    private static final HanaConnections.Timeouts TIMEOUTS =
            new HanaConnections.Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(2));

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    /** An entry per port, with or without a read login, and a write login for {@code "rw"}. */
    private static DatabaseCredentials credentials(int port) {
        return DatabaseCredentials.parse("""
                [{"tags": ["analytics"], "values": {"code": "hana1", "dialect": "hana", "host": "127.0.0.1",
                  "port": %d, "databaseName": "HXE",
                  "credentials": {"user": "READER", "password": "r-Secret", "adminUser": "W", "adminPassword": "w-S"}}},
                 {"tags": ["analytics"], "values": {"code": "jwt", "dialect": "hana", "host": "127.0.0.1",
                  "port": %d, "databaseName": "HXE", "credentials": {}}}]
                """.formatted(port, port));
    }

    /** Opens through pgjdbc, with ngdbc's two timeouts as pgjdbc's, to the host and port of the HANA URL. */
    private static java.sql.Connection pgjdbc(String url, Properties hana) throws SQLException {
        String hostPort = url.substring("jdbc:sap://".length(), url.indexOf("/?"));
        Properties pg = new Properties();
        pg.setProperty("user", "postgres");
        pg.setProperty("sslmode", "disable");
        pg.setProperty("connectTimeout", seconds(hana.getProperty("connectTimeout")));
        pg.setProperty("socketTimeout", seconds(hana.getProperty("communicationTimeout")));
        return DriverManager.getConnection("jdbc:postgresql://" + hostPort + "/test", pg);
    }

    private static String seconds(String millis) {
        return Long.toString(Math.max(1, Long.parseLong(millis) / 1000));
    }

    /** A server whose {@code hana} route is served by the connector; the client's database name is the code. */
    private BuenaVistaServer server(HanaConnector connector) {
        ConnectionParamParser parser = new ConnectionParamParser() {
            @Override
            public String name() {
                return "test-hana";
            }

            @Override
            public Route parse(StartupRequest request) {
                // "CODE" reads, "CODE.rw" writes
                boolean write = request.database().endsWith(".rw");
                String code = write ? request.database().substring(0, request.database().length() - 3)
                        : request.database();
                return new DatabaseRoute(Dialect.HANA, write ? ConnectionType.WRITE : ConnectionType.READ, code,
                        Optional.of("CDM"), Optional.empty(), Optional.empty());
            }
        };
        BuenaVistaServer server = BuenaVistaServer.builder().port(0).discoverProviders(false).parser(parser)
                .handler(new JdbcHandler(Dialect.HANA.handlerName(), connector, new HanaDialect(), 100))
                .build().start();
        toClose.add(server);
        return server;
    }

    private static SQLException clientFails(BuenaVistaServer server, String code, String readOrWrite) {
        String database = readOrWrite.equals("rw") ? code + ".rw" : code;
        return assertThrows(SQLException.class, () -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:"
                + server.port() + "/" + database + "?user=ada&sslmode=disable").close());
    }

    @Test
    void aClosedPortIsRefusedAtOnce() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        BuenaVistaServer server = server(new HanaConnector(credentials(closed), TIMEOUTS, c -> Optional.empty(), 2,
                (url, p) -> pgjdbc(url, p)));

        SQLException e = clientFails(server, "hana1", "r");
        assertEquals("08001", e.getSQLState(), e.getMessage());
        assertFalse(e.getMessage().contains("r-Secret"), e.getMessage());
    }

    @Test
    void aPortThatAcceptsAndNeverAnswersEndsAfterTheCommunicationTimeout() throws IOException {
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        toClose.add(silent);
        List<Socket> accepted = new ArrayList<>();
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    Socket s = silent.accept(); // and never a byte back
                    synchronized (accepted) {
                        accepted.add(s);
                    }
                }
            } catch (IOException closed) {
                // the test is over
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        toClose.add(() -> {
            synchronized (accepted) {
                for (Socket s : accepted) {
                    s.close();
                }
            }
        });
        BuenaVistaServer server = server(new HanaConnector(credentials(silent.getLocalPort()), TIMEOUTS,
                c -> Optional.empty(), 2, (url, p) -> pgjdbc(url, p)));

        SQLException e = clientFails(server, "hana1", "r");
        assertEquals("08001", e.getSQLState(), e.getMessage());
        synchronized (accepted) {
            assertEquals(1, accepted.size(), "the connector did reach the silent port, once");
        }
    }

    @Test
    void anUnknownCodeIs3D000NamingIt() {
        BuenaVistaServer server = server(new HanaConnector(credentials(1), TIMEOUTS, c -> Optional.empty(), 2,
                (url, p) -> {
                    throw new AssertionError("no connection for an unknown code");
                }));

        SQLException e = clientFails(server, "nope", "r");
        assertEquals("3D000", e.getSQLState());
        assertTrue(e.getMessage().contains("hana database \"nope\" does not exist"), e.getMessage());
    }

    @Test
    void readAndWriteUseTheirOwnLogins() {
        AtomicReference<Properties> seen = new AtomicReference<>();
        BuenaVistaServer server = server(new HanaConnector(credentials(1), TIMEOUTS, c -> Optional.empty(), 2,
                (url, p) -> {
                    seen.set(p);
                    throw new SQLException("recorded", "08001");
                }));

        clientFails(server, "hana1", "r");
        assertEquals("READER", seen.get().getProperty("user"));
        assertEquals("r-Secret", seen.get().getProperty("password"));
        clientFails(server, "hana1", "rw");
        assertEquals("W", seen.get().getProperty("user"));
        assertEquals("w-S", seen.get().getProperty("password"));
    }

    @Test
    void withoutAReadLoginTheUsersOwnTokenLogsIn() {
        AtomicReference<Properties> seen = new AtomicReference<>();
        AtomicReference<String> url = new AtomicReference<>();
        BuenaVistaServer server = server(new HanaConnector(credentials(30015), TIMEOUTS,
                c -> Optional.of("token-of-" + c.principal().name()), 2, (u, p) -> {
                    url.set(u);
                    seen.set(p);
                    throw new SQLException("SAP DBTech JDBC: [10]: authentication failed", "HY000", 10);
                }));

        SQLException e = clientFails(server, "jwt", "r");
        assertEquals("jdbc:sap://127.0.0.1:30015/?databaseName=HXE", url.get());
        assertEquals("", seen.get().getProperty("user"));
        assertEquals("token-of-ada", seen.get().getProperty("password"));
        assertEquals("28P01", e.getSQLState(), "HANA's authentication failure, classified");
        assertFalse(e.getMessage().contains("token-of-ada"), e.getMessage());
    }

    @Test
    void aTokenLoginWithoutATokenOrAWriteWithoutItsLoginIsRefused() {
        BuenaVistaServer server = server(new HanaConnector(credentials(1), TIMEOUTS, c -> Optional.empty(), 2,
                (url, p) -> {
                    throw new AssertionError("no connection without a login");
                }));

        SQLException noToken = clientFails(server, "jwt", "r");
        assertEquals("28000", noToken.getSQLState());
        assertTrue(noToken.getMessage().contains("logs users in with their token"), noToken.getMessage());
        SQLException noWriteLogin = clientFails(server, "jwt", "rw");
        assertEquals("28000", noWriteLogin.getSQLState());
        assertTrue(noWriteLogin.getMessage().contains("has no write login"), noWriteLogin.getMessage());
    }

    @Test
    void withoutSapsDriverTheClientIsToldSo() {
        BuenaVistaServer server = server(new HanaConnector(credentials(30015), TIMEOUTS, c -> Optional.empty(), 2));

        SQLException e = clientFails(server, "hana1", "r");
        assertEquals("08001", e.getSQLState());
        assertTrue(e.getMessage().contains("com.sap.cloud.db.jdbc:ngdbc"), e.getMessage());
    }
}
