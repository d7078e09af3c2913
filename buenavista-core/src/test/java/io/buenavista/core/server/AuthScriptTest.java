package io.buenavista.core.server;

import io.buenavista.api.AuthExchange;
import io.buenavista.api.Authenticator;
import io.buenavista.api.ConnectionParamParser;
import io.buenavista.api.PgException;
import io.buenavista.api.Principal;
import io.buenavista.api.Route;
import io.buenavista.api.StartupRequest;
import io.buenavista.core.auth.PasswordExchange;
import io.buenavista.testing.BackendMessage.AuthenticationCleartextPassword;
import io.buenavista.testing.BackendMessage.AuthenticationMD5Password;
import io.buenavista.testing.BackendMessage.AuthenticationOk;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.TestHandler;
import io.buenavista.testing.WireClient;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.function.UnaryOperator;

import static io.buenavista.testing.Frontend.password;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The authentication exchanges, scripted on the wire and through pgjdbc. */
class AuthScriptTest {
    private static final String USER = "alice";
    private static final String PASSWORD = "s3cret-Pässword";

    private static BuenaVistaServer start(Authenticator authenticator) {
        return start(b -> b.authenticator(authenticator));
    }

    private static BuenaVistaServer start(UnaryOperator<BuenaVistaServer.Builder> config) {
        return config.apply(TestServers.builder(new TestHandler())).build().start();
    }

    private static WireClient connect(BuenaVistaServer server) {
        return WireClient.connect("127.0.0.1", server.port());
    }

    /** Asks for the password in clear and accepts {@link #PASSWORD} for {@link #USER}. */
    private static Authenticator cleartext() {
        return new Authenticator() {
            @Override
            public String name() {
                return "cleartext";
            }

            @Override
            public AuthExchange exchange(StartupRequest request, Route route) {
                return new AuthExchange.CleartextPassword(password -> {
                    if (request.user().equals(USER) && password.equals(PASSWORD)) {
                        return Principal.of(USER);
                    }
                    throw new PgException("28P01", "password authentication failed for user \"" + request.user()
                            + "\"");
                });
            }
        };
    }

    /** MD5 against the hash PostgreSQL would store for {@link #PASSWORD}. */
    private static Authenticator md5() {
        return new Authenticator() {
            @Override
            public String name() {
                return "md5";
            }

            @Override
            public AuthExchange exchange(StartupRequest request, Route route) {
                return new AuthExchange.Md5Password(PasswordExchange.md5Hash(PASSWORD, request.user()),
                        Principal.of(request.user()));
            }
        };
    }

    private static void expectFatal(WireClient c, String sqlState) {
        ErrorResponse e = c.expectError(sqlState);
        assertEquals("FATAL", e.severity());
        c.expectClosed();
    }

    @Test
    void withoutAnAuthenticatorEveryClientIsTrusted() {
        try (BuenaVistaServer server = start(b -> b); WireClient c = connect(server)) {
            c.startup(Map.of("user", "anyone"));
            c.expect(AuthenticationOk.class);
            c.readUntilReady();
        }
    }

    @Test
    void cleartextPasswordRightIsAcceptedWrongIsFatal28P01() {
        try (BuenaVistaServer server = start(cleartext())) {
            try (WireClient c = connect(server)) {
                c.login(USER, "db", PASSWORD);
                assertEquals(USER, c.parameterStatus("session_authorization"));
            }
            try (WireClient c = connect(server)) {
                c.startup(Map.of("user", USER));
                c.expect(AuthenticationCleartextPassword.class);
                c.send(password("wrong"));
                expectFatal(c, "28P01");
            }
            try (WireClient c = connect(server)) {
                c.startup(Map.of("user", USER));
                c.expect(AuthenticationCleartextPassword.class);
                c.send(password(""));
                expectFatal(c, "28P01");
            }
        }
    }

