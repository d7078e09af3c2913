package io.buenavista.cachedb;

import java.util.Locale;
import java.util.Optional;

/** The database dialects a cachedb route can name, as spelt in the database string. */
public enum Dialect {
    DUCKDB, POSTGRESQL, HANA;

    /** The name used in database strings and handler names ({@code duckdb}, {@code postgresql}, {@code hana}). */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The dialect spelt exactly as {@link #wireName()}, or empty. */
    public static Optional<Dialect> fromWireName(String name) {
        for (Dialect d : values()) {
            if (d.wireName().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** The name of the {@link io.buenavista.api.QueryHandler} that serves this dialect's routes. */
    public String handlerName() {
        return "cachedb-" + wireName();
    }
}
