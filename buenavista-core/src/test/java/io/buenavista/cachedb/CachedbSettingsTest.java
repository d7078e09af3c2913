package io.buenavista.cachedb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The original cachedb's environment read into {@link CachedbSettings}: defaults, every variable, and refusals. */
class CachedbSettingsTest {
    /** A self-signed CA certificate (public, no key): what TLS__INTERNAL__CA_CRT holds. */
    private static final String CA_PEM = ""
            + "-----BEGIN CERTIFICATE-----\n"
            + "MIIBizCCATGgAwIBAgIUcl8c2wOqvYApqpyIuNM0LE8DpSMwCgYIKoZIzj0EAwIw\n"
            + "GzEZMBcGA1UEAwwQSW50ZXJuYWwgVGVzdCBDQTAeFw0yNjEyMDUxMTIxMTJaFw0z\n"
            + "NjEyMDIxMTIxMTJaMBsxGTAXBgNVBAMMEEludGVybmFsIFRlc3QgQ0EwWTATBgcq\n"
            + "hkjOPQIBBggqhkjOPQMBBwNCAAQfHgi3Yqtxb6Aek95T1+amYfqAeuHZR0K2jDzx\n"
            + "vbQcz4FT7UQHIfkqCnN5zdlYOb31J/xzQ1kbLwNpYrgnwg2Ro1MwUTAdBgNVHQ4E\n"
            + "FgQUiBCeANBxFJnkOMjdNOuSGzrstFEwHwYDVR0jBBgwFoAUiBCeANBxFJnkOMjd\n"
            + "NOuSGzrstFEwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEAl0ez\n"
            + "vEUCopMNZTLoTrfSusksWRhGPeA7BMMo377OM20CICuTKJac59WDvWUKaCQbPLoo\n"
            + "Lmg+OFYlh7oBeAYwSSH3\n"
            + "-----END CERTIFICATE-----\n";

    private static final String ROUTES = "{\"idIssuerUrl\": \"https://idp.example/oauth/\", "
            + "\"usermgmt\": \"http://usermgmt:9000\", \"portalServer\": \"http://portal:8080/api\", \"other\": 1}";

