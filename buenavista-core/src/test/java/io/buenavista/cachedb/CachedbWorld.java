package io.buenavista.cachedb;

import io.buenavista.api.QueryHandler;
import io.buenavista.core.server.BuenaVistaServer;
import io.buenavista.testing.http.FakeOpenIdIssuer;
import io.buenavista.testing.http.FakePortal;
import io.buenavista.testing.http.FakeUserManagement;
import org.postgresql.PGConnection;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * The platform around a cachedb server, for one test: a fake issuer, user management and portal over real HTTP, a
 * Buena Vista server with the cachedb authenticator in front of route-recording handlers, and the audit lines.
 */
final class CachedbWorld implements AutoCloseable {
    static final String SCOPE = "cachedb-scope";

    /** What a pgjdbc login ended with. */
    record Outcome(String sqlState, String severity, String message, String sessionUser,
            RouteRecordingHandler.Opened opened, List<String> auditLines) {
        boolean admitted() {
            return sqlState == null;
        }

        @Override
        public String toString() {
            return admitted() ? "admitted as " + sessionUser + " on " + opened : severity + " " + sqlState + " "
                    + message + " audit=" + auditLines;
        }
    }

    final FakeOpenIdIssuer issuer = FakeOpenIdIssuer.start();
    final FakeUserManagement usermgmt = FakeUserManagement.start();
    final FakePortal portal = FakePortal.start();
    final MutableClock clock = new MutableClock();
    final CopyOnWriteArrayList<RouteRecordingHandler.Opened> opened = new CopyOnWriteArrayList<>();
    final CopyOnWriteArrayList<String> audit = new CopyOnWriteArrayList<>();
    private BuenaVistaServer server;
    CachedbAuthenticator authenticator;

    CachedbSettings.ServiceRoutes routes() {
        return new CachedbSettings.ServiceRoutes(issuer.url(), usermgmt.url(), portal.url());
    }

    /** A delay no answer survives: longer than {@link #shortTimeouts}. */
    static final Duration SLOW = Duration.ofSeconds(30);

    /**
     * Test defaults: no JWKS refresh throttle; HTTP timeouts long enough for a first call on a loaded machine (the
     * tests that need a service to be too slow set {@link #shortTimeouts}).
     */
    CachedbSettings settings() {
        return CachedbSettings.defaults(routes(), SCOPE).withJwksMinRefresh(Duration.ZERO)
                .withHttpTimeouts(Duration.ofSeconds(15), Duration.ofSeconds(15));
    }

    /** Timeouts that a {@link #SLOW} answer exceeds, for the tests of slow services. */
    static CachedbSettings shortTimeouts(CachedbSettings s) {
        return s.withHttpTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2));
    }

    CachedbWorld start() {
        return start(s -> s);
    }

    CachedbWorld start(UnaryOperator<CachedbSettings> customize) {
        return start(customize, List.of());
    }

    /** Starts with these real handlers in place of the recording handlers of the same names. */
    CachedbWorld start(UnaryOperator<CachedbSettings> customize, List<QueryHandler> handlers) {
        CachedbSettings settings = customize.apply(settings());
        authenticator = new CachedbAuthenticator(settings, clock, audit::add);
        BuenaVistaServer.Builder b = BuenaVistaServer.builder().port(0).discoverProviders(false)
                .parser(new CachedbRouteParser()).authenticator(authenticator).clock(clock);
        handlers.forEach(b::handler);
        RouteRecordingHandler.forEveryDialect(opened).stream()
                .filter(r -> handlers.stream().noneMatch(h -> h.name().equals(r.name()))).forEach(b::handler);
        server = b.build().start();
        return this;
    }

    int port() {
        return server.port();
    }

    /** A token for {@code user} with the scope as audience, valid five minutes, signed with the current key. */
    FakeOpenIdIssuer.Token token(String user) {
        return issuer.token(user, SCOPE);
    }

    /** A pgjdbc connection (no TLS) with these credentials. */
    Connection connect(String user, String password, String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("sslmode", "disable");
        p.setProperty("connectTimeout", "20");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port() + "/"
                + java.net.URLEncoder.encode(database, java.nio.charset.StandardCharsets.UTF_8), p);
    }

    /** Logs in with pgjdbc (no TLS) and runs one statement; the outcome and the audit lines it wrote. */
    Outcome login(String user, String password, String database) {
        int auditBefore = audit.size();
        int openedBefore = opened.size();
        try (Connection c = connect(user, password, database)) {
            String sessionUser = c.unwrap(PGConnection.class).getParameterStatus("session_authorization");
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("rows 1")) {
                rs.next();
            }
            return new Outcome(null, null, null, sessionUser, opened.size() > openedBefore ? opened.get(openedBefore)
                    : null, List.copyOf(audit.subList(auditBefore, audit.size())));
        } catch (PSQLException e) {
            ServerErrorMessage m = e.getServerErrorMessage();
            return new Outcome(e.getSQLState(), m == null ? null : m.getSeverity(),
                    m == null ? e.getMessage() : m.getMessage(), null,
                    opened.size() > openedBefore ? opened.get(openedBefore) : null,
                    List.copyOf(audit.subList(auditBefore, audit.size())));
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        issuer.close();
        usermgmt.close();
        portal.close();
    }
}
