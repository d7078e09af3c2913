package io.buenavista.api;

/**
 * A PostgreSQL {@code interval}: months, days and microseconds are kept apart, as PostgreSQL does, because a month
 * has no fixed number of days nor a day a fixed number of microseconds across time-zone changes.
 */
public record PgInterval(int months, int days, long microseconds) {
    public static final PgInterval ZERO = new PgInterval(0, 0, 0);
}
