package io.buenavista.core.session;

/**
 * Per-session bounds. Past them Parse and Bind fail with {@code 53400}; nothing is evicted behind the client's back.
 *
 * @param maxPreparedStatements named and unnamed prepared statements held at once
 * @param maxPortals            portals held at once
 */
public record SessionLimits(int maxPreparedStatements, int maxPortals) {
    public static final SessionLimits DEFAULT = new SessionLimits(10_000, 10_000);
}
