package io.buenavista.cachedb;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What the cachedb authenticator needs to know, as a typed value for embedders; {@link #fromEnvironment(Map)} reads
 * it from the original cachedb's environment variables. A missing or invalid setting fails with an
 * {@link InvalidSettingException} whose one-line message names the variable and never repeats its value.
 *
 * @param serviceRoutes          the identity issuer, user-management and portal services ({@code SERVICE_ROUTES})
 * @param scope                  the audience a token must carry ({@code IDP__SCOPE})
 * @param subjectClaim           the claim holding the user id ({@code IDP_SUBJECT_PROP}, default {@code sub})
 * @param clientId               the client-credentials user id allowed everything ({@code IDP__ALP_DATA_CLIENT_ID});
 *                               empty never matches
 * @param jwtAlgorithms          the signature algorithms accepted ({@code CACHEDB__JWT_ALGORITHMS}, default ES384);
 *                               asymmetric only
 * @param jwtIssuer              the required {@code iss} ({@code CACHEDB__JWT_ISSUER}); empty: not checked
 * @param clockSkew              tolerance for {@code exp} and {@code nbf} ({@code CACHEDB__JWT_CLOCK_SKEW_S}, 0)
 * @param jwksMinRefresh         the least time between two JWKS fetches caused by unknown key ids
 *                               ({@code CACHEDB__JWKS_MIN_REFRESH_S}, 30 s)
 * @param authCacheTtl           how long a token's authorization answers are reused ({@code CACHEDB__AUTH_CACHE_TTL_S},
 *                               60 s; never beyond the token's expiry)
 * @param passwordMethod         how a token not given as the user name is asked for ({@code CACHEDB__PASSWORD_METHOD})
 * @param allowPlaintextPassword whether a token may come as a cleartext password over an unencrypted, non-loopback
 *                               connection ({@code CACHEDB__ALLOW_PLAINTEXT_PASSWORD}, false)
 * @param sessionExpiry          what happens to a session whose token expires ({@code CACHEDB__SESSION_EXPIRY})
 * @param tlsCaPem               extra CA certificates (PEM) trusted for the services ({@code TLS__INTERNAL__CA_CRT})
 * @param verifyTls              whether the services' certificates are verified ({@code PYTHON_VERIFY_SSL}, true)
 * @param httpConnectTimeout     connect timeout of every outbound call ({@code CACHEDB__HTTP_CONNECT_TIMEOUT_S}, 5 s)
 * @param httpRequestTimeout     whole-answer timeout of every outbound call ({@code CACHEDB__HTTP_TIMEOUT_S}, 10 s)
 */
public record CachedbSettings(ServiceRoutes serviceRoutes, String scope, String subjectClaim, Optional<String> clientId,
        List<String> jwtAlgorithms, Optional<String> jwtIssuer, Duration clockSkew, Duration jwksMinRefresh,
        Duration authCacheTtl, PasswordMethod passwordMethod, boolean allowPlaintextPassword,
        SessionExpiry sessionExpiry, Optional<String> tlsCaPem, boolean verifyTls, Duration httpConnectTimeout,
        Duration httpRequestTimeout) {

    /** The signature algorithms a JWKS can verify; symmetric ones and {@code none} are never accepted. */
    public static final Set<String> ASYMMETRIC_ALGORITHMS = Set.of("RS256", "RS384", "RS512", "PS256", "PS384",
            "PS512", "ES256", "ES384", "ES512", "EdDSA");

    /**
     * The three services of {@code SERVICE_ROUTES}, without trailing slashes.
     *
     * @param idIssuerUrl  the OpenID issuer; its keys are at {@code /jwks}
     * @param usermgmt     the user-management service ({@code POST /user-group/list})
     * @param portalServer the portal service ({@code GET /dataset?datasetId=})
     */
    public record ServiceRoutes(URI idIssuerUrl, URI usermgmt, URI portalServer) {
        public ServiceRoutes {
            idIssuerUrl = httpUrl(idIssuerUrl, "idIssuerUrl");
            usermgmt = httpUrl(usermgmt, "usermgmt");
            portalServer = httpUrl(portalServer, "portalServer");
        }

        /** The issuer's JWKS. */
        public URI jwks() {
            return URI.create(idIssuerUrl + "/jwks");
        }

        /** The issuer's discovery document (named in the OAUTHBEARER error challenge). */
        public URI openidConfiguration() {
            return URI.create(idIssuerUrl + "/.well-known/openid-configuration");
        }

        private static URI httpUrl(URI uri, String name) {
            Objects.requireNonNull(uri, name);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                throw new IllegalArgumentException(name + " is not an http(s) URL");
            }
            String s = uri.toString();
            while (s.endsWith("/")) {
                s = s.substring(0, s.length() - 1);
            }
            return URI.create(s);
        }
    }

    /** How a token that is not the user name is asked for. */
    public enum PasswordMethod {
        /** {@code AuthenticationCleartextPassword}: every client library can answer it. */
        PASSWORD,
        /** SASL {@code OAUTHBEARER} as PostgreSQL 18 runs it (libpq 18; not pgjdbc, psycopg or node-postgres yet). */
        OAUTHBEARER
    }

    /** What happens to a session once its token expires. */
    public enum SessionExpiry {
        /** The session goes on (the original's behaviour). */
        KEEP,
        /** The session ends with FATAL 28P01 "token expired" at its next statement boundary. */
        CLOSE
    }

    /** A missing or invalid setting; the message names the variable (or component) and never shows its value. */
    public static final class InvalidSettingException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final String variable;

        public InvalidSettingException(String variable, String problem) {
            super(variable + ": " + problem);
            this.variable = variable;
        }

        /** The environment variable (or record component) at fault. */
        public String variable() {
            return variable;
        }
    }

    public CachedbSettings {
        Objects.requireNonNull(serviceRoutes, "serviceRoutes");
        if (scope == null || scope.isBlank()) {
            throw new InvalidSettingException("scope", "must not be empty");
        }
        if (subjectClaim == null || subjectClaim.isBlank()) {
            throw new InvalidSettingException("subjectClaim", "must not be empty");
        }
        clientId = Objects.requireNonNull(clientId, "clientId").filter(s -> !s.isEmpty());
        jwtAlgorithms = List.copyOf(jwtAlgorithms);
        if (jwtAlgorithms.isEmpty()) {
            throw new InvalidSettingException("jwtAlgorithms", "must name at least one algorithm");
        }
        for (String alg : jwtAlgorithms) {
            if (!ASYMMETRIC_ALGORITHMS.contains(alg)) {
                throw new InvalidSettingException("jwtAlgorithms", "\"" + alg + "\" is not one of "
                        + ASYMMETRIC_ALGORITHMS.stream().sorted().toList()
                        + " (symmetric algorithms and none cannot be verified with a JWKS)");
            }
        }
        jwtIssuer = Objects.requireNonNull(jwtIssuer, "jwtIssuer").filter(s -> !s.isEmpty());
        nonNegative(clockSkew, "clockSkew");
        nonNegative(jwksMinRefresh, "jwksMinRefresh");
        nonNegative(authCacheTtl, "authCacheTtl");
        Objects.requireNonNull(passwordMethod, "passwordMethod");
        Objects.requireNonNull(sessionExpiry, "sessionExpiry");
        Objects.requireNonNull(tlsCaPem, "tlsCaPem");
        tlsCaPem.ifPresent(pem -> certificates(pem, "tlsCaPem"));
        positive(httpConnectTimeout, "httpConnectTimeout");
        positive(httpRequestTimeout, "httpRequestTimeout");
    }

    /** The settings with every optional one at its default. */
    public static CachedbSettings defaults(ServiceRoutes serviceRoutes, String scope) {
        return new CachedbSettings(serviceRoutes, scope, "sub", Optional.empty(), List.of("ES384"), Optional.empty(),
                Duration.ZERO, Duration.ofSeconds(30), Duration.ofSeconds(60), PasswordMethod.PASSWORD, false,
                SessionExpiry.KEEP, Optional.empty(), true, Duration.ofSeconds(5), Duration.ofSeconds(10));
    }

    /** A copy reading the user id from {@code claim} ({@code IDP_SUBJECT_PROP}). */
    public CachedbSettings withSubjectClaim(String claim) {
        return new CachedbSettings(serviceRoutes, scope, claim, clientId, jwtAlgorithms, jwtIssuer, clockSkew,
                jwksMinRefresh, authCacheTtl, passwordMethod, allowPlaintextPassword, sessionExpiry, tlsCaPem,
                verifyTls, httpConnectTimeout, httpRequestTimeout);
    }

    /** A copy with this client-credentials id ({@code IDP__ALP_DATA_CLIENT_ID}); null or empty: none. */
    public CachedbSettings withClientId(String id) {
        return new CachedbSettings(serviceRoutes, scope, subjectClaim, Optional.ofNullable(id), jwtAlgorithms,
                jwtIssuer, clockSkew, jwksMinRefresh, authCacheTtl, passwordMethod, allowPlaintextPassword,
                sessionExpiry, tlsCaPem, verifyTls, httpConnectTimeout, httpRequestTimeout);
    }

    /** A copy accepting these signature algorithms ({@code CACHEDB__JWT_ALGORITHMS}). */
    public CachedbSettings withJwtAlgorithms(List<String> algorithms) {
        return new CachedbSettings(serviceRoutes, scope, subjectClaim, clientId, algorithms, jwtIssuer, clockSkew,
                jwksMinRefresh, authCacheTtl, passwordMethod, allowPlaintextPassword, sessionExpiry, tlsCaPem,
                verifyTls, httpConnectTimeout, httpRequestTimeout);
    }

    /** A copy requiring this {@code iss} ({@code CACHEDB__JWT_ISSUER}); null: not checked. */
    public CachedbSettings withJwtIssuer(String issuer) {
        return new CachedbSettings(serviceRoutes, scope, subjectClaim, clientId, jwtAlgorithms,
                Optional.ofNullable(issuer), clockSkew, jwksMinRefresh, authCacheTtl, passwordMethod,
                allowPlaintextPassword, sessionExpiry, tlsCaPem, verifyTls, httpConnectTimeout, httpRequestTimeout);
    }

    /** A copy with this tolerance for {@code exp} and {@code nbf} ({@code CACHEDB__JWT_CLOCK_SKEW_S}). */
    public CachedbSettings withClockSkew(Duration skew) {
        return new CachedbSettings(serviceRoutes, scope, subjectClaim, clientId, jwtAlgorithms, jwtIssuer, skew,
                jwksMinRefresh, authCacheTtl, passwordMethod, allowPlaintextPassword, sessionExpiry, tlsCaPem,
                verifyTls, httpConnectTimeout, httpRequestTimeout);
    }

    /** A copy with this least time between JWKS fetches ({@code CACHEDB__JWKS_MIN_REFRESH_S}). */
    public CachedbSettings withJwksMinRefresh(Duration minRefresh) {
        return new CachedbSettings(serviceRoutes, scope, subjectClaim, clientId, jwtAlgorithms, jwtIssuer, clockSkew,
                minRefresh, authCacheTtl, passwordMethod, allowPlaintextPassword, sessionExpiry, tlsCaPem,
                verifyTls, httpConnectTimeout, httpRequestTimeout);
    }

    /** A copy caching authorization answers this long ({@code CACHEDB__AUTH_CACHE_TTL_S}). */
    public CachedbSettings withAuthCacheTtl(Duration ttl) {
        return new CachedbSettings(serviceRoutes, scope, subjectClaim, clientId, jwtAlgorithms, jwtIssuer, clockSkew,
                jwksMinRefresh, ttl, passwordMethod, allowPlaintextPassword, sessionExpiry, tlsCaPem, verifyTls,
                httpConnectTimeout, httpRequestTimeout);
    }

    /** A copy asking for a token this way ({@code CACHEDB__PASSWORD_METHOD}). */
    public CachedbSettings withPasswordMethod(PasswordMethod method) {
        return new CachedbSettings(serviceRoutes, scope, subjectClaim, clientId, jwtAlgorithms, jwtIssuer, clockSkew,
                jwksMinRefresh, authCacheTtl, method, allowPlaintextPassword, sessionExpiry, tlsCaPem, verifyTls,
                httpConnectTimeout, httpRequestTimeout);
    }

    /** A copy allowing (or not) tokens as passwords in the clear ({@code CACHEDB__ALLOW_PLAINTEXT_PASSWORD}). */
    public CachedbSettings withAllowPlaintextPassword(boolean allow) {
        return new CachedbSettings(serviceRoutes, scope, subjectClaim, clientId, jwtAlgorithms, jwtIssuer, clockSkew,
                jwksMinRefresh, authCacheTtl, passwordMethod, allow, sessionExpiry, tlsCaPem, verifyTls,
                httpConnectTimeout, httpRequestTimeout);
    }

    /** A copy with this session expiry mode ({@code CACHEDB__SESSION_EXPIRY}). */
    public CachedbSettings withSessionExpiry(SessionExpiry expiry) {
        return new CachedbSettings(serviceRoutes, scope, subjectClaim, clientId, jwtAlgorithms, jwtIssuer, clockSkew,
                jwksMinRefresh, authCacheTtl, passwordMethod, allowPlaintextPassword, expiry, tlsCaPem, verifyTls,
                httpConnectTimeout, httpRequestTimeout);
    }

    /** Extra trusted CA certificates (PEM text, or null for none) and whether certificates are verified at all. */
    public CachedbSettings withTls(String caPem, boolean verify) {
        return new CachedbSettings(serviceRoutes, scope, subjectClaim, clientId, jwtAlgorithms, jwtIssuer, clockSkew,
                jwksMinRefresh, authCacheTtl, passwordMethod, allowPlaintextPassword, sessionExpiry,
                Optional.ofNullable(caPem), verify, httpConnectTimeout, httpRequestTimeout);
    }

    /** A copy with these connect and whole-answer timeouts for outbound calls. */
    public CachedbSettings withHttpTimeouts(Duration connect, Duration request) {
        return new CachedbSettings(serviceRoutes, scope, subjectClaim, clientId, jwtAlgorithms, jwtIssuer, clockSkew,
                jwksMinRefresh, authCacheTtl, passwordMethod, allowPlaintextPassword, sessionExpiry, tlsCaPem,
                verifyTls, connect, request);
    }

    /** The CA certificates of {@link #tlsCaPem()}, parsed. */
    public List<X509Certificate> caCertificates() {
        return tlsCaPem.map(pem -> certificates(pem, "tlsCaPem")).orElse(List.of());
    }

    /** Reads the settings from this process's environment. */
    public static CachedbSettings fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * Reads the settings from environment variables named as the original cachedb's.
     *
     * @throws InvalidSettingException naming the first missing or invalid variable
     */
    public static CachedbSettings fromEnvironment(Map<String, String> env) {
        ServiceRoutes routes = serviceRoutes(required(env, "SERVICE_ROUTES"));
        String scope = required(env, "IDP__SCOPE");
        CachedbSettings d = defaults(routes, scope);
        String subject = optional(env, "IDP_SUBJECT_PROP").orElse(d.subjectClaim());
        List<String> algorithms = optional(env, "CACHEDB__JWT_ALGORITHMS").map(v -> algorithms(v))
                .orElse(d.jwtAlgorithms());
        Optional<String> caPem = optional(env, "TLS__INTERNAL__CA_CRT").map(v -> pem(v, "TLS__INTERNAL__CA_CRT"));
        return new CachedbSettings(routes, scope, subject, optional(env, "IDP__ALP_DATA_CLIENT_ID"), algorithms,
                optional(env, "CACHEDB__JWT_ISSUER"),
                seconds(env, "CACHEDB__JWT_CLOCK_SKEW_S", d.clockSkew(), true),
                seconds(env, "CACHEDB__JWKS_MIN_REFRESH_S", d.jwksMinRefresh(), true),
                seconds(env, "CACHEDB__AUTH_CACHE_TTL_S", d.authCacheTtl(), true),
                choice(env, "CACHEDB__PASSWORD_METHOD", PasswordMethod.class, d.passwordMethod()),
                bool(env, "CACHEDB__ALLOW_PLAINTEXT_PASSWORD", false),
                choice(env, "CACHEDB__SESSION_EXPIRY", SessionExpiry.class, d.sessionExpiry()), caPem,
                bool(env, "PYTHON_VERIFY_SSL", true),
                seconds(env, "CACHEDB__HTTP_CONNECT_TIMEOUT_S", d.httpConnectTimeout(), false),
                seconds(env, "CACHEDB__HTTP_TIMEOUT_S", d.httpRequestTimeout(), false));
    }

    /** A variable's stripped value; a missing or blank one is refused with one line naming it. */
    static String required(Map<String, String> env, String name) {
        return optional(env, name).orElseThrow(() -> new InvalidSettingException(name, "is required but not set"));
    }

    /** A variable's stripped value, or empty when it is missing or blank. */
    static Optional<String> optional(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip());
    }

    private static ServiceRoutes serviceRoutes(String json) {
        String var = "SERVICE_ROUTES";
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonObject()) {
                throw new InvalidSettingException(var, "must be a JSON object with idIssuerUrl, usermgmt and "
                        + "portalServer");
            }
            o = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new InvalidSettingException(var, "is not valid JSON");
        }
        URI[] uris = new URI[3];
        String[] names = {"idIssuerUrl", "usermgmt", "portalServer"};
        for (int i = 0; i < names.length; i++) {
            JsonElement member = o.get(names[i]);
            if (member == null || !member.isJsonPrimitive() || !member.getAsJsonPrimitive().isString()
                    || member.getAsString().isBlank()) {
                throw new InvalidSettingException(var, "has no string member \"" + names[i] + "\"");
            }
            try {
                uris[i] = new URI(member.getAsString().strip());
            } catch (URISyntaxException e) {
                throw new InvalidSettingException(var, "\"" + names[i] + "\" is not a URL");
            }
        }
        try {
            return new ServiceRoutes(uris[0], uris[1], uris[2]);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(var, e.getMessage());
        }
    }

    private static List<String> algorithms(String value) {
        List<String> algs = new ArrayList<>();
        for (String part : value.split(",")) {
            String alg = part.strip();
            if (alg.isEmpty()) {
                continue;
            }
            if (!ASYMMETRIC_ALGORITHMS.contains(alg)) {
                throw new InvalidSettingException("CACHEDB__JWT_ALGORITHMS", "\"" + alg + "\" is not one of "
                        + ASYMMETRIC_ALGORITHMS.stream().sorted().toList());
            }
            algs.add(alg);
        }
        if (algs.isEmpty()) {
            throw new InvalidSettingException("CACHEDB__JWT_ALGORITHMS", "names no algorithm");
        }
        return algs;
    }

    private static Duration seconds(Map<String, String> env, String name, Duration dflt, boolean zeroAllowed) {
        Optional<String> v = optional(env, name);
        if (v.isEmpty()) {
            return dflt;
        }
        try {
            BigDecimal s = new BigDecimal(v.get());
            boolean tooLarge = s.compareTo(BigDecimal.valueOf(86_400L * 366)) > 0;
            if (s.signum() < 0 || (!zeroAllowed && s.signum() == 0) || tooLarge) {
                throw new NumberFormatException();
            }
            return Duration.ofMillis(s.movePointRight(3).longValue());
        } catch (NumberFormatException e) {
            throw new InvalidSettingException(name, "must be a number of seconds" + (zeroAllowed ? " (0 or more)"
                    : " (more than 0)"));
        }
    }

    private static boolean bool(Map<String, String> env, String name, boolean dflt) {
        Optional<String> v = optional(env, name);
        if (v.isEmpty()) {
            return dflt;
        }
        switch (v.get().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on":
                return true;
            case "false", "0", "no", "off":
                return false;
            default:
                throw new InvalidSettingException(name, "must be true or false");
        }
    }

    private static <E extends Enum<E>> E choice(Map<String, String> env, String name, Class<E> type, E dflt) {
        Optional<String> v = optional(env, name);
        if (v.isEmpty()) {
            return dflt;
        }
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(v.get())) {
                return e;
            }
        }
        List<String> allowed = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            allowed.add(e.name().toLowerCase(Locale.ROOT));
        }
        throw new InvalidSettingException(name, "must be one of " + allowed);
    }

    /**
     * A PEM-valued variable: inline PEM (line breaks real or written as the two characters {@code \n}) or the path
     * of a file holding it.
     */
    static String pem(String value, String name) {
        String text;
        if (value.contains("-----BEGIN")) {
            text = value.replace("\\n", "\n");
        } else {
            try {
                text = Files.readString(Path.of(value), StandardCharsets.US_ASCII);
            } catch (IOException | InvalidPathException | SecurityException e) {
                throw new InvalidSettingException(name, "is neither inline PEM nor a readable PEM file");
            }
        }
        certificates(text, name);
        return text;
    }

    private static List<X509Certificate> certificates(String pem, String name) {
        try {
            List<X509Certificate> certs = new ArrayList<>();
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            for (var c : f.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                certs.add((X509Certificate) c);
            }
            if (certs.isEmpty()) {
                throw new CertificateException("no certificate");
            }
            return certs;
        } catch (CertificateException | RuntimeException e) {
            throw new InvalidSettingException(name, "holds no valid PEM certificate");
        }
    }

    private static void nonNegative(Duration d, String name) {
        if (d == null || d.isNegative()) {
            throw new InvalidSettingException(name, "must be zero or more");
        }
    }

    private static void positive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new InvalidSettingException(name, "must be more than zero");
        }
    }
}
