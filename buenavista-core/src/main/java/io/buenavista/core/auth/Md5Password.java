package io.buenavista.core.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * PostgreSQL's MD5 password formula, for both sides: the server checks a client's answer against a stored hash
 * ({@link PasswordExchange}), and the relay answers a backend's AuthenticationMD5Password.
 */
public final class Md5Password {
    private Md5Password() {}

    /** {@code "md5" + md5hex(password + user)}: the form PostgreSQL stores. */
    public static String hash(String password, String user) {
        return "md5" + HexFormat.of().formatHex(md5((password + user).getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The answer to PostgreSQL's AuthenticationMD5Password: {@code "md5" + md5hex(md5hex(password + user) + salt)}.
     */
    public static String response(String user, String password, byte[] salt) {
        return salted(hash(password, user), salt);
    }

    /** {@code "md5" + md5hex(storedHash without its "md5" + salt)}: the answer a stored hash expects. */
    static String salted(String storedHash, byte[] salt) {
        byte[] inner = storedHash.substring(3).getBytes(StandardCharsets.US_ASCII);
        byte[] data = new byte[inner.length + salt.length];
        System.arraycopy(inner, 0, data, 0, inner.length);
        System.arraycopy(salt, 0, data, inner.length, salt.length);
        return "md5" + HexFormat.of().formatHex(md5(data));
    }

    private static byte[] md5(byte[] data) {
        try {
            return MessageDigest.getInstance("MD5").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has MD5", e);
        }
    }
}
