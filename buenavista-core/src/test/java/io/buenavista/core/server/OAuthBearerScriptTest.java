package io.buenavista.core.server;

import io.buenavista.api.AuthExchange;
import io.buenavista.api.Authenticator;
import io.buenavista.api.PgException;
import io.buenavista.api.Principal;
import io.buenavista.api.Route;
import io.buenavista.api.StartupRequest;
import io.buenavista.testing.BackendMessage;
import io.buenavista.testing.BackendMessage.AuthenticationOk;
import io.buenavista.testing.BackendMessage.AuthenticationSASL;
import io.buenavista.testing.BackendMessage.AuthenticationSASLContinue;
import io.buenavista.testing.BackendMessage.ErrorResponse;
import io.buenavista.testing.Frontend;
import io.buenavista.testing.FrontendMessage;
import io.buenavista.testing.TestHandler;
import io.buenavista.testing.WireClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * SASL OAUTHBEARER (RFC 7628) as PostgreSQL 18 runs it, scripted byte for byte with the raw client: the mechanism
 * list, the client's first message, AuthenticationOk without SASLFinal, the JSON error challenge, the client's
 * single {@code \x01}, and PostgreSQL's details for every malformed message.
 */
class OAuthBearerScriptTest {
    private static final String USER = "alice";
    /** Every character RFC 6750's b64token allows, and trailing '='. */
    private static final String TOKEN = "eyJ0eXAi.Oi-JK_V1~Q+/x9==";
    private static final String DISCOVERY = "https://issuer.example/realms/alp/.well-known/openid-configuration";
    private static final String SCOPE = "openid \"cachedb\"";
    private static final byte[] CHALLENGE = ("{ \"status\": \"invalid_token\", \"openid-configuration\": "
            + "\"https://issuer.example/realms/alp/.well-known/openid-configuration\", \"scope\": "
            + "\"openid \\\"cachedb\\\"\" }").getBytes(StandardCharsets.UTF_8);
    private static final byte[] KVSEP = {0x01};

    private final TestHandler handler = new TestHandler();
    private BuenaVistaServer server;

    /** OAUTHBEARER whose verifier accepts {@link #TOKEN} only, as the principal "alice-from-token". */
    private static Authenticator oauth() {
        return new Authenticator() {
            @Override
            public String name() {
                return "oauth";
            }

            @Override
            public AuthExchange exchange(StartupRequest request, Route route) {
                return new AuthExchange.OAuthBearer(token -> {
                    if (token.equals(TOKEN)) {
                        return Principal.of("alice-from-token");
                    }
                    throw new PgException("28P01", "invalid bearer token");
                }, DISCOVERY, SCOPE);
            }
        };
    }

