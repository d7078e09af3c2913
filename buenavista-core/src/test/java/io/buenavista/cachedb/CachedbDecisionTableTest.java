package io.buenavista.cachedb;

import io.buenavista.testing.http.FakeHttpService.Answer;
import io.buenavista.testing.http.FakeHttpService.Request;
import io.buenavista.testing.http.FakeOpenIdIssuer;
import io.buenavista.testing.http.FakeUserManagement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The original cachedb's decision table, each case a real login: pgjdbc connects to a Buena Vista server whose
 * cachedb authenticator asks a fake issuer, user management and portal over HTTP, and whose handlers record the
 * route they were opened with. Every refusal is FATAL with the listed SQLSTATE, and neither the client's message
 * nor the audit line contains the token.
 */
class CachedbDecisionTableTest {
    private static final UUID DATASET = UUID.fromString("11111111-2222-3333-4444-555555555555");
    private static final UUID OTHER_DATASET = UUID.fromString("99999999-2222-3333-4444-555555555555");
    private static final String A_READ = "A|duckdb|" + DATASET;

    private final CachedbWorld world = new CachedbWorld();

    @AfterEach
    void stop() {
        world.close();
    }

    private CachedbWorld.Outcome refused(CachedbWorld.Outcome o, String sqlState, String token) {
        assertEquals(sqlState, o.sqlState(), o.toString());
        assertEquals("FATAL", o.severity(), o.toString());
        assertFalse(o.message().contains(token), o.toString());
        assertEquals(1, o.auditLines().size(), o.toString());
        String line = o.auditLines().get(0);
        assertTrue(line.contains("decision=refused sqlstate=" + sqlState), line);
        assertFalse(line.contains(token), line);
        assertEquals(null, o.opened(), "no session may open");
        return o;
    }

    private CachedbWorld.Outcome admitted(CachedbWorld.Outcome o, String user, String token) {
        assertTrue(o.admitted(), o.toString());
        assertEquals(user, o.sessionUser(), "session_authorization is the user id");
        assertEquals(user, o.opened().principal().name());
        assertEquals(1, o.auditLines().size(), o.toString());
        String line = o.auditLines().get(0);
        assertTrue(line.startsWith("cachedb login user=" + user + " ") && line.contains("decision=allowed"), line);
        assertFalse(line.contains(token), line);
        // The handler gets the bare token, to log in to a backend as the user (HANA's JWT mode).
        assertEquals(token.startsWith("Bearer ") ? token.substring(7) : token,
                o.opened().token().orElseThrow().value());
        return o;
    }

    private void setUpResearcherAndDataset() {
        world.usermgmt.researcher("researcher-1", DATASET);
        world.portal.dataset(DATASET, "alpdev_pg", "cdmdefault", "cdmvocab");
    }

    private static DatabaseRoute resolvedDataset(Dialect dialect, ConnectionType type) {
        return new DatabaseRoute(dialect, type, "alpdev_pg", Optional.of("cdmdefault"), Optional.of("cdmvocab"),
                Optional.of(DATASET));
    }

    // --- who may do what

    @Test
    void everyMalformedDatabaseStringIs3D000BeforeAnyHttpCall() {
        world.start();
        setUpResearcherAndDataset();
        String token = world.token("researcher-1").compact();
        String tooLong = "x".repeat(64);
        for (String database : List.of("", "C|duckdb|" + DATASET, "A|mysql|" + DATASET, "A|duckdb",
                "B|duckdb|code", "B|postgresql|code;drop", "B|duckdb|../../etc|x|y", "A|duckdb|read|" + DATASET + "|x",
                "B|postgresql|a|b|c|d", "B|postgresql|" + tooLong, "B|duckdb|code|" + tooLong + "|vocab",
                "A|duckdb|not-a-uuid", "A|duckdb|" + token)) {
            CachedbWorld.Outcome o = world.login(token, null, database);
            assertEquals("3D000", o.sqlState(), database + ": " + o);
            assertEquals("FATAL", o.severity(), o.toString());
            assertFalse(o.message().contains(token), o.toString());
            assertTrue(o.auditLines().isEmpty(), o.toString());
            assertEquals(null, o.opened(), "no session may open");
        }
        assertEquals(0, world.issuer.jwksRequests(), "no JWKS fetched");
        assertTrue(world.usermgmt.requests().isEmpty(), "no user management call");
        assertTrue(world.portal.requests().isEmpty(), "no portal call");
    }

