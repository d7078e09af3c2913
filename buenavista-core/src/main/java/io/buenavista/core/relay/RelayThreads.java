package io.buenavista.core.relay;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that move a relay's bytes: {@link RelayLoop}s for sessions whose client and backend are plain TCP,
 * and a pump thread per session for the others (TLS on either side, or a rewriter that needs whole frames), whose
 * bytes only blocking streams carry.
 */
final class RelayThreads implements AutoCloseable {
    private final RelayLoop[] loops;
    private final AtomicInteger next = new AtomicInteger();
    private final ExecutorService pumps;

    RelayThreads(int loops) {
        AtomicInteger n = new AtomicInteger();
        this.pumps = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "buenavista-relay-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.loops = new RelayLoop[loops];
        for (int i = 0; i < loops; i++) {
            this.loops[i] = new RelayLoop("buenavista-relay-loop-" + (i + 1));
        }
    }

    /** The loop for a new session: in turn, so that sessions spread over the cores. */
    RelayLoop nextLoop() {
        return loops[Math.floorMod(next.getAndIncrement(), loops.length)];
    }

    ExecutorService pumps() {
        return pumps;
    }

    @Override
    public void close() {
        pumps.shutdownNow();
        for (RelayLoop loop : loops) {
            loop.close();
        }
    }
}