    @BeforeEach
    void start() {
        server = TestServers.builder(handler).authenticator(oauth()).build().start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Connects, sends the startup packet and reads the AuthenticationSASL offering only OAUTHBEARER. */
    private WireClient offered() {
        WireClient c = WireClient.connect("127.0.0.1", server.port());
        c.startup(Map.of("user", USER, "database", "db"));
        assertEquals(List.of("OAUTHBEARER"), c.expect(AuthenticationSASL.class).mechanisms());
        return c;
    }

    /** SASLInitialResponse: mechanism, length (-1 for none), data. */
    private static FrontendMessage.Raw initial(String mechanism, String clientFirst) {
        byte[] name = mechanism.getBytes(StandardCharsets.US_ASCII);
        byte[] data = clientFirst == null ? new byte[0] : clientFirst.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(name.length + 1 + 4 + data.length);
        b.put(name).put((byte) 0).putInt(clientFirst == null ? -1 : data.length).put(data);
        return Frontend.frame('p', b.array());
    }

    private static FrontendMessage.Raw response(byte[] data) {
        return Frontend.frame('p', data);
    }

    private static String bearer(String auth) {
        return "n,,\u0001auth=" + auth + "\u0001\u0001";
    }

    private static ErrorResponse fatal(WireClient c, String sqlState, String message) {
        ErrorResponse e = c.expectError(sqlState);
        assertEquals("FATAL", e.severity());
        assertEquals(message, e.message());
        c.expectClosed();
        return e;
    }

    /** The failed exchange: the JSON challenge, the client's \x01, then the FATAL error. */
    private static void challengedThenRefused(WireClient c, String message) {
        assertArrayEquals(CHALLENGE, c.expect(AuthenticationSASLContinue.class).data());
        c.send(response(KVSEP));
        fatal(c, "28P01", message);
    }

    private void malformed(String clientFirst, String detail) {
        try (WireClient c = offered()) {
            c.send(initial("OAUTHBEARER", clientFirst));
            assertEquals(detail, fatal(c, "08P01", "malformed OAUTHBEARER message").detail());
        }
    }

    @Test
    void aValidTokenIsFollowedByAuthenticationOkWithoutSaslFinal() {
        try (WireClient c = offered()) {
            c.send(initial("OAUTHBEARER", bearer("Bearer " + TOKEN)));
            BackendMessage next = c.next();
            assertInstanceOf(AuthenticationOk.class, next, "no AuthenticationSASLFinal: " + next);
            c.readUntilReady();
            assertEquals("alice-from-token", c.parameterStatus("session_authorization"));
            assertEquals(List.of(1L), List.of(c.simpleQuery("rows 1").stream()
                    .filter(m -> m instanceof BackendMessage.DataRow).count()));
        }
    }

    @Test
    void theSchemeIsCaseInsensitiveExtraSpacesAndOtherPairsAreAllowed() {
        for (String first : List.of(bearer("bearer " + TOKEN), bearer("BEARER    " + TOKEN),
                "n,,\u0001host=db.example\u0001port=5432\u0001auth=Bearer " + TOKEN + "\u0001\u0001",
                // 'y' (the client could bind but thinks the server cannot) is accepted, as PostgreSQL does.
                "y,,\u0001auth=Bearer " + TOKEN + "\u0001\u0001")) {
            try (WireClient c = offered()) {
                c.send(initial("OAUTHBEARER", first));
                c.expect(AuthenticationOk.class);
                c.readUntilReady();
            }
        }
    }

    @Test
    void withoutAnInitialResponseAnEmptyChallengeAsksForIt() {
        try (WireClient c = offered()) {
            c.send(initial("OAUTHBEARER", null));
            assertArrayEquals(new byte[0], c.expect(AuthenticationSASLContinue.class).data());
            c.send(response(bearer("Bearer " + TOKEN).getBytes(StandardCharsets.US_ASCII)));
            c.expect(AuthenticationOk.class);
            c.readUntilReady();
        }
    }

    @Test
    void anInvalidTokenGetsTheJsonChallengeThenTheVerifiersError() {
        try (WireClient c = offered()) {
            c.send(initial("OAUTHBEARER", bearer("Bearer wrong-token")));
            challengedThenRefused(c, "invalid bearer token");
        }
    }

    @Test
    void anEmptyOrMalformedTokenGetsTheChallengeThenOAuthFailure() {
        String failed = "OAuth bearer authentication failed for user \"alice\"";
        for (String auth : List.of("Bearer ", "Bearer    ", "Bearer", "Basic dXNlcjpwYXNz", "Bearer a b",
                "Bearer wrong-token=x", "Bearer wrong-token\t", TOKEN)) {
            try (WireClient c = offered()) {
                c.send(initial("OAUTHBEARER", bearer(auth)));
                challengedThenRefused(c, failed);
            }
        }
    }

    @Test
    void discoveryAnEmptyAuthGetsTheChallengeThenTheError() {
        // libpq's first connection when it has no token yet: auth is empty, it reads the challenge, answers \x01.
        try (WireClient c = offered()) {
            c.send(initial("OAUTHBEARER", "n,,\u0001auth=\u0001\u0001"));
            challengedThenRefused(c, "OAuth bearer authentication failed for user \"alice\"");
        }
    }

    @Test
    void afterTheChallengeOnlyASingleKvsepIsAccepted() {
        for (byte[] answer : List.of(new byte[] {0x01, 0x01}, "x".getBytes(StandardCharsets.US_ASCII),
                bearer("Bearer " + TOKEN).getBytes(StandardCharsets.US_ASCII))) {
            try (WireClient c = offered()) {
                c.send(initial("OAUTHBEARER", bearer("Bearer wrong-token")));
                assertArrayEquals(CHALLENGE, c.expect(AuthenticationSASLContinue.class).data());
                c.send(response(answer));
                assertEquals("Client did not send a kvsep response.",
                        fatal(c, "08P01", "malformed OAUTHBEARER message").detail());
            }
        }
        try (WireClient c = offered()) {
            c.send(initial("OAUTHBEARER", "n,,\u0001auth=\u0001\u0001"));
            c.expect(AuthenticationSASLContinue.class);
            c.send(response(new byte[0]));
            assertEquals("The message is empty.", fatal(c, "08P01", "malformed OAUTHBEARER message").detail());
        }
    }

    @Test
    void channelBindingFlagsAndTheGs2HeaderAreParsedStrictly() {
        malformed("p=tls-server-end-point,,\u0001auth=Bearer " + TOKEN + "\u0001\u0001",
                "The server does not support channel binding for OAuth, but the client message includes channel "
                        + "binding data.");
        malformed("x,,\u0001auth=Bearer " + TOKEN + "\u0001\u0001", "Unexpected channel-binding flag 'x'.");
        malformed("\u0001", "Unexpected channel-binding flag 0x01.");
        malformed("n", "Comma expected, but found character 0x00.");
        malformed("n;,\u0001auth=\u0001\u0001", "Comma expected, but found character ';'.");
        malformed("n,x=y,\u0001auth=\u0001\u0001", "Unexpected attribute 'x' in client-first-message.");
        malformed("n,\u0001auth=\u0001\u0001", "Unexpected attribute 0x01 in client-first-message.");
        malformed("n,,auth=Bearer " + TOKEN + "\u0001\u0001",
                "Key-value separator expected, but found character 'a'.");
        malformed("", "The message is empty.");
        try (WireClient c = offered()) {
            c.send(initial("OAUTHBEARER", "n,a=bob,\u0001auth=Bearer " + TOKEN + "\u0001\u0001"));
            fatal(c, "0A000", "client uses authorization identity, but it is not supported");
        }
    }

    @Test
    void theKeyValuePairsAreParsedStrictly() {
        malformed("n,,\u0001auth=Bearer " + TOKEN + "\u0001", "Message did not contain a final terminator.");
        malformed("n,,\u0001auth=Bearer " + TOKEN, "Message contains an unterminated key/value pair.");
        malformed("n,,\u0001\u0001", "Message does not contain an auth value.");
        malformed("n,,\u0001host=x\u0001\u0001", "Message does not contain an auth value.");
        malformed("n,,\u0001auth=Bearer a\u0001auth=Bearer b\u0001\u0001", "Message contains multiple auth values.");
        malformed("n,,\u0001auth\u0001\u0001", "Message contains a key without a value.");
        malformed("n,,\u0001=x\u0001auth=\u0001\u0001", "Message contains an empty key name.");
        malformed("n,,\u0001au-th=x\u0001\u0001", "Message contains an invalid key name.");
        malformed("n,,\u0001auth=Bearer \u007f\u0001\u0001", "Message contains an invalid value.");
        malformed("n,,\u0001auth=Bearer \u00e9\u0001\u0001", "Message contains an invalid value.");
        malformed("n,,\u0001auth=Bearer " + TOKEN + "\u0001\u0001trailing",
                "Message contains additional data after the final terminator.");
        malformed("n,,\u0001auth=Bearer " + TOKEN + "\u0001\u0001\u0000",
                "Message length does not match input length.");
    }

    @Test
    void anotherMechanismIsRefused() {
        for (String mechanism : List.of("SCRAM-SHA-256", "oauthbearer", "OAUTHBEARER-PLUS", "")) {
            try (WireClient c = offered()) {
                c.send(initial(mechanism, bearer("Bearer " + TOKEN)));
                fatal(c, "08P01", "client selected an invalid SASL authentication mechanism");
            }
        }
    }

    @Test
    void anOversizedMessageIsRefusedBeforeItsBodyIsRead() {
        // PostgreSQL's PG_MAX_AUTH_TOKEN_LENGTH is 65 535; only the type and length are sent, the server does not wait.
        try (WireClient c = offered()) {
            c.sendRaw(ByteBuffer.allocate(5).put((byte) 'p').putInt(65_536 + 4).array());
            fatal(c, "08P01", "invalid message length 65540 for message type 'p'");
        }
        // The largest allowed frame is read and judged: a token of 65 000 characters is simply not the right one.
        try (WireClient c = offered()) {
            c.send(initial("OAUTHBEARER", bearer("Bearer " + "A".repeat(65_000))));
            challengedThenRefused(c, "invalid bearer token");
        }
    }

    @Test
    void aPasswordMessageInsteadOfSaslIsAProtocolViolation() {
        try (WireClient c = offered()) {
            c.send(Frontend.query("select 1"));
            fatal(c, "08P01", "expected password response, got message type 81");
        }
    }
}