    private static Map<String, String> env(String... pairs) {
        Map<String, String> m = new HashMap<>();
        m.put("SERVICE_ROUTES", ROUTES);
        m.put("IDP__SCOPE", "cachedb-scope");
        m.put("DATABASE_CREDENTIALS", "[{\"secret\": \"not ours\"}]");
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] == null) {
                m.remove(pairs[i]);
            } else {
                m.put(pairs[i], pairs[i + 1]);
            }
        }
        return m;
    }

    private static CachedbSettings.InvalidSettingException refused(Map<String, String> env, String variable) {
        CachedbSettings.InvalidSettingException e = assertThrows(CachedbSettings.InvalidSettingException.class,
                () -> CachedbSettings.fromEnvironment(env));
        assertEquals(variable, e.variable());
        assertTrue(e.getMessage().startsWith(variable + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e;
    }

    @Test
    void theRequiredVariablesAloneGiveTheOriginalsDefaults() {
        CachedbSettings s = CachedbSettings.fromEnvironment(env());
        assertEquals(URI.create("https://idp.example/oauth"), s.serviceRoutes().idIssuerUrl());
        assertEquals(URI.create("https://idp.example/oauth/jwks"), s.serviceRoutes().jwks());
        assertEquals(URI.create("http://usermgmt:9000"), s.serviceRoutes().usermgmt());
        assertEquals(URI.create("http://portal:8080/api"), s.serviceRoutes().portalServer());
        assertEquals("cachedb-scope", s.scope());
        assertEquals("sub", s.subjectClaim());
        assertEquals(Optional.empty(), s.clientId());
        assertEquals(List.of("ES384"), s.jwtAlgorithms());
        assertEquals(Optional.empty(), s.jwtIssuer());
        assertEquals(Duration.ZERO, s.clockSkew());
        assertEquals(Duration.ofSeconds(30), s.jwksMinRefresh());
        assertEquals(Duration.ofSeconds(60), s.authCacheTtl());
        assertEquals(CachedbSettings.PasswordMethod.PASSWORD, s.passwordMethod());
        assertFalse(s.allowPlaintextPassword());
        assertEquals(CachedbSettings.SessionExpiry.KEEP, s.sessionExpiry());
        assertEquals(Optional.empty(), s.tlsCaPem());
        assertTrue(s.verifyTls());
        assertEquals(Duration.ofSeconds(5), s.httpConnectTimeout());
        assertEquals(Duration.ofSeconds(10), s.httpRequestTimeout());
        assertEquals(CachedbSettings.defaults(s.serviceRoutes(), "cachedb-scope"), s);
    }

    @Test
    void everyOptionalVariableIsRead() {
        CachedbSettings s = CachedbSettings.fromEnvironment(env("IDP_SUBJECT_PROP", "oid",
                "IDP__ALP_DATA_CLIENT_ID", "alp-data", "CACHEDB__JWT_ALGORITHMS", "ES384, RS256",
                "CACHEDB__JWT_ISSUER", "https://idp.example/oauth", "CACHEDB__JWT_CLOCK_SKEW_S", "5",
                "CACHEDB__JWKS_MIN_REFRESH_S", "0", "CACHEDB__AUTH_CACHE_TTL_S", "2.5",
                "CACHEDB__PASSWORD_METHOD", "oauthbearer", "CACHEDB__ALLOW_PLAINTEXT_PASSWORD", "true",
                "CACHEDB__SESSION_EXPIRY", "close", "PYTHON_VERIFY_SSL", "false",
                "CACHEDB__HTTP_CONNECT_TIMEOUT_S", "1", "CACHEDB__HTTP_TIMEOUT_S", "3"));
        assertEquals("oid", s.subjectClaim());
        assertEquals(Optional.of("alp-data"), s.clientId());
        assertEquals(List.of("ES384", "RS256"), s.jwtAlgorithms());
        assertEquals(Optional.of("https://idp.example/oauth"), s.jwtIssuer());
        assertEquals(Duration.ofSeconds(5), s.clockSkew());
        assertEquals(Duration.ZERO, s.jwksMinRefresh());
        assertEquals(Duration.ofMillis(2500), s.authCacheTtl());
        assertEquals(CachedbSettings.PasswordMethod.OAUTHBEARER, s.passwordMethod());
        assertTrue(s.allowPlaintextPassword());
        assertEquals(CachedbSettings.SessionExpiry.CLOSE, s.sessionExpiry());
        assertFalse(s.verifyTls());
        assertEquals(Duration.ofSeconds(1), s.httpConnectTimeout());
        assertEquals(Duration.ofSeconds(3), s.httpRequestTimeout());
        assertEquals(URI.create("https://idp.example/oauth/.well-known/openid-configuration"),
                s.serviceRoutes().openidConfiguration());
    }

    @Test
    void theCaCertificateMayBeInlineWithRealOrLiteralNewlinesOrAFile(@TempDir Path dir) throws Exception {
        CachedbSettings real = CachedbSettings.fromEnvironment(env("TLS__INTERNAL__CA_CRT", CA_PEM));
        assertEquals("CN=Internal Test CA", real.caCertificates().get(0).getSubjectX500Principal().getName());
        CachedbSettings literal = CachedbSettings.fromEnvironment(env("TLS__INTERNAL__CA_CRT",
                CA_PEM.replace("\n", "\\n")));
        assertEquals(real.caCertificates(), literal.caCertificates());
        Path file = dir.resolve("ca.crt");
        Files.writeString(file, CA_PEM);
        CachedbSettings fromFile = CachedbSettings.fromEnvironment(env("TLS__INTERNAL__CA_CRT", file.toString()));
        assertEquals(real.caCertificates(), fromFile.caCertificates());
    }

    @Test
    void aMissingRequiredVariableIsNamed() {
        assertEquals("SERVICE_ROUTES: is required but not set",
                refused(env("SERVICE_ROUTES", null), "SERVICE_ROUTES").getMessage());
        assertEquals("IDP__SCOPE: is required but not set", refused(env("IDP__SCOPE", " "), "IDP__SCOPE").getMessage());
    }

    @Test
    void anInvalidVariableIsNamedWithoutRepeatingItsValue() {
        refused(env("SERVICE_ROUTES", "{not json"), "SERVICE_ROUTES");
        refused(env("SERVICE_ROUTES", "[]"), "SERVICE_ROUTES");
        assertEquals("SERVICE_ROUTES: has no string member \"portalServer\"", refused(env("SERVICE_ROUTES",
                "{\"idIssuerUrl\": \"http://a\", \"usermgmt\": \"http://b\"}"), "SERVICE_ROUTES").getMessage());
        refused(env("SERVICE_ROUTES", "{\"idIssuerUrl\": \"ftp://a\", \"usermgmt\": \"http://b\", "
                + "\"portalServer\": \"http://c\"}"), "SERVICE_ROUTES");
        refused(env("CACHEDB__JWT_ALGORITHMS", "HS256"), "CACHEDB__JWT_ALGORITHMS");
        refused(env("CACHEDB__JWT_ALGORITHMS", "none"), "CACHEDB__JWT_ALGORITHMS");
        refused(env("CACHEDB__JWT_ALGORITHMS", " , "), "CACHEDB__JWT_ALGORITHMS");
        refused(env("CACHEDB__JWT_CLOCK_SKEW_S", "-1"), "CACHEDB__JWT_CLOCK_SKEW_S");
        refused(env("CACHEDB__AUTH_CACHE_TTL_S", "sixty"), "CACHEDB__AUTH_CACHE_TTL_S");
        refused(env("CACHEDB__HTTP_TIMEOUT_S", "0"), "CACHEDB__HTTP_TIMEOUT_S");
        refused(env("CACHEDB__PASSWORD_METHOD", "md5"), "CACHEDB__PASSWORD_METHOD");
        refused(env("CACHEDB__SESSION_EXPIRY", "never"), "CACHEDB__SESSION_EXPIRY");
        refused(env("PYTHON_VERIFY_SSL", "maybe"), "PYTHON_VERIFY_SSL");
        refused(env("CACHEDB__ALLOW_PLAINTEXT_PASSWORD", "sure"), "CACHEDB__ALLOW_PLAINTEXT_PASSWORD");
        String secretLooking = "-----BEGIN CERTIFICATE-----\nc2VjcmV0LXZhbHVl\n-----END CERTIFICATE-----";
        CachedbSettings.InvalidSettingException pem = refused(env("TLS__INTERNAL__CA_CRT", secretLooking),
                "TLS__INTERNAL__CA_CRT");
        assertFalse(pem.getMessage().contains("c2VjcmV0"), pem.getMessage());
        refused(env("TLS__INTERNAL__CA_CRT", "/no/such/ca.crt"), "TLS__INTERNAL__CA_CRT");
    }

    @Test
    void databaseCredentialsAreNotReadHere() {
        CachedbSettings s = CachedbSettings.fromEnvironment(env());
        assertFalse(s.toString().contains("not ours"), s.toString());
    }
}