    @Test
    void clientCredentialsMayUseProtocolBAndWriteWithoutAskingUserManagement() {
        world.start(s -> s.withClientId("alp-data-client"));
        String token = world.token("alp-data-client").compact();
        CachedbWorld.Outcome o = admitted(world.login(token, null, "B|duckdb|write|alpdev_pg|cdmdefault|cdmvocab"),
                "alp-data-client", token);
        assertEquals(new DatabaseRoute(Dialect.DUCKDB, ConnectionType.WRITE, "alpdev_pg", Optional.of("cdmdefault"),
                Optional.of("cdmvocab"), Optional.empty()), o.opened().route());
        assertEquals("cachedb-duckdb", o.opened().handler());
        assertTrue(world.usermgmt.requests().isEmpty(), "client credentials need no user management call");
    }

    @Test
    void anUnsetClientIdNeverMatches() {
        world.start();
        String token = world.token("alp-data-client").compact();
        refused(world.login(token, null, "B|duckdb|alpdev_pg|cdmdefault|cdmvocab"), "28000", token);
        assertEquals(1, world.usermgmt.requests().size(), "without a client id the user is looked up");
    }

    @Test
    void systemAdminMayUseProtocolBWithTheClientsAuthorizationHeaderForwarded() {
        world.start();
        world.usermgmt.admin("admin-1");
        String token = world.token("admin-1").compact();
        CachedbWorld.Outcome o = admitted(world.login("Bearer " + token, null, "B|postgresql|write|alpdev_pg"),
                "admin-1", token);
        assertEquals(new DatabaseRoute(Dialect.POSTGRESQL, ConnectionType.WRITE, "alpdev_pg", Optional.empty(),
                Optional.empty(), Optional.empty()), o.opened().route());
        assertEquals("cachedb-postgresql", o.opened().handler());
        List<Request> calls = world.usermgmt.requests();
        assertEquals(1, calls.size());
        assertEquals("POST", calls.get(0).method());
        assertEquals(FakeUserManagement.PATH, calls.get(0).path());
        assertEquals("{\"userId\":\"admin-1\"}", calls.get(0).body());
        assertEquals("Bearer " + token, calls.get(0).header("Authorization"), "exactly what the client sent");
    }

    @Test
    void systemAdminWithADatasetGetsItResolvedByThePortal() {
        world.start();
        world.usermgmt.admin("admin-1");
        world.portal.dataset(DATASET, "alpdev_pg", "cdmdefault", "cdmvocab");
        String token = world.token("admin-1").compact();
        CachedbWorld.Outcome o = admitted(world.login(token, null, "A|hana|write|" + DATASET), "admin-1", token);
        assertEquals(resolvedDataset(Dialect.HANA, ConnectionType.WRITE), o.opened().route());
        assertEquals("cachedb-hana", o.opened().handler());
        assertEquals("Bearer " + token, world.portal.requests().get(0).header("Authorization"),
                "a bare token is forwarded as a bearer header");
        assertEquals("datasetId=" + DATASET, world.portal.requests().get(0).query());
    }

    @Test
    void researcherWithTheDatasetReadsItAtTheDatabaseThePortalNames() {
        world.start();
        setUpResearcherAndDataset();
        String token = world.token("researcher-1").compact();
        CachedbWorld.Outcome o = admitted(world.login(token, null, A_READ), "researcher-1", token);
        assertEquals(resolvedDataset(Dialect.DUCKDB, ConnectionType.READ), o.opened().route());
        assertEquals("alpdev_pg", o.opened().route().database());
        assertTrue(o.auditLines().get(0).contains("route=A|duckdb|read|" + DATASET
                + " resolved=B|duckdb|read|alpdev_pg|cdmdefault|cdmvocab decision=allowed"), o.auditLines().get(0));
        // The later form with an explicit connection type decides the same.
        admitted(world.login(token, null, "A|duckdb|read|" + DATASET), "researcher-1", token);
    }

