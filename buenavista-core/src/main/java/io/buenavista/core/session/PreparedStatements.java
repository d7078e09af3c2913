package io.buenavista.core.session;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;

/**
 * The session's prepared statements by name, {@code ""} being the unnamed one. Protocol Parse and SQL
 * {@code PREPARE} share this namespace, as in PostgreSQL, and its {@link SessionLimits#maxPreparedStatements()}.
 */
final class PreparedStatements {
    private static final Logger log = LoggerFactory.getLogger(PreparedStatements.class);

    private final Map<String, Prepared> byName = new HashMap<>();
    private final int limit;

    PreparedStatements(SessionLimits limits) {
        this.limit = limits.maxPreparedStatements();
    }

    /** The statement of that name; null if there is none. */
    Prepared get(String name) {
        return byName.get(name);
    }

    boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** The statement of that name; 26000 if there is none. */
    Prepared require(String name) {
        Prepared p = byName.get(name);
        if (p == null) {
            throw doesNotExist(name);
        }
        return p;
    }

    static PgException doesNotExist(String name) {
        return new PgException(SqlState.INVALID_SQL_STATEMENT_NAME,
                "prepared statement \"" + name + "\" does not exist");
    }

    /** 42P05 if the name is taken. */
    void checkUnused(String name) {
        if (byName.containsKey(name)) {
            throw new PgException(SqlState.DUPLICATE_PREPARED_STATEMENT,
                    "prepared statement \"" + name + "\" already exists");
        }
    }

    /** 53400 if one more statement would pass the limit. */
    void checkRoom() {
        if (byName.size() >= limit) {
            throw new PgException(SqlState.CONFIGURATION_LIMIT_EXCEEDED,
                    "too many prepared statements (limit " + limit + ")")
                    .withHint("Close prepared statements that are no longer needed.");
        }
    }

    /** Adds a statement; one it replaces (only the unnamed one is ever replaced) is dropped. */
    void add(Prepared p) {
        Prepared old = byName.put(p.name(), p);
        if (old != null) {
            old.drop(); // portals bound from it still run
        }
    }

    /** Removes the statement of that name, if any, leaving it to the caller; null if there was none. */
    Prepared remove(String name) {
        return byName.remove(name);
    }

    /** Drops the statement of that name, if any. */
    void drop(String name) {
        Prepared p = byName.remove(name);
        if (p != null) {
            p.drop();
        }
    }

    /** {@code DEALLOCATE ALL}: drops every named statement; the unnamed one stays. */
    void dropAllNamed() {
        byName.entrySet().removeIf(entry -> {
            if (entry.getKey().isEmpty()) {
                return false;
            }
            entry.getValue().drop(); // portals bound from it keep it alive until they close
            return true;
        });
    }

    /** At the session's end: drops every statement, logging rather than throwing what fails. */
    void dropAll() {
        for (Prepared p : byName.values()) {
            try {
                p.drop();
            } catch (RuntimeException e) {
                log.debug("closing a statement failed", e);
            }
        }
        byName.clear();
    }
}
