package io.buenavista.cachedb;

import io.buenavista.api.Admission;
import io.buenavista.api.AuthExchange;
import io.buenavista.api.PgException;
import io.buenavista.api.Principal;
import io.buenavista.api.Route;
import io.buenavista.api.StartupRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exchange the authenticator chooses per connection, seen through the SPI: a token in the user name needs no
 * exchange; a token as a password is asked for only over TLS or loopback (unless allowed); OAUTHBEARER when
 * configured. The wire side of each is the core's and is tested there.
 */
class CachedbExchangeTest {
    private static final UUID DATASET = UUID.fromString("11111111-2222-3333-4444-555555555555");
    private static final DatasetRoute ROUTE = new DatasetRoute(Dialect.DUCKDB, ConnectionType.READ, DATASET);
    private static final InetSocketAddress REMOTE = new InetSocketAddress("192.0.2.7", 50000);
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 50000);

    private final CachedbWorld world = new CachedbWorld();

    @AfterEach
    void stop() {
        world.close();
    }

    private static StartupRequest request(String user, InetSocketAddress from, boolean tls) {
        return new StartupRequest(user, ROUTE.database(), "", Map.of(), Map.of("user", user), from, tls);
    }

    private CachedbAuthenticator authenticator(CachedbSettings settings) {
        return new CachedbAuthenticator(settings, world.clock, world.audit::add);
    }

    @Test
    void aTokenAsUserNameNeedsNoExchange() {
        world.usermgmt.researcher("researcher-1", DATASET);
        world.portal.dataset(DATASET, "alpdev_pg", "cdmdefault", "cdmvocab");
        CachedbAuthenticator a = authenticator(world.settings());
        String token = world.token("researcher-1").compact();
        StartupRequest req = request("Bearer " + token, REMOTE, false);
        AuthExchange.Trust trust = assertInstanceOf(AuthExchange.Trust.class, a.exchange(req, ROUTE));
        Admission admission = a.admit(trust.principal(), req, ROUTE);
        assertEquals(Principal.of("researcher-1"), admission.principal());
        assertEquals(Optional.empty(), admission.expiresAt(), "sessions outlive tokens by default");
        assertEquals(new DatabaseRoute(Dialect.DUCKDB, ConnectionType.READ, "alpdev_pg", Optional.of("cdmdefault"),
                Optional.of("cdmvocab"), Optional.of(DATASET)), admission.route());
        // A principal the exchange did not make is not admitted.
        PgException e = assertThrows(PgException.class, () -> a.admit(Principal.of("researcher-1"), req, ROUTE));
        assertEquals("28P01", e.sqlState());
    }

    @Test
    void aPasswordTokenOverPlainTcpFromAnotherHostIsRefusedBeforeItIsSent() {
        CachedbAuthenticator a = authenticator(world.settings());
        PgException e = assertThrows(PgException.class, () -> a.exchange(request("someone", REMOTE, false), ROUTE));
        assertEquals("28000", e.sqlState());
        assertEquals(PgException.Severity.FATAL, e.severity());
        assertInstanceOf(AuthExchange.CleartextPassword.class, a.exchange(request("someone", REMOTE, true), ROUTE));
        assertInstanceOf(AuthExchange.CleartextPassword.class,
                a.exchange(request("someone", LOOPBACK, false), ROUTE));
        CachedbAuthenticator allowing = authenticator(world.settings().withAllowPlaintextPassword(true));
        assertInstanceOf(AuthExchange.CleartextPassword.class,
                allowing.exchange(request("someone", REMOTE, false), ROUTE));
    }

    @Test
    void oauthBearerIsOfferedWhenConfiguredAndItsVerifierChecksTheToken() {
        world.usermgmt.admin("admin-1");
        world.portal.dataset(DATASET, "alpdev_pg", "cdmdefault", "cdmvocab");
        CachedbAuthenticator a = authenticator(world.settings()
                .withPasswordMethod(CachedbSettings.PasswordMethod.OAUTHBEARER));
        StartupRequest req = request("someone", LOOPBACK, false);
        AuthExchange.OAuthBearer bearer = assertInstanceOf(AuthExchange.OAuthBearer.class, a.exchange(req, ROUTE));
        assertEquals(world.issuer.url() + "/.well-known/openid-configuration", bearer.openidConfiguration());
        assertEquals(CachedbWorld.SCOPE, bearer.scope());
        String expired = world.token("admin-1").expiredAgo(java.time.Duration.ofMinutes(1)).compact();
        PgException e = assertThrows(PgException.class, () -> bearer.verifier().verify(expired));
        assertEquals("28P01", e.sqlState());
        assertFalse(e.getMessage().contains(expired));
        Principal proven = bearer.verifier().verify(world.token("admin-1").compact());
        assertEquals("admin-1", a.admit(proven, req, ROUTE).principal().name());
        // A token in the user name still needs no exchange.
        assertInstanceOf(AuthExchange.Trust.class,
                a.exchange(request(world.token("admin-1").compact(), LOOPBACK, false), ROUTE));
    }

    @Test
    void aRouteThatIsNotCachedbIsRefused3D000() {
        CachedbAuthenticator a = authenticator(world.settings());
        PgException e = assertThrows(PgException.class,
                () -> a.exchange(request("someone", LOOPBACK, false), Route.of("cachedb-duckdb", "x")));
        assertEquals("3D000", e.sqlState());
        assertTrue(world.audit.get(0).contains("decision=refused sqlstate=3D000"), world.audit.toString());
    }
}