    @Test
    void researcherWithoutTheDatasetIsRefused28000NamingIt() {
        world.start();
        setUpResearcherAndDataset();
        String token = world.token("researcher-1").compact();
        CachedbWorld.Outcome o = refused(world.login(token, null, "A|duckdb|" + OTHER_DATASET), "28000", token);
        assertEquals("user does not have access to dataset " + OTHER_DATASET, o.message());
        assertTrue(world.portal.requests().isEmpty(), "a refused dataset is not looked up");
    }

    @Test
    void anUnknownUserIsRefused28000() {
        world.start();
        String token = world.token("nobody").compact();
        CachedbWorld.Outcome o = refused(world.login(token, null, A_READ), "28000", token);
        assertEquals("user \"nobody\" does not exist", o.message());
    }

    @Test
    void protocolBAsNonAdminIsRefused28000() {
        world.start();
        setUpResearcherAndDataset();
        String token = world.token("researcher-1").compact();
        CachedbWorld.Outcome o = refused(world.login(token, null, "B|duckdb|alpdev_pg|cdmdefault|cdmvocab"), "28000",
                token);
        assertTrue(o.message().contains("only for system administrators"), o.message());
    }

    @Test
    void writeAsNonAdminIsRefused28000EvenForTheirDataset() {
        world.start();
        setUpResearcherAndDataset();
        String token = world.token("researcher-1").compact();
        CachedbWorld.Outcome o = refused(world.login(token, null, "A|duckdb|write|" + DATASET), "28000", token);
        assertEquals("write connections are only for system administrators", o.message());
    }

    // --- the token itself

    @Test
    void anExpiredTokenIs28P01() {
        world.start();
        setUpResearcherAndDataset();
        String token = world.token("researcher-1").expiredAgo(Duration.ofSeconds(5)).compact();
        CachedbWorld.Outcome o = refused(world.login(token, null, A_READ), "28P01", token);
        assertEquals("token authentication failed: token expired", o.message());
        assertTrue(world.usermgmt.requests().isEmpty());
    }

    @Test
    void clockSkewToleratesARecentlyExpiredToken() {
        world.start(s -> s.withClockSkew(Duration.ofSeconds(30)));
        setUpResearcherAndDataset();
        String token = world.token("researcher-1").expiredAgo(Duration.ofSeconds(5)).compact();
        admitted(world.login(token, null, A_READ), "researcher-1", token);
    }

    @Test
    void aTokenNotYetValidIs28P01() {
        world.start();
        setUpResearcherAndDataset();
        String token = world.token("researcher-1").notBeforeIn(Duration.ofMinutes(2)).compact();
        assertEquals("token authentication failed: token not yet valid",
                refused(world.login(token, null, A_READ), "28P01", token).message());
    }

    @Test
    void aTokenWithoutExpiryIs28P01() {
        world.start();
        setUpResearcherAndDataset();
        String token = world.token("researcher-1").noExpiry().compact();
        assertEquals("token authentication failed: token has no expiry",
                refused(world.login(token, null, A_READ), "28P01", token).message());
    }

    @Test
    void aTokenWithoutOrWithAnEmptyUserIdIs28P01() {
        world.start();
        setUpResearcherAndDataset();
        String missing = world.token("researcher-1").claim("sub", null).compact();
        assertEquals("token authentication failed: token has no user id (claim \"sub\")",
                refused(world.login(missing, null, A_READ), "28P01", missing).message());
        String empty = world.token("").compact();
        refused(world.login(empty, null, A_READ), "28P01", empty);
    }

    @Test
    void theUserIdComesFromTheConfiguredClaim() {
        world.start(s -> s.withSubjectClaim("oid"));
        setUpResearcherAndDataset();
        String token = world.token("someone-else").claim("oid", "researcher-1").compact();
        admitted(world.login(token, null, A_READ), "researcher-1", token);
        String without = world.token("researcher-1").compact();
        refused(world.login(without, null, A_READ), "28P01", without);
    }

