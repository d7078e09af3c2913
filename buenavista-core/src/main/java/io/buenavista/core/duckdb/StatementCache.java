package io.buenavista.core.duckdb;

import io.buenavista.api.PgType;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The idle DuckDB prepared statements of one session, for reuse by the next Parse of the same text: clients such as
 * pgbench {@code -M extended}, psycopg 3 and node-postgres send the same SQL in an unnamed Parse every time, and
 * DuckDB's prepare costs several times its execution of a small query.
 *
 * <p>A statement is either in use by exactly one {@link DuckDbPreparedQuery} or idle here, never both, so executing
 * it never closes a result another portal still reads. Entries are least-recently-used and bounded; an evicted or
 * stale statement is closed. An entry is stale when the handler's schema generation moved after it was prepared:
 * DuckDB rebinds a prepared statement after DDL, but the columns it described at prepare time (which the client got
 * in RowDescription) would no longer match.
 *
 * <p>A statement is kept from the second time its text is prepared: text with literals that never comes again (the
 * simple protocol, psql) would otherwise only evict the useful ones and hold DuckDB memory.
 */
final class StatementCache {
    /** The most idle statements kept per session. */
    static final int CAPACITY = 128;

    /**
     * What a statement is prepared from. The client's text stands for the final text: the catalog rewrites are a
     * function of the text alone, so a hit skips them too.
     */
    record Key(String sql, List<PgType> declared) {}

    /**
     * A prepared statement between uses, with its final text (after the catalog rewrites) and the description taken
     * when it was prepared.
     */
    record Idle(PreparedStatement statement, String sql, DuckDbPreparedQuery.Description description,
            long generation) {}

    private final LinkedHashMap<Key, Idle> idle = new LinkedHashMap<>(32, 0.75f, true);
    /** Hashes of the keys prepared recently; a collision only keeps a statement one use early. */
    private final LinkedHashMap<Integer, Boolean> seen = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Boolean> eldest) {
            return size() > 2 * CAPACITY;
        }
    };

    /** Takes the idle statement for {@code key} out of the cache, or null; a stale one is closed on the way. */
    Idle take(Key key, long generation) {
        Idle entry = idle.remove(key);
        if (entry != null && entry.generation() != generation) {
            close(entry);
            return null;
        }
        return entry;
    }

    /**
     * Keeps a statement that its query no longer uses. Returns false when it is not kept (its text was not prepared
     * recently, or another one of the same key is already idle); the caller then closes it.
     */
    boolean offer(Key key, Idle entry) {
        if (seen.put(key.hashCode(), Boolean.TRUE) == null || idle.containsKey(key)) {
            return false;
        }
        idle.put(key, entry);
        if (idle.size() > CAPACITY) {
            Iterator<Map.Entry<Key, Idle>> eldest = idle.entrySet().iterator();
            close(eldest.next().getValue());
            eldest.remove();
        }
        return true;
    }

    /** Closes and forgets every idle statement. */
    void clear() {
        for (Idle entry : idle.values()) {
            close(entry);
        }
        idle.clear();
    }

    int size() {
        return idle.size();
    }

    private static void close(Idle entry) {
        try {
            entry.statement().close();
        } catch (SQLException ignored) {
            // nothing left to release
        }
    }
}
