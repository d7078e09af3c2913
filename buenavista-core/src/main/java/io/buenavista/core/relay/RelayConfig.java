package io.buenavista.core.relay;

import java.time.Duration;

/**
 * How the relay pools backend connections, and how many threads move its bytes.
 *
 * @param poolSize       connections per backend and credentials, idle or lent (default 10)
 * @param poolWait       how long a login waits for a connection when all are lent, then FATAL 53300 (default 30 s)
 * @param connectTimeout bound on connecting and logging in to the backend (default 10 s)
 * @param idleTimeout    an idle connection older than this is closed instead of reused (default 10 min)
 * @param minIdle        idle connections the pool keeps open ahead of logins, within {@code poolSize} (default 0)
 * @param loopThreads    selector threads that relay the sessions whose client and backend are plain TCP (default:
 *                       one per two cores, at least one). Each serves whatever became ready on any of its sockets
 *                       in one wake-up, so fewer threads spend less CPU per transaction while one core keeps up (on
 *                       2 cores, one thread used 25 % less than two at 8 clients); more carry more traffic.
 */
public record RelayConfig(int poolSize, Duration poolWait, Duration connectTimeout, Duration idleTimeout,
        int minIdle, int loopThreads) {
    public RelayConfig {
        if (poolSize < 1) {
            throw new IllegalArgumentException("pool size must be at least 1");
        }
        if (loopThreads < 1) {
            throw new IllegalArgumentException("the relay needs at least one loop thread");
        }
        if (minIdle < 0 || minIdle > poolSize) {
            throw new IllegalArgumentException("minimum idle must be between 0 and the pool size");
        }
        if (poolWait.isNegative() || connectTimeout.isNegative() || connectTimeout.isZero()
                || idleTimeout.isNegative()) {
            throw new IllegalArgumentException("relay timeouts must be positive");
        }
    }

    public static RelayConfig defaults() {
        return new RelayConfig(10, Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofMinutes(10), 0,
                Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
    }

    public RelayConfig withPoolSize(int size) {
        return new RelayConfig(size, poolWait, connectTimeout, idleTimeout, Math.min(minIdle, size), loopThreads);
    }

    public RelayConfig withPoolWait(Duration wait) {
        return new RelayConfig(poolSize, wait, connectTimeout, idleTimeout, minIdle, loopThreads);
    }

    public RelayConfig withIdleTimeout(Duration timeout) {
        return new RelayConfig(poolSize, poolWait, connectTimeout, timeout, minIdle, loopThreads);
    }

    public RelayConfig withMinIdle(int min) {
        return new RelayConfig(poolSize, poolWait, connectTimeout, idleTimeout, min, loopThreads);
    }

    public RelayConfig withLoopThreads(int threads) {
        return new RelayConfig(poolSize, poolWait, connectTimeout, idleTimeout, minIdle, threads);
    }
}
