package io.buenavista.testing.http;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A fake OpenID issuer over real HTTP: serves its public keys as a JWKS at {@code /jwks} (EC P-384, each with a
 * {@code kid} and a declared {@code alg}) and mints tokens with any header and claims, including deliberately bad
 * ones ({@code alg=none}, HS256 keyed with the public key's PEM). Keys can be added and retired (rotation), and the
 * issuer can go {@link #down()}.
 */
public final class FakeOpenIdIssuer implements AutoCloseable {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    /** A P-384 key pair the issuer signs with, published under {@code kid} with {@code declaredAlg}. */
    public record SigningKey(String kid, String declaredAlg, KeyPair pair) {
        public ECPublicKey publicKey() {
            return (ECPublicKey) pair.getPublic();
        }

        /** The public key as a PEM {@code PUBLIC KEY} block (what an attacker would use as an HMAC secret). */
        public String publicKeyPem() {
            return "-----BEGIN PUBLIC KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                            .encodeToString(pair.getPublic().getEncoded())
                    + "\n-----END PUBLIC KEY-----\n";
        }

        /** The JWK the issuer publishes for this key. */
        public Map<String, Object> jwk() {
            Map<String, Object> jwk = new LinkedHashMap<>();
            jwk.put("kty", "EC");
            jwk.put("crv", "P-384");
            jwk.put("x", B64URL.encodeToString(coordinate(publicKey().getW().getAffineX())));
            jwk.put("y", B64URL.encodeToString(coordinate(publicKey().getW().getAffineY())));
            jwk.put("kid", kid);
            jwk.put("use", "sig");
            if (declaredAlg != null) {
                jwk.put("alg", declaredAlg);
            }
            return jwk;
        }

        private static byte[] coordinate(BigInteger v) {
            byte[] raw = v.toByteArray();
            byte[] fixed = new byte[48];
            int n = Math.min(raw.length, 48);
            System.arraycopy(raw, raw.length - n, fixed, 48 - n, n);
            return fixed;
        }
    }

    private final FakeHttpService http;
    private final List<SigningKey> published = new CopyOnWriteArrayList<>();

    private FakeOpenIdIssuer(FakeHttpService http) {
        this.http = http;
        http.route("GET", "/jwks", request -> FakeHttpService.Answer.json(jwksJson()));
    }

    /** Starts an issuer publishing one key, {@code key-1}. */
    public static FakeOpenIdIssuer start() {
        FakeOpenIdIssuer issuer = new FakeOpenIdIssuer(FakeHttpService.start());
        issuer.addKey("key-1");
        return issuer;
    }

    /** The same over HTTPS with the certificate and key of {@code tls}. */
    public static FakeOpenIdIssuer startTls(javax.net.ssl.SSLContext tls) {
        FakeOpenIdIssuer issuer = new FakeOpenIdIssuer(FakeHttpService.startTls(tls));
        issuer.addKey("key-1");
        return issuer;
    }

    /** The issuer URL ({@code idIssuerUrl}); the JWKS is at {@code url() + "/jwks"}. */
    public URI url() {
        return http.url();
    }

    /** A new P-384 key published under {@code kid} with {@code alg} ES384; it becomes the default signing key. */
    public SigningKey addKey(String kid) {
        return addKey(kid, "ES384");
    }

    /** A new P-384 key published under {@code kid} declaring {@code declaredAlg} (null: no {@code alg} member). */
    public SigningKey addKey(String kid, String declaredAlg) {
        SigningKey key = new SigningKey(kid, declaredAlg, newP384());
        published.add(0, key);
        return key;
    }

    /** A P-384 key that is not published (for tokens whose signature must fail or whose kid is unknown). */
    public static SigningKey unpublishedKey(String kid) {
        return new SigningKey(kid, "ES384", newP384());
    }

    /** Publishes a key made elsewhere (rotation to a key a token was already signed with). */
    public void publish(SigningKey key) {
        published.add(0, key);
    }

    /** Stops publishing the key with this kid. */
    public void retire(String kid) {
        published.removeIf(k -> k.kid().equals(kid));
    }

    /** The newest published key. */
    public SigningKey currentKey() {
        return published.get(0);
    }

    /** The JWKS requests received so far. */
    public int jwksRequests() {
        return http.requests("/jwks").size();
    }

    /** The JWKS document currently served. */
    public String jwksJson() {
        List<Map<String, Object>> keys = new ArrayList<>();
        for (SigningKey k : published) {
            keys.add(k.jwk());
        }
        return GSON.toJson(Map.of("keys", keys));
    }

    /** Replaces the JWKS answer (a 5xx, broken JSON, a delay); {@link #serveKeys()} restores it. */
    public void answerJwks(FakeHttpService.Answer answer) {
        http.route("GET", "/jwks", request -> answer);
    }

    /** Serves the published keys again after {@link #answerJwks}. */
    public void serveKeys() {
        http.route("GET", "/jwks", request -> FakeHttpService.Answer.json(jwksJson()));
    }

    /** Connections refused until {@link #up()}. */
    public void down() {
        http.down();
    }

    public void up() {
        http.up();
    }

    /** A token builder signing with the current key, subject {@code user}, audience {@code audience}, 5 min. */
    public Token token(String user, String audience) {
        return new Token(currentKey()).claim("sub", user).claim("aud", audience).expiresIn(Duration.ofMinutes(5));
    }

    @Override
    public void close() {
        http.close();
    }

    private static KeyPair newP384() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp384r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Builds a compact JWS; header and claims are as set, nothing is checked. */
    public static final class Token {
        private final Map<String, Object> header = new LinkedHashMap<>();
        private final Map<String, Object> claims = new LinkedHashMap<>();
        private SigningKey key;

        public Token(SigningKey key) {
            this.key = key;
            header.put("alg", "ES384");
            header.put("typ", "JWT");
            header.put("kid", key.kid());
        }

        /** Sets a claim; a null value removes it. */
        public Token claim(String name, Object value) {
            if (value == null) {
                claims.remove(name);
            } else {
                claims.put(name, value);
            }
            return this;
        }

        /** Sets a header member; a null value removes it. */
        public Token header(String name, Object value) {
            if (value == null) {
                header.remove(name);
            } else {
                header.put(name, value);
            }
            return this;
        }

        public Token kid(String kid) {
            return header("kid", kid);
        }

        public Token expiresIn(Duration d) {
            return claim("exp", Instant.now().plus(d).getEpochSecond());
        }

        public Token expiredAgo(Duration d) {
            return claim("exp", Instant.now().minus(d).getEpochSecond());
        }

        public Token noExpiry() {
            return claim("exp", null);
        }

        public Token notBeforeIn(Duration d) {
            return claim("nbf", Instant.now().plus(d).getEpochSecond());
        }

        /** Signs with another key (the header's kid is left as is). */
        public Token signedBy(SigningKey other) {
            this.key = other;
            return this;
        }

        /** ES384 with the key: {@code header.payload.signature}. */
        public String compact() {
            String signingInput = signingInput();
            try {
                Signature s = Signature.getInstance("SHA384withECDSAinP1363Format");
                s.initSign(key.pair().getPrivate());
                s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
                return signingInput + "." + B64URL.encodeToString(s.sign());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        /** {@code alg=none} and an empty signature. */
        public String unsigned() {
            header.put("alg", "none");
            return signingInput() + ".";
        }

        /** HS256 keyed with the public key's PEM text: the classic algorithm-confusion attack. */
        public String hs256WithPublicKey() {
            header.put("alg", "HS256");
            String signingInput = signingInput();
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key.publicKeyPem().getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
                return signingInput + "." + B64URL.encodeToString(mac.doFinal(
                        signingInput.getBytes(StandardCharsets.US_ASCII)));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A validly signed token whose signature has one byte changed. */
        public String withBadSignature() {
            String good = compact();
            int dot = good.lastIndexOf('.');
            byte[] sig = Base64.getUrlDecoder().decode(good.substring(dot + 1));
            sig[sig.length / 2] ^= 0x01;
            return good.substring(0, dot + 1) + B64URL.encodeToString(sig);
        }

        private String signingInput() {
            Objects.requireNonNull(key, "key");
            return B64URL.encodeToString(GSON.toJson(header).getBytes(StandardCharsets.UTF_8)) + "."
                    + B64URL.encodeToString(GSON.toJson(claims).getBytes(StandardCharsets.UTF_8));
        }
    }
}
