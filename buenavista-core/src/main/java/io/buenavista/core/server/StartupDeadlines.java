package io.buenavista.core.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Connections that must reach a point of their startup within the same span, checked by the server's one periodic
 * sweep instead of a timer task each: scheduling and cancelling a task per login woke the timer thread for almost
 * every login (a new task is usually the earliest), a good part of what a short session costs. Every deadline is
 * the same span after its connection was added, so the order of adding is the order of the deadlines, and a sweep
 * looks at the expired ones only. A deadline is acted on within one sweep period of passing.
 */
final class StartupDeadlines {
    private final long spanNanos;
    /** Called, outside the lock, with each connection whose deadline passed. */
    private final Consumer<Connection> expired;
    /** Deadline per connection ({@link System#nanoTime()}), oldest first; guarded by {@code this}. */
    private final LinkedHashMap<Connection, Long> deadlines = new LinkedHashMap<>();

    StartupDeadlines(Duration span, Consumer<Connection> expired) {
        this.spanNanos = span.toNanos();
        this.expired = expired;
    }

    /** The span, for the sweep's period. */
    Duration span() {
        return Duration.ofNanos(spanNanos);
    }

    synchronized void add(Connection c) {
        deadlines.put(c, System.nanoTime() + spanNanos);
    }

    /** Answers whether {@code c} was still waiting (its deadline had not been acted on). */
    synchronized boolean remove(Connection c) {
        return deadlines.remove(c) != null;
    }

    /**
     * Adds {@code c}; when {@code limit} connections already wait, the one that has waited longest makes room and is
     * answered (else null).
     */
    synchronized Connection addWithin(Connection c, int limit) {
        Connection oldest = null;
        if (deadlines.size() >= limit) {
            Iterator<Connection> it = deadlines.keySet().iterator();
            oldest = it.next();
            it.remove();
        }
        add(c);
        return oldest;
    }

    /** Removes the connections whose deadline passed and hands each to the expiry action. */
    void sweep() {
        List<Connection> due = new ArrayList<>();
        long now = System.nanoTime();
        synchronized (this) {
            Iterator<Map.Entry<Connection, Long>> it = deadlines.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<Connection, Long> e = it.next();
                if (now - e.getValue() < 0) {
                    break;
                }
                it.remove();
                due.add(e.getKey());
            }
        }
        due.forEach(expired);
    }
}
