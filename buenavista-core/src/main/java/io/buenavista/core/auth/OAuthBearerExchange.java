package io.buenavista.core.auth;

import io.buenavista.api.AuthExchange;
import io.buenavista.api.PgException;
import io.buenavista.api.Principal;
import io.buenavista.api.SqlState;
import io.buenavista.core.wire.FrameReader;
import io.buenavista.core.wire.MessageWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * The server side of one SASL {@code OAUTHBEARER} exchange (RFC 7628) as PostgreSQL 18 runs it
 * ({@code src/backend/libpq/auth-oauth.c}, {@code auth-sasl.c}):
 * <ol>
 *   <li>AuthenticationSASL offering only {@code OAUTHBEARER};</li>
 *   <li>SASLInitialResponse naming it, with the client's first message
 *       {@code gs2-header \x01 *(key=value \x01) \x01}, e.g. {@code n,,\x01auth=Bearer TOKEN\x01\x01} (a client that
 *       sends no initial response gets an empty AuthenticationSASLContinue and sends the message next);</li>
 *   <li>a valid token: nothing more here (no AuthenticationSASLFinal), the core sends AuthenticationOk;</li>
 *   <li>an empty {@code auth} (the discovery request libpq sends first), a token that is not a well-formed
 *       {@code Bearer} token, or one the verifier refuses: AuthenticationSASLContinue carrying
 *       {@code { "status": "invalid_token", "openid-configuration": ..., "scope": ... }}, to which the client must
 *       answer with a single {@code \x01}, then the FATAL error.</li>
 * </ol>
 * The header and pairs are parsed as strictly as PostgreSQL does, with its messages ({@code 08P01} "malformed
 * OAUTHBEARER message" and a detail naming the fault; {@code 0A000} for an authorization identity). The frame
 * holding the message is bounded by {@link io.buenavista.core.wire.MessageLimits#maxPasswordMessage()} (65 535
 * bytes, PostgreSQL's {@code PG_MAX_AUTH_TOKEN_LENGTH}).
 *
 * <p>One deliberate difference: PostgreSQL ends a failed exchange with {@code 28000} "OAuth bearer authentication
 * failed for user ..."; here a refusal by the verifier is sent as the verifier raised it (made FATAL), and the
 * core's own refusals (discovery, malformed or empty token) use {@code 28P01} with PostgreSQL's text, so that every
 * bad token is {@code 28P01} whichever way it arrives. Neither the token nor the pairs ever reach a log line or an
 * error message.
 */
final class OAuthBearerExchange {
    static final String MECHANISM = "OAUTHBEARER";
    private static final Logger log = LoggerFactory.getLogger(OAuthBearerExchange.class);
    private static final char KVSEP = 0x01;
    private static final String BEARER = "bearer ";

    private final AuthExchange.OAuthBearer exchange;
    private final String user;

    /**
     * @param exchange the verifier and what the error challenge names
     * @param user     the startup packet's user, for the error message
     */
    OAuthBearerExchange(AuthExchange.OAuthBearer exchange, String user) {
        this.exchange = exchange;
        this.user = user;
    }

    /** Runs the whole exchange on the wire; returns the verifier's principal, or throws the FATAL refusal. */
    Principal run(FrameReader in, MessageWriter out) throws IOException {
        out.authenticationSasl(List.of(MECHANISM));
        out.flush();
        byte[] first = ScramSha256Exchange.initialResponse(in.readPasswordMessage().body(), MECHANISM);
        if (first == null) {
            // No initial response: an empty challenge asks for it, as auth-oauth.c does.
            out.authenticationSaslContinue(new byte[0]);
            out.flush();
            first = in.readPasswordMessage().body();
        }
        String auth = authValue(first);
        PgException refusal;
        if (auth.isEmpty()) {
            log.debug("OAuth issuer discovery requested");
            refusal = failed();
        } else {
            String token = bearerToken(auth);
            if (token == null) {
                log.debug("OAuth bearer authentication failed: malformed bearer token");
                refusal = failed();
            } else {
                try {
                    return exchange.verifier().verify(token);
                } catch (PgException e) {
                    refusal = e.isFatal() ? e : e.withSeverity(PgException.Severity.FATAL);
                }
            }
        }
        out.authenticationSaslContinue(errorChallenge());
        out.flush();
        byte[] answer = in.readPasswordMessage().body();
        checkKvsepAnswer(answer);
        throw refusal;
    }

    /**
     * The RFC 7628 section 3.2.2 error: the JSON PostgreSQL's {@code generate_error_response} writes, spaces included.
     */
    byte[] errorChallenge() {
        return ("{ \"status\": \"invalid_token\", \"openid-configuration\": " + json(exchange.openidConfiguration())
                + ", \"scope\": " + json(exchange.scope()) + " }").getBytes(StandardCharsets.UTF_8);
    }

    /** After the error challenge the only valid answer is one {@code \x01}. */
    static void checkKvsepAnswer(byte[] answer) {
        if (answer.length == 0) {
            throw malformed("The message is empty.");
        }
        if (answer.length != 1 || answer[0] != KVSEP) {
            throw malformed("Client did not send a kvsep response.");
        }
    }

    /**
     * Reads the client's first message: {@code gs2-header \x01 *kvpair \x01} with
     * {@code kvpair = key "=" value \x01}, and returns the {@code auth} value (empty for a discovery request).
     */
    static String authValue(byte[] message) {
        if (message.length == 0) {
            throw malformed("The message is empty.");
        }
        for (byte b : message) {
            if (b == 0) {
                throw malformed("Message length does not match input length.");
            }
        }
        // ISO-8859-1 keeps one char per byte, so every check below sees the bytes as sent.
        String text = new String(message, StandardCharsets.ISO_8859_1);
        int p = 0;
        char flag = text.charAt(p);
        if (flag == 'p') {
            throw malformed("The server does not support channel binding for OAuth, but the client message "
                    + "includes channel binding data.");
        }
        if (flag != 'n' && flag != 'y') {
            throw malformed("Unexpected channel-binding flag " + sanitize(text, p) + ".");
        }
        p++;
        if (charAt(text, p) != ',') {
            throw malformed("Comma expected, but found character " + sanitize(text, p) + ".");
        }
        p++;
        if (charAt(text, p) == 'a') {
            throw PgException.fatal(SqlState.FEATURE_NOT_SUPPORTED,
                    "client uses authorization identity, but it is not supported");
        }
        if (charAt(text, p) != ',') {
            throw malformed("Unexpected attribute " + sanitize(text, p) + " in client-first-message.");
        }
        p++;
        if (charAt(text, p) != KVSEP) {
            throw malformed("Key-value separator expected, but found character " + sanitize(text, p) + ".");
        }
        p++;
        String auth = null;
        while (true) {
            if (p >= text.length()) {
                throw malformed("Message did not contain a final terminator.");
            }
            int end = text.indexOf(KVSEP, p);
            if (end < 0) {
                throw malformed("Message contains an unterminated key/value pair.");
            }
            if (end == p) {
                p++; // the empty pair that ends the list
                break;
            }
            int eq = text.indexOf('=', p);
            if (eq < 0 || eq > end) {
                throw malformed("Message contains a key without a value.");
            }
            String key = text.substring(p, eq);
            String value = text.substring(eq + 1, end);
            checkPair(key, value);
            if (key.equals("auth")) {
                if (auth != null) {
                    throw malformed("Message contains multiple auth values.");
                }
                auth = value;
            }
            // host, port and unknown keys are ignored, as RFC 7628 section 3.1 asks.
            p = end + 1;
        }
        if (auth == null) {
            throw malformed("Message does not contain an auth value.");
        }
        if (p != text.length()) {
            throw malformed("Message contains additional data after the final terminator.");
        }
        return auth;
    }

    /** {@code key = 1*ALPHA}, {@code value = *(VCHAR / SP / HTAB / CR / LF)}. */
    private static void checkPair(String key, String value) {
        if (key.isEmpty()) {
            throw malformed("Message contains an empty key name.");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
                throw malformed("Message contains an invalid key name.");
            }
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!((c >= 0x21 && c <= 0x7E) || c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
                throw malformed("Message contains an invalid value.");
            }
        }
    }

    /**
     * The token of {@code credentials = "Bearer" 1*SP b64token} (RFC 6750 section 2.1; the scheme compared without
     * case as HTTP does), or null when the value is not one. Like PostgreSQL, what is wrong is not told: it would
     * describe part of a secret.
     */
    static String bearerToken(String auth) {
        if (auth.length() < BEARER.length()
                || !auth.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
            return null;
        }
        int start = BEARER.length();
        while (start < auth.length() && auth.charAt(start) == ' ') {
            start++;
        }
        if (start == auth.length()) {
            return null;
        }
        int i = start;
        while (i < auth.length() && isB64TokenChar(auth.charAt(i))) {
            i++;
        }
        while (i < auth.length() && auth.charAt(i) == '=') {
            i++;
        }
        return i == auth.length() ? auth.substring(start) : null;
    }

    private static boolean isB64TokenChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                || c == '_' || c == '~' || c == '+' || c == '/';
    }

    private PgException failed() {
        return PgException.fatal(SqlState.INVALID_PASSWORD,
                "OAuth bearer authentication failed for user \"" + user + "\"");
    }

    private static PgException malformed(String detail) {
        return PgException.fatal(SqlState.PROTOCOL_VIOLATION, "malformed OAUTHBEARER message").withDetail(detail);
    }

    private static char charAt(String text, int i) {
        return i < text.length() ? text.charAt(i) : 0;
    }

    /** A character for an error detail as PostgreSQL's {@code sanitize_char} writes it: {@code 'c'} or {@code 0x0c}. */
    private static String sanitize(String text, int i) {
        char c = charAt(text, i);
        return c >= 0x21 && c <= 0x7E ? "'" + c + "'" : String.format("0x%02x", (int) c);
    }

    /** A JSON string literal, escaped as PostgreSQL's {@code escape_json}. */
    static String json(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
