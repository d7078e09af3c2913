package io.buenavista.cachedb;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.jsonwebtoken.security.Jwk;
import io.jsonwebtoken.security.Jwks;

import java.net.URI;
import java.security.Key;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The issuer's public keys by key id, owned by one authenticator. Fetched on first use; an unknown key id fetches
 * again, but at most once per {@code minRefresh}, so a stream of tokens with made-up key ids cannot make the server
 * hammer the issuer. A failed fetch keeps the keys already known: tokens signed with them go on working while the
 * issuer is down.
 */
final class JwksCache {
    /** A published key with the algorithm it declares (null when it declares none). */
    record PublishedKey(PublicKey key, String declaredAlg) {}

    private final ServiceCalls http;
    private final URI jwks;
    private final Duration minRefresh;
    private final Clock clock;
    private final Object fetching = new Object();
    /** Replaced whole by each fetch; read without a lock so known keys never wait behind a slow issuer. */
    private volatile Map<String, PublishedKey> keys = Map.of();
    private Instant lastFetch;
    /** Why the last fetch failed, or null: until the next fetch is due, unknown keys are the issuer's outage too. */
    private ServiceUnavailableException lastFailure;

    JwksCache(ServiceCalls http, URI jwks, Duration minRefresh, Clock clock) {
        this.http = http;
        this.jwks = jwks;
        this.minRefresh = minRefresh;
        this.clock = clock;
    }

    /**
     * The key with this id, fetching the JWKS when it is unknown and the last fetch is old enough.
     *
     * @return empty when the issuer does not publish it (or was asked too recently)
     * @throws ServiceUnavailableException when the key is not known and the last fetch (due now, or too recent to
     *                                     repeat) failed
     */
    Optional<PublishedKey> key(String kid) throws ServiceUnavailableException {
        PublishedKey known = keys.get(kid);
        if (known != null) {
            return Optional.of(known);
        }
        synchronized (fetching) {
            known = keys.get(kid);
            if (known != null) {
                return Optional.of(known); // fetched by another login meanwhile
            }
            Instant now = clock.instant();
            if (lastFetch != null && now.isBefore(lastFetch.plus(minRefresh))) {
                if (lastFailure != null) {
                    throw new ServiceUnavailableException(lastFailure.getMessage());
                }
                return Optional.empty();
            }
            lastFetch = now;
            try {
                keys = fetch();
                lastFailure = null;
            } catch (ServiceUnavailableException e) {
                lastFailure = e;
                throw e;
            }
            return Optional.ofNullable(keys.get(kid));
        }
    }

    private Map<String, PublishedKey> fetch() throws ServiceUnavailableException {
        ServiceCalls.JsonAnswer answer = http.get("identity issuer", jwks, null);
        if (answer.json().isEmpty()) {
            throw new ServiceUnavailableException("identity issuer: HTTP " + answer.status() + " for the JWKS");
        }
        JsonElement doc = answer.json().get();
        if (!doc.isJsonObject() || !doc.getAsJsonObject().has("keys")
                || !doc.getAsJsonObject().get("keys").isJsonArray()) {
            throw new ServiceUnavailableException("identity issuer: the JWKS has no keys array");
        }
        JsonArray array = doc.getAsJsonObject().getAsJsonArray("keys");
        Map<String, PublishedKey> fetched = new HashMap<>();
        for (JsonElement e : array) {
            // One key at a time: a key of a type we cannot use (or a private one) is skipped, not fatal for all.
            if (!e.isJsonObject()) {
                continue;
            }
            JsonObject o = e.getAsJsonObject();
            if (!o.has("kid") || !o.get("kid").isJsonPrimitive() || o.has("d")) {
                continue;
            }
            String use = o.has("use") && o.get("use").isJsonPrimitive() ? o.get("use").getAsString() : "sig";
            if (!use.equals("sig")) {
                continue;
            }
            try {
                Jwk<?> jwk = Jwks.parser().build().parse(o.toString());
                Key key = jwk.toKey();
                if (key instanceof PublicKey pk) {
                    fetched.putIfAbsent(o.get("kid").getAsString(), new PublishedKey(pk, jwk.getAlgorithm()));
                }
            } catch (RuntimeException ignored) {
                // An unusable key: tokens naming it fail as "unknown signing key".
            }
        }
        return Map.copyOf(fetched);
    }
}
