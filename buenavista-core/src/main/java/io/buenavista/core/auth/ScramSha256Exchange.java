package io.buenavista.core.auth;

import io.buenavista.api.AuthExchange;
import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;
import io.buenavista.core.wire.FrameReader;
import io.buenavista.core.wire.MessageWriter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

/**
 * The server side of one SCRAM-SHA-256 exchange (RFC 5802, RFC 7677) as PostgreSQL runs it: only
 * {@code SCRAM-SHA-256} is offered (no channel binding, so no {@code -PLUS}), the user name inside the SCRAM messages
 * is ignored in favour of the startup packet's, and the client's proof is checked against the StoredKey of the
 * verifier — the password itself is never known here.
 *
 * <p>Messages are handled as ISO-8859-1 text so that every byte survives into the AuthMessage unchanged, whatever
 * the client sent as user name.
 */
final class ScramSha256Exchange {
    static final String MECHANISM = "SCRAM-SHA-256";
    private static final int NONCE_BYTES = 18;
    private static final int PROOF_LENGTH = 32;

    private final AuthExchange.ScramSecret secret;
    private final String user;
    private final String serverNonce;

    private char channelBindingFlag;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;

    /**
     * @param secret      the stored verifier
     * @param user        the startup packet's user, for error messages
     * @param serverNonce the server's half of the nonce: printable ASCII without commas
     */
    ScramSha256Exchange(AuthExchange.ScramSecret secret, String user, String serverNonce) {
        this.secret = secret;
        this.user = user;
        this.serverNonce = serverNonce;
    }

