package io.buenavista.cachedb;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.jsonwebtoken.Claims;
import io.jsonwebtoken.ClaimJwtException;
import io.jsonwebtoken.ExpiredJwtException;
import io.jsonwebtoken.IncorrectClaimException;
import io.jsonwebtoken.JwtException;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.LocatorAdapter;
import io.jsonwebtoken.MalformedJwtException;
import io.jsonwebtoken.MissingClaimException;
import io.jsonwebtoken.PrematureJwtException;
import io.jsonwebtoken.ProtectedHeader;
import io.jsonwebtoken.security.SignatureException;

import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.time.Clock;
import java.util.Base64;
import java.util.Date;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Verifies a compact JWS against the issuer's JWKS: the algorithm must be one of the pinned ones (so {@code none} and
 * HMAC never pass, whatever the key), the key named by {@code kid} must be published and, when it declares an
 * {@code alg}, declare the token's; then the signature, {@code exp} (required), {@code nbf}, {@code aud} =
 * scope and {@code iss} when configured, with the configured clock skew. jjwt checks the signature and the time and
 * audience claims; the algorithm pinning, the declared-alg match and the presence of {@code exp} are checked here,
 * because jjwt does not.
 */
final class JwtVerifier {
    /** Three base64url parts (the last may be empty: an unsigned token still has JWT shape, and is refused). */
    private static final Pattern JWT_SHAPE = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");
    private static final int MAX_TOKEN_LENGTH = 16 * 1024;

    private final CachedbSettings settings;
    private final JwksCache keys;
    private final Clock clock;
    private final Set<String> algorithms;

    JwtVerifier(CachedbSettings settings, JwksCache keys, Clock clock) {
        this.settings = settings;
        this.keys = keys;
        this.clock = clock;
        this.algorithms = Set.copyOf(settings.jwtAlgorithms());
    }

    /** Whether this text has the shape of a compact JWS (it may still be invalid). */
    static boolean looksLikeJwt(String text) {
        return text.length() <= MAX_TOKEN_LENGTH && JWT_SHAPE.matcher(text).matches();
    }

    /**
     * @param token         the compact token
     * @param authorization the header to forward to the services for it
     */
    VerifiedToken verify(String token, String authorization) throws TokenRejectedException,
            ServiceUnavailableException {
        if (!looksLikeJwt(token)) {
            throw new TokenRejectedException("not a JWT");
        }
        JsonObject header = header(token);
        String alg = stringMember(header, "alg").orElseThrow(() -> new TokenRejectedException("no algorithm"));
        if (!algorithms.contains(alg)) {
            throw new TokenRejectedException("algorithm " + printable(alg) + " is not allowed");
        }
        String kid = stringMember(header, "kid").orElseThrow(() -> new TokenRejectedException("no key id"));
        JwksCache.PublishedKey published = keys.key(kid)
                .orElseThrow(() -> new TokenRejectedException("unknown signing key"));
        if (published.declaredAlg() != null && !published.declaredAlg().equals(alg)) {
            throw new TokenRejectedException("the signing key is not for algorithm " + printable(alg));
        }
        Claims claims = parse(token, published);
        Date exp = claims.getExpiration();
        if (exp == null) {
            throw new TokenRejectedException("token has no expiry");
        }
        Object subject = claims.get(settings.subjectClaim());
        if (!(subject instanceof String userId) || userId.isBlank()) {
            throw new TokenRejectedException("token has no user id (claim " + printable(settings.subjectClaim())
                    + ")");
        }
        return new VerifiedToken(userId, exp.toInstant(), token, authorization);
    }

    private Claims parse(String token, JwksCache.PublishedKey published) throws TokenRejectedException {
        var builder = Jwts.parser()
                .keyLocator(new LocatorAdapter<Key>() {
                    @Override
                    protected Key locate(ProtectedHeader header) {
                        return published.key();
                    }
                })
                .clock(() -> Date.from(clock.instant()))
                .clockSkewSeconds(settings.clockSkew().toSeconds())
                .requireAudience(settings.scope());
        settings.jwtIssuer().ifPresent(builder::requireIssuer);
        try {
            return builder.build().parseSignedClaims(token).getPayload();
        } catch (ExpiredJwtException e) {
            throw new TokenRejectedException("token expired");
        } catch (PrematureJwtException e) {
            throw new TokenRejectedException("token not yet valid");
        } catch (MissingClaimException | IncorrectClaimException e) {
            String claim = e.getClaimName();
            throw new TokenRejectedException(
                    "aud".equals(claim) ? "wrong audience" : "iss".equals(claim) ? "wrong issuer" : "invalid claim");
        } catch (ClaimJwtException e) {
            throw new TokenRejectedException("invalid claim");
        } catch (SignatureException e) {
            throw new TokenRejectedException("bad signature");
        } catch (MalformedJwtException e) {
            throw new TokenRejectedException("malformed token");
        } catch (JwtException | IllegalArgumentException | ClassCastException e) {
            // Library messages may quote header or claim values: a fixed text only.
            throw new TokenRejectedException("invalid token");
        }
    }

    private static JsonObject header(String token) throws TokenRejectedException {
        try {
            String json = new String(Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))),
                    StandardCharsets.UTF_8);
            JsonElement e = JsonParser.parseString(json);
            if (e.isJsonObject()) {
                return e.getAsJsonObject();
            }
        } catch (RuntimeException e) {
            // fall through
        }
        throw new TokenRejectedException("malformed token");
    }

    private static Optional<String> stringMember(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()
                ? Optional.of(e.getAsString()) : Optional.empty();
    }

    /** An algorithm or claim name for a message: short and printable. */
    private static String printable(String s) {
        String cut = s.length() > 20 ? s.substring(0, 20) + "…" : s;
        return "\"" + cut.replaceAll("[^\\x20-\\x7e…]", "?") + "\"";
    }
}
