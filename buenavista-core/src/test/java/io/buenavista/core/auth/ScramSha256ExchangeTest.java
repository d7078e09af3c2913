package io.buenavista.core.auth;

import io.buenavista.api.AuthExchange;
import io.buenavista.api.PgException;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SCRAM-SHA-256 server messages, against RFC 7677's example and PostgreSQL's refusals. */
class ScramSha256ExchangeTest {
    // RFC 7677 section 3: user "user", password "pencil".
    private static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
    private static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private static final byte[] SALT = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
    private static final AuthExchange.ScramSecret PENCIL = ScramSecrets.fromPassword("pencil", SALT, 4096);
    private static final String FINAL_WITHOUT_PROOF = "c=biws,r=" + CLIENT_NONCE + SERVER_NONCE;
    private static final String PROOF = "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";

    private static ScramSha256Exchange exchange() {
        return new ScramSha256Exchange(PENCIL, "user", SERVER_NONCE);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static PgException fails(Runnable step, String sqlState) {
        PgException e = assertThrows(PgException.class, step::run);
        assertEquals(sqlState, e.sqlState(), e.toString());
        assertTrue(e.isFatal());
        return e;
    }

    @Test
    void rfc7677ExampleGivesItsServerMessages() {
        ScramSha256Exchange x = exchange();
        assertEquals("r=" + CLIENT_NONCE + SERVER_NONCE + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                text(x.serverFirst(bytes("n,,n=user,r=" + CLIENT_NONCE))));
        assertEquals("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
                text(x.serverFinal(bytes(FINAL_WITHOUT_PROOF + ",p=" + PROOF))));
    }

    @Test
    void aWrongProofIs28P01WithTheStartupUser() {
        ScramSha256Exchange x = exchange();
        x.serverFirst(bytes("n,,n=user,r=" + CLIENT_NONCE));
        byte[] proof = Base64.getDecoder().decode(PROOF);
        proof[0] ^= 1;
        PgException e = fails(() -> x.serverFinal(bytes(FINAL_WITHOUT_PROOF + ",p="
                + Base64.getEncoder().encodeToString(proof))), "28P01");
        assertEquals("password authentication failed for user \"user\"", e.message());
    }

    @Test
    void theUserNameInTheScramMessageIsIgnored() throws Exception {
        // The login is the startup message's user; the SCRAM name (libpq sends it empty) is only signed text. A
        // client that signs what it sent is accepted whatever name it put there, and the server proves itself.
        for (String scramName : new String[] {"", "someone-else"}) {
            ScramSha256Exchange x = new ScramSha256Exchange(PENCIL, "startup-user", SERVER_NONCE);
            String clientFirstBare = "n=" + scramName + ",r=" + CLIENT_NONCE;
            String serverFirst = text(x.serverFirst(bytes("n,," + clientFirstBare)));
            String authMessage = clientFirstBare + "," + serverFirst + "," + FINAL_WITHOUT_PROOF;
            byte[] salted = pbkdf2("pencil", SALT, 4096);
            byte[] clientKey = hmac(salted, "Client Key");
            byte[] signature = hmac(MessageDigest.getInstance("SHA-256").digest(clientKey), authMessage);
            byte[] proof = new byte[clientKey.length];
            for (int i = 0; i < proof.length; i++) {
                proof[i] = (byte) (clientKey[i] ^ signature[i]);
            }
            String serverFinal = text(x.serverFinal(bytes(FINAL_WITHOUT_PROOF + ",p="
                    + Base64.getEncoder().encodeToString(proof))));
            assertEquals("v=" + Base64.getEncoder().encodeToString(hmac(hmac(salted, "Server Key"), authMessage)),
                    serverFinal, scramName);
        }
    }

    private static byte[] pbkdf2(String password, byte[] salt, int iterations) throws Exception {
        return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                .generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 256)).getEncoded();
    }

    private static byte[] hmac(byte[] key, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(bytes(data));
    }

    @Test
    void channelBindingIsRefusedAndItsFlagChecked() {
        PgException p = fails(() -> exchange().serverFirst(bytes("p=tls-server-end-point,,n=,r=abc")), "08P01");
        assertEquals("malformed SCRAM message", p.message());
        fails(() -> exchange().serverFirst(bytes("x,,n=,r=abc")), "08P01");
        // "y": the client could bind but thinks we cannot; fine without TLS binding. Its c= must then be "y,,".
        ScramSha256Exchange y = exchange();
        y.serverFirst(bytes("y,,n=user,r=" + CLIENT_NONCE));
        PgException c = fails(() -> y.serverFinal(bytes(FINAL_WITHOUT_PROOF + ",p=" + PROOF)), "08P01");
        assertEquals("unexpected SCRAM channel-binding attribute in client-final-message", c.message());
        ScramSha256Exchange n = exchange();
        n.serverFirst(bytes("n,,n=user,r=" + CLIENT_NONCE));
        fails(() -> n.serverFinal(bytes("c=eSws,r=" + CLIENT_NONCE + SERVER_NONCE + ",p=" + PROOF)), "08P01");
    }

    @Test
    void authzidAndMandatoryExtensionsAreNotSupported() {
        fails(() -> exchange().serverFirst(bytes("n,a=admin,n=,r=abc")), "0A000");
        fails(() -> exchange().serverFirst(bytes("n,,m=ext,n=,r=abc")), "0A000");
    }

    @Test
    void malformedClientFirstMessagesAre08P01() {
        for (String bad : new String[] {"", "n", "n,", "n,,", "n,,r=abc", "n,,n=user", "n,,n=user,r=",
                "n,,n=user,r=a\u0001b", "n,,n=user,r=abc,", "n,,n=user,r=abc,1=x", "n,,n=user;r=abc"}) {
            fails(() -> exchange().serverFirst(bytes(bad)), "08P01");
        }
        // Optional extensions after the nonce are allowed.
        exchange().serverFirst(bytes("n,,n=user,r=abc,x=ext"));
    }

    @Test
    void malformedClientFinalMessagesAre08P01() {
        String nonce = CLIENT_NONCE + SERVER_NONCE;
        for (String bad : new String[] {"", "c=biws", "c=biws,r=" + nonce, "c=biws,r=" + nonce + ",p=",
                "c=biws,r=" + nonce + ",p=" + PROOF + ",x=1", "c=biws,r=" + nonce + ",p=AAAA",
                "c=biws,r=" + nonce + ",p=not base64!", "c=biws,r=" + CLIENT_NONCE + ",p=" + PROOF,
                "r=" + nonce + ",c=biws,p=" + PROOF}) {
            ScramSha256Exchange x = exchange();
            x.serverFirst(bytes("n,,n=user,r=" + CLIENT_NONCE));
            fails(() -> x.serverFinal(bytes(bad)), "08P01");
        }
    }

    @Test
    void extensionsBeforeTheProofAreSigned() {
        ScramSha256Exchange x = exchange();
        x.serverFirst(bytes("n,,n=user,r=" + CLIENT_NONCE));
        // The RFC's proof does not sign the extension, so accepting it would mean the extension was left unsigned.
        fails(() -> x.serverFinal(bytes(FINAL_WITHOUT_PROOF + ",x=1,p=" + PROOF)), "28P01");
    }

    @Test
    void initialResponseCarriesMechanismAndData() {
        byte[] data = bytes("n,,n=,r=abc");
        assertArrayEquals(data, ScramSha256Exchange.initialResponse(initial("SCRAM-SHA-256", data.length, data)));
        assertNull(ScramSha256Exchange.initialResponse(initial("SCRAM-SHA-256", -1, new byte[0])));
        PgException plus = fails(() -> ScramSha256Exchange.initialResponse(
                initial("SCRAM-SHA-256-PLUS", data.length, data)), "08P01");
        assertEquals("client selected an invalid SASL authentication mechanism", plus.message());
        fails(() -> ScramSha256Exchange.initialResponse(initial("SCRAM-SHA-256", data.length + 1, data)), "08P01");
        fails(() -> ScramSha256Exchange.initialResponse(initial("SCRAM-SHA-256", -2, data)), "08P01");
        fails(() -> ScramSha256Exchange.initialResponse(bytes("SCRAM-SHA-256")), "08P01");
        fails(() -> ScramSha256Exchange.initialResponse(bytes("SCRAM-SHA-256\0\0\0")), "08P01");
    }

    @Test
    void serverNoncesAreFreshPrintableBase64() {
        SecureRandom random = new SecureRandom();
        String a = ScramSha256Exchange.newServerNonce(random);
        String b = ScramSha256Exchange.newServerNonce(random);
        assertNotEquals(a, b);
        assertEquals(18, Base64.getDecoder().decode(a).length);
        assertTrue(a.chars().allMatch(c -> c > 0x20 && c < 0x7F && c != ','), a);
    }

    private static byte[] initial(String mechanism, int length, byte[] data) {
        byte[] name = bytes(mechanism);
        ByteBuffer b = ByteBuffer.allocate(name.length + 1 + 4 + data.length);
        b.put(name).put((byte) 0).putInt(length).put(data);
        return b.array();
    }
}