    @Test
    void aWrongAudienceIs28P01() {
        world.start();
        setUpResearcherAndDataset();
        String token = world.issuer.token("researcher-1", "another-service").compact();
        assertEquals("token authentication failed: wrong audience",
                refused(world.login(token, null, A_READ), "28P01", token).message());
    }

    @Test
    void aWrongIssuerIs28P01WhenTheIssuerIsConfigured() {
        world.start(s -> s.withJwtIssuer("https://issuer.example"));
        setUpResearcherAndDataset();
        String wrong = world.token("researcher-1").claim("iss", "https://evil.example").compact();
        assertEquals("token authentication failed: wrong issuer",
                refused(world.login(wrong, null, A_READ), "28P01", wrong).message());
        String right = world.token("researcher-1").claim("iss", "https://issuer.example").compact();
        admitted(world.login(right, null, A_READ), "researcher-1", right);
    }

    @Test
    void aWrongSignatureIs28P01() {
        world.start();
        setUpResearcherAndDataset();
        String tampered = world.token("researcher-1").withBadSignature();
        assertEquals("token authentication failed: bad signature",
                refused(world.login(tampered, null, A_READ), "28P01", tampered).message());
        // Signed by a key the issuer never published, under the published key's id.
        String forged = world.token("researcher-1").signedBy(FakeOpenIdIssuer.unpublishedKey("key-1")).compact();
        refused(world.login(forged, null, A_READ), "28P01", forged);
    }

    @Test
    void algNoneIs28P01() {
        world.start();
        setUpResearcherAndDataset();
        String token = world.token("researcher-1").unsigned();
        assertEquals("token authentication failed: algorithm \"none\" is not allowed",
                refused(world.login(token, null, A_READ), "28P01", token).message());
    }

    @Test
    void hs256SignedWithThePublicKeyIs28P01() {
        world.start();
        setUpResearcherAndDataset();
        String token = world.token("researcher-1").hs256WithPublicKey();
        assertEquals("token authentication failed: algorithm \"HS256\" is not allowed",
                refused(world.login(token, null, A_READ), "28P01", token).message());
    }

    @Test
    void aKeyDeclaringAnotherAlgorithmIs28P01() {
        world.start(s -> s.withJwtAlgorithms(List.of("ES384", "ES512")));
        setUpResearcherAndDataset();
        FakeOpenIdIssuer.SigningKey es512Key = world.issuer.addKey("key-declared-es512", "ES512");
        String token = new FakeOpenIdIssuer.Token(es512Key).claim("sub", "researcher-1")
                .claim("aud", CachedbWorld.SCOPE).expiresIn(Duration.ofMinutes(5)).compact();
        assertEquals("token authentication failed: the signing key is not for algorithm \"ES384\"",
                refused(world.login(token, null, A_READ), "28P01", token).message());
    }

    @Test
    void keysNamedOrEmbeddedInTheHeaderAreIgnored() {
        world.start();
        setUpResearcherAndDataset();
        FakeOpenIdIssuer.SigningKey attacker = FakeOpenIdIssuer.unpublishedKey("key-1");
        String embedded = world.token("researcher-1").signedBy(attacker).header("jwk", attacker.jwk())
                .header("jku", "http://127.0.0.1:9/attacker-jwks").compact();
        assertEquals("token authentication failed: bad signature",
                refused(world.login(embedded, null, A_READ), "28P01", embedded).message());
    }

