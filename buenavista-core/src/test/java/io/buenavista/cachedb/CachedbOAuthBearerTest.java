package io.buenavista.cachedb;

import io.buenavista.testing.BackendMessage.AuthenticationOk;
import io.buenavista.testing.BackendMessage.AuthenticationSASL;
import io.buenavista.testing.BackendMessage.AuthenticationSASLContinue;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.BackendMessage.ParameterStatus;
import io.buenavista.testing.BackendMessage.ReadyForQuery;
import io.buenavista.testing.BackendMessage;
import io.buenavista.testing.Frontend;
import io.buenavista.testing.FrontendMessage;
import io.buenavista.testing.WireClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code CACHEDB__PASSWORD_METHOD=oauthbearer}: a client whose user name is not a token is offered PostgreSQL 18's
 * OAUTHBEARER; the cachedb authenticator verifies the bearer token it sends and authorizes the route as for any
 * other login. A bad token gets the error challenge naming the issuer's discovery document and the scope.
 */
class CachedbOAuthBearerTest {
    private static final UUID DATASET = UUID.fromString("11111111-2222-3333-4444-555555555555");
    private static final String A_READ = "A|duckdb|" + DATASET;

    private final CachedbWorld world = new CachedbWorld();

    @BeforeEach
    void start() {
        world.start(s -> s.withPasswordMethod(CachedbSettings.PasswordMethod.OAUTHBEARER));
        world.usermgmt.researcher("researcher-1", DATASET);
        world.portal.dataset(DATASET, "alpdev_pg", "cdmdefault", "cdmvocab");
    }

    @AfterEach
    void stop() {
        world.close();
    }

    private WireClient offered() {
        WireClient c = WireClient.connect("127.0.0.1", world.port());
        c.startup(Map.of("user", "researcher", "database", A_READ));
        assertEquals(List.of("OAUTHBEARER"), c.expect(AuthenticationSASL.class).mechanisms());
        return c;
    }

    /** SASLInitialResponse for OAUTHBEARER carrying {@code auth=Bearer <token>}. */
    private static FrontendMessage.Raw bearer(String token) {
        byte[] name = "OAUTHBEARER".getBytes(StandardCharsets.US_ASCII);
        byte[] data = ("n,,\u0001auth=Bearer " + token + "\u0001\u0001").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(name.length + 1 + 4 + data.length);
        b.put(name).put((byte) 0).putInt(data.length).put(data);
        return Frontend.frame('p', b.array());
    }

    @Test
    void aValidTokenLogsInWithoutSaslFinalAndTheSessionRunsAsTheUserId() {
        String token = world.token("researcher-1").compact();
        try (WireClient c = offered()) {
            c.send(bearer(token));
            c.expect(AuthenticationOk.class);
            String sessionUser = null;
            for (BackendMessage m = c.next(); !(m instanceof ReadyForQuery); m = c.next()) {
                if (m instanceof ParameterStatus p && p.name().equals("session_authorization")) {
                    sessionUser = p.value();
                }
            }
            assertEquals("researcher-1", sessionUser);
        }
        RouteRecordingHandler.Opened opened = world.opened.get(0);
        assertEquals(new DatabaseRoute(Dialect.DUCKDB, ConnectionType.READ, "alpdev_pg", Optional.of("cdmdefault"),
                Optional.of("cdmvocab"), Optional.of(DATASET)), opened.route());
    }

    @Test
    void anExpiredTokenGetsTheChallengeThenFatal28P01WithoutTheToken() {
        String token = world.token("researcher-1").expiredAgo(java.time.Duration.ofMinutes(1)).compact();
        try (WireClient c = offered()) {
            c.send(bearer(token));
            String challenge = new String(c.expect(AuthenticationSASLContinue.class).data(), StandardCharsets.UTF_8);
            assertEquals("{ \"status\": \"invalid_token\", \"openid-configuration\": \"" + world.issuer.url()
                    + "/.well-known/openid-configuration\", \"scope\": \"" + CachedbWorld.SCOPE + "\" }", challenge);
            c.send(Frontend.frame('p', new byte[] {0x01}));
            ErrorResponse e = c.expectError("28P01");
            assertEquals("FATAL", e.severity());
            assertFalse(e.message().contains(token));
            c.expectClosed();
        }
        assertTrue(world.opened.isEmpty());
        assertTrue(world.audit.stream().noneMatch(line -> line.contains(token)));
    }
}
