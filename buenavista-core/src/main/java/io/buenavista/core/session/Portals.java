package io.buenavista.core.session;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;

import java.util.HashMap;
import java.util.Map;

/**
 * The session's open portals by name, {@code ""} being the unnamed one. Bind and SQL {@code DECLARE} share this
 * namespace, as in PostgreSQL, and its {@link SessionLimits#maxPortals()}.
 */
final class Portals {
    private final Map<String, Portal> byName = new HashMap<>();
    private final int limit;

    Portals(SessionLimits limits) {
        this.limit = limits.maxPortals();
    }

    /** The portal of that name; null if there is none. */
    Portal get(String name) {
        return byName.get(name);
    }

    boolean isEmpty() {
        return byName.isEmpty();
    }

    boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** The portal of that name; 34000 if there is none. */
    Portal require(String name) {
        Portal portal = byName.get(name);
        if (portal == null) {
            throw new PgException(SqlState.INVALID_CURSOR_NAME, "portal \"" + name + "\" does not exist");
        }
        return portal;
    }

    /** The error for a SQL-level cursor name that names nothing. */
    static PgException noSuchCursor(String name) {
        return new PgException(SqlState.INVALID_CURSOR_NAME, "cursor \"" + name + "\" does not exist");
    }

    /** 42P03 if the name is taken. */
    void checkUnused(String name) {
        if (byName.containsKey(name)) {
            throw new PgException(SqlState.DUPLICATE_CURSOR, "cursor \"" + name + "\" already exists");
        }
    }

    /** 53400 if one more portal would pass the limit. */
    void checkRoom() {
        if (byName.size() >= limit) {
            throw new PgException(SqlState.CONFIGURATION_LIMIT_EXCEEDED, "too many portals (limit " + limit + ")");
        }
    }

    /** Adds a portal; one it replaces (only the unnamed one is ever replaced) is closed. */
    void add(Portal portal) {
        Portal old = byName.put(portal.name, portal);
        if (old != null) {
            old.close();
        }
    }

    /** Removes the portal of that name, if any, leaving it open; null if there was none. */
    Portal remove(String name) {
        return byName.remove(name);
    }

    /** Closes the portal of that name, if any; whether there was one. */
    boolean close(String name) {
        Portal portal = byName.remove(name);
        if (portal != null) {
            portal.close();
        }
        return portal != null;
    }

    /** Close S: the portals bound from a statement go with it ("Message Formats", Close). */
    void closeBoundFrom(Prepared statement) {
        byName.values().removeIf(portal -> {
            if (portal.statement == statement) {
                portal.close();
                return true;
            }
            return false;
        });
    }

    /** {@code CLOSE ALL}: every portal but the one running it. */
    void closeAllBut(Portal running) {
        byName.values().removeIf(portal -> {
            if (portal == running) {
                return false;
            }
            portal.close();
            return true;
        });
    }

    /** When the block fails: see {@link Portal#abort()}. */
    void abortAll() {
        for (Portal portal : byName.values()) {
            portal.abort();
        }
    }

    /** At a transaction's end, since no portal here outlives its transaction. */
    void closeAll() {
        for (Portal portal : byName.values()) {
            portal.close();
        }
        byName.clear();
    }
}