    @Test
    void md5PasswordRightIsAcceptedWrongIsFatal28P01() {
        try (BuenaVistaServer server = start(md5())) {
            try (WireClient c = connect(server)) {
                c.login(USER, "db", PASSWORD);
            }
            try (WireClient c = connect(server)) {
                c.startup(Map.of("user", USER));
                AuthenticationMD5Password request = c.expect(AuthenticationMD5Password.class);
                c.send(password(WireClient.md5Answer(USER, "wrong", request.salt())));
                expectFatal(c, "28P01");
            }
            try (WireClient c = connect(server)) {
                // The right password salted for another user is the wrong answer.
                c.startup(Map.of("user", USER));
                AuthenticationMD5Password request = c.expect(AuthenticationMD5Password.class);
                c.send(password(WireClient.md5Answer("bob", PASSWORD, request.salt())));
                expectFatal(c, "28P01");
            }
        }
    }

    @Test
    void md5SaltDiffersPerConnection() {
        try (BuenaVistaServer server = start(md5()); WireClient a = connect(server); WireClient b = connect(server)) {
            a.startup(Map.of("user", USER));
            b.startup(Map.of("user", USER));
            byte[] saltA = a.expect(AuthenticationMD5Password.class).salt();
            byte[] saltB = b.expect(AuthenticationMD5Password.class).salt();
            // Equal four-byte salts from SecureRandom: one chance in 2^32.
            assertTrue(!java.util.Arrays.equals(saltA, saltB));
        }
    }

    @Test
    void authorizeRefusingIsFatal28000() {
        Authenticator refusing = new Authenticator() {
            @Override
            public String name() {
                return "refusing";
            }

            @Override
            public AuthExchange exchange(StartupRequest request, Route route) {
                return new AuthExchange.Trust(Principal.of(request.user()));
            }

            @Override
            public Principal authorize(Principal principal, StartupRequest request, Route route) {
                throw new PgException("28000", "user \"" + principal.name() + "\" may not use " + route.database());
            }
        };
        try (BuenaVistaServer server = start(refusing); WireClient c = connect(server)) {
            c.startup(Map.of("user", USER, "database", "db"));
            ErrorResponse e = c.expectError("28000");
            assertEquals("FATAL", e.severity());
            assertEquals("user \"alice\" may not use db", e.message());
            c.expectClosed();
        }
    }

    @Test
    void parserRefusingIsFatal3D000WithItsMessage() {
        ConnectionParamParser parser = new ConnectionParamParser() {
            @Override
            public String name() {
                return "only-test";
            }

            @Override
            public Route parse(StartupRequest request) {
                if (!request.database().equals("test")) {
                    throw new PgException("3D000", "database \"" + request.database() + "\" does not exist");
                }
                return Route.of(TestHandler.NAME, "test");
            }
        };
        try (BuenaVistaServer server = start(b -> b.parser(parser))) {
            try (WireClient c = connect(server)) {
                c.startup(Map.of("user", USER, "database", "nope"));
                ErrorResponse e = c.expectError("3D000");
                assertEquals("FATAL", e.severity());
                assertEquals("database \"nope\" does not exist", e.message());
                c.expectClosed();
            }
            try (WireClient c = connect(server)) {
                c.login(USER, "test");
            }
        }
    }

    @Test
    void pgjdbcLogsInWithACleartextPassword() throws SQLException {
        try (BuenaVistaServer server = start(cleartext())) {
            String url = "jdbc:postgresql://127.0.0.1:" + server.port() + "/test?sslmode=disable&user=" + USER;
            try (Connection c = DriverManager.getConnection(url + "&password=" + PASSWORD);
                    Statement s = c.createStatement(); ResultSet rs = s.executeQuery("rows 2")) {
                assertTrue(rs.next());
                assertEquals(1, rs.getLong(1));
            }
            SQLException e = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(url + "&password=wrong").close());
            assertEquals("28P01", e.getSQLState());
        }
    }
}
