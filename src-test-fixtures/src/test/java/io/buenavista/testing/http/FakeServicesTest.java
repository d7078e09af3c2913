package io.buenavista.testing.http;

import io.jsonwebtoken.Claims;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Jwk;
import io.jsonwebtoken.security.JwkSet;
import io.jsonwebtoken.security.Jwks;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.PublicKey;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The fakes speak real HTTP and mint real JWS: jjwt verifies the issuer's tokens against its served JWKS. */
class FakeServicesTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theIssuersTokensVerifyAgainstItsJwksWithJjwt() throws Exception {
        try (FakeOpenIdIssuer issuer = FakeOpenIdIssuer.start()) {
            JwkSet set = Jwks.setParser().build().parse(get(URI.create(issuer.url() + "/jwks")).body());
            Jwk<?> jwk = set.getKeys().iterator().next();
            assertEquals("key-1", jwk.getId());
            assertEquals("ES384", jwk.getAlgorithm());
            String token = issuer.token("alice", "scope").compact();
            Claims claims = Jwts.parser().verifyWith((PublicKey) jwk.toKey()).build().parseSignedClaims(token)
                    .getPayload();
            assertEquals("alice", claims.getSubject());
            assertEquals(java.util.Set.of("scope"), claims.getAudience());
            assertThrows(io.jsonwebtoken.security.SignatureException.class, () -> Jwts.parser()
                    .verifyWith((PublicKey) jwk.toKey()).build()
                    .parseSignedClaims(issuer.token("alice", "scope").withBadSignature()));
            assertEquals(1, issuer.jwksRequests());
        }
    }

    @Test
    void userManagementAnswersDeclaredUsersAndRecordsRequests() throws Exception {
        try (FakeUserManagement users = FakeUserManagement.start()) {
            UUID dataset = UUID.randomUUID();
            users.researcher("bob", dataset);
            URI uri = URI.create(users.url() + FakeUserManagement.PATH);
            HttpResponse<String> bob = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer x")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"bob\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("{\"alp_role_system_admin\":false,\"alp_role_study_researcher\":[\"" + dataset + "\"]}",
                    bob.body());
            HttpResponse<String> nobody = http.send(HttpRequest.newBuilder(uri)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"nobody\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("null", nobody.body());
            assertEquals(2, users.requests().size());
            assertEquals("Bearer x", users.requests().get(0).header("authorization"));
        }
    }

    @Test
    void aServiceGoesDownAndComesBackOnItsPort() throws Exception {
        try (FakePortal portal = FakePortal.start()) {
            UUID dataset = UUID.randomUUID();
            portal.dataset(dataset, "code", "schema", null);
            URI uri = URI.create(portal.url() + "/dataset?datasetId=" + dataset);
            assertEquals("{\"databaseCode\":\"code\",\"schemaName\":\"schema\"}", get(uri).body());
            assertEquals(404, get(URI.create(portal.url() + "/dataset?datasetId=" + UUID.randomUUID())).statusCode());
            portal.down();
            assertThrows(ConnectException.class, () -> get(uri));
            portal.up();
            assertEquals(200, get(uri).statusCode());
            portal.answerAll(FakeHttpService.Answer.status(503));
            assertEquals(503, get(uri).statusCode());
        }
    }
}
