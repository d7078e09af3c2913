package io.buenavista.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The SCRAM-SHA-256 exchange of RFC 7677, section 3. */
class ScramClientTest {
    private static final String SERVER_FIRST =
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

    @Test
    void reproducesTheRfcExample() {
        ScramClient scram = new ScramClient("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        assertEquals("n,,n=user,r=rOprNGfwEbeRWgbNEkqO", utf8(scram.clientFirst()));
        assertEquals("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", utf8(scram.clientFinal(bytes(SERVER_FIRST))));
        scram.verifyServerFinal(bytes("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
    }

    @Test
    void rejectsAWrongServerSignatureAndAForeignNonce() {
        ScramClient scram = new ScramClient("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        scram.clientFirst();
        scram.clientFinal(bytes(SERVER_FIRST));
        assertThrows(AssertionError.class,
                () -> scram.verifyServerFinal(bytes("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")));

        ScramClient other = new ScramClient("user", "pencil", "someOtherNonce");
        other.clientFirst();
        assertThrows(AssertionError.class, () -> other.clientFinal(bytes(SERVER_FIRST)));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
