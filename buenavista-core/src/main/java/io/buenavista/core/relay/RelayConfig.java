package io.buenavista.core.relay;

import java.time.Duration;

/**
 * How the relay pools backend connections.
 *
 * @param poolSize       connections per backend and credentials, idle or lent (default 10)
 * @param poolWait       how long a login waits for a connection when all are lent, then FATAL 53300 (default 30 s)
 * @param connectTimeout bound on connecting and logging in to the backend (default 10 s)
 * @param idleTimeout    an idle connection older than this is closed instead of reused (default 10 min)
 * @param minIdle        idle connections the pool keeps open ahead of logins, within {@code poolSize} (default 0)
 */
public record RelayConfig(int poolSize, Duration poolWait, Duration connectTimeout, Duration idleTimeout,
        int minIdle) {
    public RelayConfig {
        if (poolSize < 1) {
            throw new IllegalArgumentException("pool size must be at least 1");
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
        return new RelayConfig(10, Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofMinutes(10), 0);
    }

    public RelayConfig withPoolSize(int size) {
        return new RelayConfig(size, poolWait, connectTimeout, idleTimeout, Math.min(minIdle, size));
    }

    public RelayConfig withPoolWait(Duration wait) {
        return new RelayConfig(poolSize, wait, connectTimeout, idleTimeout, minIdle);
    }

    public RelayConfig withIdleTimeout(Duration timeout) {
        return new RelayConfig(poolSize, poolWait, connectTimeout, timeout, minIdle);
    }

    public RelayConfig withMinIdle(int min) {
        return new RelayConfig(poolSize, poolWait, connectTimeout, idleTimeout, min);
    }
}
