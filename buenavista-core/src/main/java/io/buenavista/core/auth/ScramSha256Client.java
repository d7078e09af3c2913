package io.buenavista.core.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * The client side of SCRAM-SHA-256 (RFC 5802/7677) without channel binding, as the relay logs in to a PostgreSQL
 * backend. The password goes through SASLprep as PostgreSQL's own verifiers do. One instance per login.
 */
public final class ScramSha256Client {
    /** The SASL mechanism name PostgreSQL offers. */
    public static final String MECHANISM = "SCRAM-SHA-256";

    private final String password;
    private final String clientNonce;
    private String clientFirstBare;
    private byte[] expectedServerSignature;

    public ScramSha256Client(String password, SecureRandom random) {
        this.password = password;
        byte[] nonce = new byte[18];
        random.nextBytes(nonce);
        this.clientNonce = Base64.getEncoder().encodeToString(nonce);
    }

    /** The client-first-message. The user name is left empty: PostgreSQL takes it from the startup message. */
    public byte[] clientFirst() {
        clientFirstBare = "n=,r=" + clientNonce;
        return ("n,," + clientFirstBare).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The client-final-message answering the server-first-message.
     *
     * @throws IllegalArgumentException when the server's message is malformed or its nonce does not extend ours
     */
    public byte[] clientFinal(byte[] serverFirstBytes) {
        String serverFirst = new String(serverFirstBytes, StandardCharsets.UTF_8);
        Map<Character, String> attrs = attributes(serverFirst);
        String nonce = attrs.get('r');
        String salt = attrs.get('s');
        String iterations = attrs.get('i');
        if (nonce == null || !nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length()
                || salt == null || iterations == null) {
            throw new IllegalArgumentException("malformed SCRAM server-first-message");
        }
        int count;
        try {
            count = Integer.parseInt(iterations);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed SCRAM iteration count");
        }
        if (count < 1) {
            throw new IllegalArgumentException("malformed SCRAM iteration count");
        }
        byte[] salted = ScramSecrets.saltedPassword(ScramSecrets.saslPrep(password), Base64.getDecoder().decode(salt),
                count);
        byte[] clientKey = ScramSecrets.hmac(salted, "Client Key");
        byte[] storedKey = ScramSecrets.sha256(clientKey);
        String finalWithoutProof = "c=biws,r=" + nonce;
        String authMessage = clientFirstBare + "," + serverFirst + "," + finalWithoutProof;
        byte[] signature = ScramSecrets.hmac(storedKey, authMessage);
        byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++) {
            proof[i] = (byte) (clientKey[i] ^ signature[i]);
        }
        expectedServerSignature = ScramSecrets.hmac(ScramSecrets.hmac(salted, "Server Key"), authMessage);
        return (finalWithoutProof + ",p=" + Base64.getEncoder().encodeToString(proof))
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Whether the server-final-message proves that the server knows the password too. */
    public boolean serverFinalValid(byte[] serverFinalBytes) {
        String v = attributes(new String(serverFinalBytes, StandardCharsets.UTF_8)).get('v');
        if (expectedServerSignature == null || v == null) {
            return false;
        }
        try {
            return MessageDigest.isEqual(Base64.getDecoder().decode(v), expectedServerSignature);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static Map<Character, String> attributes(String message) {
        Map<Character, String> attrs = new HashMap<>();
        for (String part : message.split(",")) {
            if (part.length() >= 2 && part.charAt(1) == '=') {
                attrs.putIfAbsent(part.charAt(0), part.substring(2));
            }
        }
        return attrs;
    }
}
