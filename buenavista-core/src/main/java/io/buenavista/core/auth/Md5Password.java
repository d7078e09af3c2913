package io.buenavista.core.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** The client side of PostgreSQL's MD5 password authentication, as the relay logs in to a backend. */
public final class Md5Password {
    private Md5Password() {}

    /**
     * The answer to PostgreSQL's AuthenticationMD5Password: {@code "md5" + md5hex(md5hex(password + user) + salt)}.
     */
    public static String response(String user, String password, byte[] salt) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            String inner = hex(md5.digest((password + user).getBytes(StandardCharsets.UTF_8)));
            md5.update(inner.getBytes(StandardCharsets.US_ASCII));
            md5.update(salt);
            return "md5" + hex(md5.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has MD5", e);
        }
    }

    private static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return sb.toString();
    }
}
