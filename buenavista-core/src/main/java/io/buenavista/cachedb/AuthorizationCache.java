package io.buenavista.cachedb;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The services' answers per token (user groups; dataset resolutions), each kept for the configured TTL but never
 * beyond the token's expiry. Keys hold a SHA-256 of the token, not the token. Bounded: past {@link #MAX_ENTRIES}
 * expired entries are dropped, and if that is not enough, everything.
 */
final class AuthorizationCache {
    static final int MAX_ENTRIES = 10_000;

    private record Entry(Object value, Instant expiresAt) {}

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Duration ttl;
    private final Clock clock;

    AuthorizationCache(Duration ttl, Clock clock) {
        this.ttl = ttl;
        this.clock = clock;
    }

    /** The cached answer of this kind for this token, if still fresh. */
    <T> Optional<T> get(VerifiedToken token, String what, Class<T> type) {
        Entry e = entries.get(key(token, what));
        if (e == null || !clock.instant().isBefore(e.expiresAt())) {
            return Optional.empty();
        }
        return Optional.of(type.cast(e.value()));
    }

    void put(VerifiedToken token, String what, Object value) {
        if (ttl.isZero()) {
            return;
        }
        Instant now = clock.instant();
        Instant until = now.plus(ttl);
        if (token.expiresAt().isBefore(until)) {
            until = token.expiresAt();
        }
        if (!now.isBefore(until)) {
            return;
        }
        if (entries.size() >= MAX_ENTRIES) {
            entries.values().removeIf(e -> !now.isBefore(e.expiresAt()));
            if (entries.size() >= MAX_ENTRIES) {
                entries.clear();
            }
        }
        entries.put(key(token, what), new Entry(value, until));
    }

    private static String key(VerifiedToken token, String what) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.token().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest) + "|" + what;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