    /** A fresh server nonce: 18 random bytes in base64, as PostgreSQL makes them. */
    static String newServerNonce(SecureRandom random) {
        byte[] bytes = new byte[NONCE_BYTES];
        random.nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    /**
     * Runs the whole exchange on the wire: AuthenticationSASL, SASLInitialResponse, AuthenticationSASLContinue,
     * SASLResponse, AuthenticationSASLFinal. The final message is buffered, not flushed: AuthenticationOk follows it.
     */
    void run(FrameReader in, MessageWriter out) throws IOException {
        out.authenticationSasl(List.of(MECHANISM));
        out.flush();
        byte[] clientFirst = initialResponse(in.readPasswordMessage().body());
        if (clientFirst == null) {
            // The client chose the mechanism without data: an empty challenge asks for its first message.
            out.authenticationSaslContinue(new byte[0]);
            out.flush();
            clientFirst = in.readPasswordMessage().body();
        }
        out.authenticationSaslContinue(serverFirst(clientFirst));
        out.flush();
        out.authenticationSaslFinal(serverFinal(in.readPasswordMessage().body()));
    }

    /**
     * Reads a SASLInitialResponse body: the mechanism name, then the length of the initial response (-1 for none) and
     * the response itself.
     *
     * @return the client-first-message, or null when the client sent none
     */
    static byte[] initialResponse(byte[] body) {
        return initialResponse(body, MECHANISM);
    }

    /** {@link #initialResponse(byte[])} for any mechanism: the one shape every SASL mechanism's first message has. */
    static byte[] initialResponse(byte[] body, String offered) {
        int end = 0;
        while (end < body.length && body[end] != 0) {
            end++;
        }
        if (end == body.length) {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION, "invalid SASL initial response: no mechanism name");
        }
        String mechanism = new String(body, 0, end, StandardCharsets.UTF_8);
        if (!mechanism.equals(offered)) {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION,
                    "client selected an invalid SASL authentication mechanism");
        }
        ByteBuffer rest = ByteBuffer.wrap(body, end + 1, body.length - end - 1);
        if (rest.remaining() < 4) {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION, "invalid SASL initial response: no length");
        }
        int length = rest.getInt();
        if (length == -1 && !rest.hasRemaining()) {
            return null;
        }
        if (length != rest.remaining()) {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION,
                    "invalid SASL initial response: length does not match the message");
        }
        byte[] data = new byte[length];
        rest.get(data);
        return data;
    }

    /** Reads the client-first-message and answers with the server-first-message. */
    byte[] serverFirst(byte[] clientFirstBytes) {
        Cursor c = new Cursor(new String(clientFirstBytes, StandardCharsets.ISO_8859_1));
        char flag = c.next();
        if (flag == 'p') {
            throw malformed("The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message "
                    + "includes channel binding data.");
        }
        if (flag != 'n' && flag != 'y') {
            throw malformed("Unexpected channel-binding flag \"" + printable(flag) + "\".");
        }
        channelBindingFlag = flag;
        c.expect(',', "Comma expected, but found character \"%s\".");
        if (c.peek() == 'a') {
            throw PgException.fatal(SqlState.FEATURE_NOT_SUPPORTED,
                    "client uses authorization identity, but it is not supported");
        }
        c.expect(',', "Unexpected attribute \"%s\" in client-first-message.");
        clientFirstBare = c.rest();
        if (c.peek() == 'm') {
            throw PgException.fatal(SqlState.FEATURE_NOT_SUPPORTED, "client requires an unsupported SCRAM extension");
        }
        c.attribute('n'); // the user name: PostgreSQL uses the startup packet's
        c.expect(',', "Comma expected, but found character \"%s\".");
        String clientNonce = c.attribute('r');
        if (clientNonce.isEmpty() || !clientNonce.chars().allMatch(ch -> ch >= 0x21 && ch <= 0x7E && ch != ',')) {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION, "non-printable characters in SCRAM nonce");
        }
        while (!c.atEnd()) {
            c.expect(',', "Garbage found at the end of client-first-message.");
            c.anyAttribute(); // optional extensions, ignored as RFC 5802 allows
        }
        nonce = clientNonce + serverNonce;
        serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(secret.salt()) + ",i="
                + secret.iterations();
        return serverFirst.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Reads the client-final-message, checks the proof and answers with the server-final-message.
     *
     * @throws PgException FATAL {@code 28P01} when the proof is wrong, {@code 08P01} when the message is malformed
     */
    byte[] serverFinal(byte[] clientFinalBytes) {
        if (serverFirst == null) {
            throw new IllegalStateException("client-final before client-first");
        }
        String clientFinal = new String(clientFinalBytes, StandardCharsets.ISO_8859_1);
        Cursor c = new Cursor(clientFinal);
        String binding = c.attribute('c');
        boolean bindingOk = (binding.equals("biws") && channelBindingFlag == 'n')
                || (binding.equals("eSws") && channelBindingFlag == 'y');
        if (!bindingOk) {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION,
                    "unexpected SCRAM channel-binding attribute in client-final-message");
        }
        c.expect(',', "Comma expected, but found character \"%s\".");
        String finalNonce = c.attribute('r');
        // Extensions may come before the proof; they are part of the signed text.
        int proofStart;
        String proofText;
        while (true) {
            c.expect(',', "Comma expected, but found character \"%s\".");
            proofStart = c.position() - 1;
            if (c.peek() == 'p') {
                proofText = c.attribute('p');
                break;
            }
            c.anyAttribute();
        }
        if (!c.atEnd()) {
            throw malformed("Garbage found at the end of client-final-message.");
        }
        if (!MessageDigest.isEqual(finalNonce.getBytes(StandardCharsets.ISO_8859_1),
                nonce.getBytes(StandardCharsets.ISO_8859_1))) {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION, "invalid SCRAM response")
                    .withDetail("Nonce does not match.");
        }
        byte[] proof;
        try {
            proof = Base64.getDecoder().decode(proofText);
        } catch (IllegalArgumentException e) {
            proof = null;
        }
        if (proof == null || proof.length != PROOF_LENGTH) {
            throw malformed("Malformed proof in client-final-message.");
        }
        byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + clientFinal.substring(0, proofStart))
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] clientSignature = ScramSecrets.hmac(secret.storedKey(), authMessage);
        byte[] clientKey = new byte[PROOF_LENGTH];
        for (int i = 0; i < PROOF_LENGTH; i++) {
            clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
        }
        if (!MessageDigest.isEqual(ScramSecrets.sha256(clientKey), secret.storedKey())) {
            throw PgException.fatal(SqlState.INVALID_PASSWORD,
                    "password authentication failed for user \"" + user + "\"");
        }
        byte[] serverSignature = ScramSecrets.hmac(secret.serverKey(), authMessage);
        return ("v=" + Base64.getEncoder().encodeToString(serverSignature)).getBytes(StandardCharsets.ISO_8859_1);
    }

    private static PgException malformed(String detail) {
        return PgException.fatal(SqlState.PROTOCOL_VIOLATION, "malformed SCRAM message").withDetail(detail);
    }

    private static String printable(char c) {
        return c == 0 ? "end of message" : String.valueOf(c);
    }

    /** Reads {@code name=value} attributes separated by commas. {@code '\0'} stands for the end of the text. */
    private static final class Cursor {
        private final String text;
        private int pos;

        Cursor(String text) {
            this.text = text;
        }

        int position() {
            return pos;
        }

        boolean atEnd() {
            return pos >= text.length();
        }

        char peek() {
            return atEnd() ? 0 : text.charAt(pos);
        }

        char next() {
            char c = peek();
            if (!atEnd()) {
                pos++;
            }
            return c;
        }

        String rest() {
            return text.substring(pos);
        }

        void expect(char expected, String detailFormat) {
            char c = next();
            if (c != expected) {
                throw malformed(String.format(detailFormat, printable(c)));
            }
        }

        /** {@code name=value}, the value up to the next comma or the end. */
        String attribute(char name) {
            char c = next();
            if (c != name) {
                throw malformed("Expected attribute \"" + name + "\" but found \"" + printable(c) + "\".");
            }
            return value(name);
        }

        /** Any {@code x=value} attribute with a letter as its name. */
        void anyAttribute() {
            char c = next();
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
                throw malformed("Attribute expected, but found invalid character \"" + printable(c) + "\".");
            }
            value(c);
        }

        private String value(char name) {
            if (next() != '=') {
                throw malformed("Expected character \"=\" for attribute \"" + name + "\".");
            }
            int end = text.indexOf(',', pos);
            if (end < 0) {
                end = text.length();
            }
            String value = text.substring(pos, end);
            pos = end;
            return value;
        }
    }
}