    @Test
    void anUnknownKidIsRefusedUntilTheIssuerPublishesTheRotatedKey() {
        world.start();
        setUpResearcherAndDataset();
        String before = world.token("researcher-1").compact();
        admitted(world.login(before, null, A_READ), "researcher-1", before);
        assertEquals(1, world.issuer.jwksRequests());

        FakeOpenIdIssuer.SigningKey next = FakeOpenIdIssuer.unpublishedKey("key-2");
        String rotated = new FakeOpenIdIssuer.Token(next).claim("sub", "researcher-1")
                .claim("aud", CachedbWorld.SCOPE).expiresIn(Duration.ofMinutes(5)).compact();
        assertEquals("token authentication failed: unknown signing key",
                refused(world.login(rotated, null, A_READ), "28P01", rotated).message());
        assertEquals(2, world.issuer.jwksRequests(), "an unknown kid refreshes the JWKS");

        world.issuer.publish(next);
        world.issuer.retire("key-1");
        admitted(world.login(rotated, null, A_READ), "researcher-1", rotated);
        assertEquals(3, world.issuer.jwksRequests());
    }

    @Test
    void concurrentLoginsWithANewKeyFetchTheJwksOnce() throws Exception {
        world.start(s -> s.withJwksMinRefresh(Duration.ofMinutes(10)));
        setUpResearcherAndDataset();
        String first = world.token("researcher-1").compact();
        admitted(world.login(first, null, A_READ), "researcher-1", first);
        world.clock.advance(Duration.ofMinutes(11));
        world.issuer.addKey("key-2");
        int logins = 12;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(logins);
        try {
            List<java.util.concurrent.Future<CachedbWorld.Outcome>> outcomes = new java.util.ArrayList<>();
            for (int i = 0; i < logins; i++) {
                String token = world.token("researcher-1").expiresIn(Duration.ofMinutes(30)).claim("jti", "t" + i)
                        .compact();
                outcomes.add(pool.submit(() -> world.login(token, null, A_READ)));
            }
            for (java.util.concurrent.Future<CachedbWorld.Outcome> o : outcomes) {
                assertTrue(o.get().admitted(), o.get().toString());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(2, world.issuer.jwksRequests(), "one fetch for the new key, however many logins wait for it");
    }

    @Test
    void unknownKidsRefreshTheJwksAtMostOncePerMinimumInterval() {
        world.start(s -> s.withJwksMinRefresh(Duration.ofMinutes(10)));
        setUpResearcherAndDataset();
        String good = world.token("researcher-1").compact();
        admitted(world.login(good, null, A_READ), "researcher-1", good);
        for (int i = 0; i < 5; i++) {
            String madeUp = world.token("researcher-1").kid("made-up-" + i).compact();
            refused(world.login(madeUp, null, A_READ), "28P01", madeUp);
        }
        assertEquals(1, world.issuer.jwksRequests(), "the first fetch was recent: no refetch");
        world.clock.advance(Duration.ofMinutes(11));
        FakeOpenIdIssuer.SigningKey next = world.issuer.addKey("key-2");
        // The server's clock is 11 minutes ahead now: the token must outlive that.
        String rotated = world.token("researcher-1").expiresIn(Duration.ofMinutes(30)).compact();
        assertEquals("key-2", next.kid());
        admitted(world.login(rotated, null, A_READ), "researcher-1", rotated);
        assertEquals(2, world.issuer.jwksRequests());
    }

    // --- where the token comes from

    @Test
    void theTokenMayComeAsThePasswordAndTheSessionRunsAsTheUserId() {
        world.start();
        setUpResearcherAndDataset();
        String token = world.token("researcher-1").compact();
        CachedbWorld.Outcome o = admitted(world.login("any-name", token, A_READ), "researcher-1", token);
        assertEquals(resolvedDataset(Dialect.DUCKDB, ConnectionType.READ), o.opened().route());
        assertEquals("Bearer " + token, world.usermgmt.requests().get(0).header("Authorization"));
        CachedbWorld.Outcome bearer = admitted(world.login("any-name", "Bearer " + token, A_READ), "researcher-1",
                token);
        assertEquals(o.opened().route(), bearer.opened().route());
    }

    @Test
    void aBadTokenAsThePasswordIs28P01() {
        world.start();
        setUpResearcherAndDataset();
        String token = world.token("researcher-1").expiredAgo(Duration.ofMinutes(1)).compact();
        refused(world.login("any-name", token, A_READ), "28P01", token);
        String notAToken = "hunter2";
        refused(world.login("any-name", notAToken, A_READ), "28P01", notAToken);
    }

    // --- services down, slow or confused: 08006, and cached keys keep working

    @Test
    void anIssuerDownBeforeTheFirstFetchIs08006ButCachedKeysKeepWorking() {
        world.start();
        setUpResearcherAndDataset();
        String token = world.token("researcher-1").compact();
        world.issuer.down();
        assertEquals("authorization service unavailable",
                refused(world.login(token, null, A_READ), "08006", token).message());
        world.issuer.up();
        admitted(world.login(token, null, A_READ), "researcher-1", token);
        world.issuer.down();
        String another = world.token("researcher-1").claim("jti", "second").compact();
        admitted(world.login(another, null, A_READ), "researcher-1", another);
    }

    @Test
    void anIssuerOutageStays08006WhileTheRefreshIsThrottledNot28P01() {
        world.start(s -> s.withJwksMinRefresh(Duration.ofSeconds(30)));
        setUpResearcherAndDataset();
        world.issuer.down();
        for (int i = 0; i < 3; i++) {
            String token = world.token("researcher-1").claim("jti", "try-" + i).compact();
            assertEquals("authorization service unavailable",
                    refused(world.login(token, null, A_READ), "08006", token).message());
        }
        // Back up: the next fetch is due after the window, and the same kind of token is admitted.
        world.issuer.up();
        world.clock.advance(Duration.ofSeconds(31));
        String token = world.token("researcher-1").compact();
        admitted(world.login(token, null, A_READ), "researcher-1", token);
    }

    @Test
    void aSlowOrBrokenIssuerIs08006() {
        world.start(CachedbWorld::shortTimeouts);
        setUpResearcherAndDataset();
        String token = world.token("researcher-1").compact();
        world.issuer.answerJwks(Answer.json(world.issuer.jwksJson()).after(CachedbWorld.SLOW));
        refused(world.login(token, null, A_READ), "08006", token);
        world.issuer.answerJwks(Answer.status(503));
        refused(world.login(token, null, A_READ), "08006", token);
        world.issuer.answerJwks(Answer.json("{\"keys\": [ oops"));
        refused(world.login(token, null, A_READ), "08006", token);
    }

    @Test
    void userManagementDownSlow5xxOrNonsenseIs08006() {
        world.start(CachedbWorld::shortTimeouts);
        setUpResearcherAndDataset();
        List<Runnable> failures = List.of(world.usermgmt::down,
                () -> world.usermgmt.answerAll(Answer.json("{}").after(CachedbWorld.SLOW)),
                () -> world.usermgmt.answerAll(Answer.json("{\"alp_role_system_admin\": true}")
                        .stallingMidBody(CachedbWorld.SLOW)),
                () -> world.usermgmt.answerAll(Answer.status(500)),
                () -> world.usermgmt.answerAll(Answer.json("<html>not json</html>")),
                () -> world.usermgmt.answerAll(Answer.json("{\"alp_role_system_admin\": \"yes\"}")));
        for (Runnable failure : failures) {
            world.usermgmt.up();
            world.usermgmt.answerAll(null);
            failure.run();
            String token = world.token("researcher-1").claim("jti", UUID.randomUUID().toString()).compact();
            assertEquals("authorization service unavailable",
                    refused(world.login(token, null, A_READ), "08006", token).message());
        }
    }

    @Test
    void portalDownSlow5xxOrNonsenseIs08006() {
        world.start(CachedbWorld::shortTimeouts);
        setUpResearcherAndDataset();
        List<Runnable> failures = List.of(world.portal::down,
                () -> world.portal.answerAll(Answer.json("{}").after(CachedbWorld.SLOW)),
                () -> world.portal.answerAll(Answer.status(502)),
                () -> world.portal.answerAll(Answer.json("not json at all {")),
                () -> world.portal.answerAll(Answer.json("[1, 2]")));
        for (Runnable failure : failures) {
            world.portal.up();
            world.portal.answerAll(null);
            failure.run();
            String token = world.token("researcher-1").claim("jti", UUID.randomUUID().toString()).compact();
            refused(world.login(token, null, A_READ), "08006", token);
        }
    }

    @Test
    void aDatasetThePortalDoesNotKnowIs3D000NamingIt() {
        world.start();
        world.usermgmt.researcher("researcher-1", DATASET);
        String token = world.token("researcher-1").compact();
        assertEquals("dataset \"" + DATASET + "\" does not exist",
                refused(world.login(token, null, A_READ), "3D000", token).message());
    }

    @Test
    void aPortalAnswerThatIsNotAnIdentifierIs3D000() {
        world.start();
        world.usermgmt.researcher("researcher-1", DATASET);
        world.portal.dataset(DATASET, "../x", "cdmdefault", "cdmvocab");
        String token = world.token("researcher-1").compact();
        CachedbWorld.Outcome o = refused(world.login(token, null, A_READ), "3D000", token);
        assertFalse(o.message().contains("../x"), o.message());
        world.portal.dataset(DATASET, "alpdev_pg", "cdm;drop", "cdmvocab");
        refused(world.login(token, null, A_READ), "3D000", token);
        world.portal.dataset(DATASET, "alpdev_pg", "x".repeat(64), "cdmvocab");
        refused(world.login(token, null, A_READ), "3D000", token);
        // DuckDB needs both schemas; PostgreSQL does not.
        world.portal.dataset(DATASET, "alpdev_pg", null, null);
        refused(world.login(token, null, A_READ), "3D000", token);
        CachedbWorld.Outcome pg = admitted(world.login(token, null, "A|postgresql|" + DATASET), "researcher-1", token);
        assertEquals(new DatabaseRoute(Dialect.POSTGRESQL, ConnectionType.READ, "alpdev_pg", Optional.empty(),
                Optional.empty(), Optional.of(DATASET)), pg.opened().route());
    }

    // --- the per-token cache

    @Test
    void answersAreCachedPerTokenForTheTtl() {
        world.start(s -> s.withAuthCacheTtl(Duration.ofSeconds(60)));
        setUpResearcherAndDataset();
        String token = world.token("researcher-1").compact();
        admitted(world.login(token, null, A_READ), "researcher-1", token);
        admitted(world.login(token, null, A_READ), "researcher-1", token);
        assertEquals(1, world.usermgmt.requests().size());
        assertEquals(1, world.portal.requests().size());
        // Another token of the same user asks again.
        String another = world.token("researcher-1").claim("jti", "2").compact();
        admitted(world.login(another, null, A_READ), "researcher-1", another);
        assertEquals(2, world.usermgmt.requests().size());
        // Past the TTL the services are asked again (and a revoked dataset is noticed).
        world.clock.advance(Duration.ofSeconds(61));
        world.usermgmt.researcher("researcher-1");
        refused(world.login(token, null, A_READ), "28000", token);
        assertEquals(3, world.usermgmt.requests().size());
    }

    @Test
    void theCacheNeverOutlivesTheToken() {
        // The skew keeps the token usable 30 s past its expiry; the cached answer is not.
        world.start(s -> s.withAuthCacheTtl(Duration.ofSeconds(60)).withClockSkew(Duration.ofSeconds(30)));
        setUpResearcherAndDataset();
        String token = world.token("researcher-1").expiresIn(Duration.ofSeconds(10)).compact();
        admitted(world.login(token, null, A_READ), "researcher-1", token);
        world.clock.advance(Duration.ofSeconds(20));
        admitted(world.login(token, null, A_READ), "researcher-1", token);
        assertEquals(2, world.usermgmt.requests().size());
    }

    @Test
    void aZeroTtlAsksEveryTime() {
        world.start(s -> s.withAuthCacheTtl(Duration.ZERO));
        setUpResearcherAndDataset();
        String token = world.token("researcher-1").compact();
        admitted(world.login(token, null, A_READ), "researcher-1", token);
        admitted(world.login(token, null, A_READ), "researcher-1", token);
        assertEquals(2, world.usermgmt.requests().size());
        assertEquals(2, world.portal.requests().size());
    }
}
