package io.buenavista.core.relay;

import java.time.Duration;

/**
 * How the relay pools backend connections.
 *
 * @param poolSize       connections per backend and credentials, idle or lent (default 10)
 * @param poolWait       how long a login waits for a connection when all are lent, then FATAL 53300 (default 30 s)
 * @param connectTimeout bound on connecting and logging in to the backend (default 10 s)
 * @param idleTimeout    an idle connection older than this is closed instead of reused (default 10 min)
 */
public record RelayConfig(int poolSize, Duration poolWait, Duration connectTimeout, Duration idleTimeout) {
    public RelayConfig {
        if (poolSize < 1) {
            throw new IllegalArgumentException("pool size must be at least 1");
        }
        if (poolWait.isNegative() || connectTimeout.isNegative() || connectTimeout.isZero()
                || idleTimeout.isNegative()) {
            throw new IllegalArgumentException("relay timeouts must be positive");
        }
    }

    public static RelayConfig defaults() {
        return new RelayConfig(10, Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofMinutes(10));
    }

    public RelayConfig withPoolSize(int size) {
        return new RelayConfig(size, poolWait, connectTimeout, idleTimeout);
    }

    public RelayConfig withPoolWait(Duration wait) {
        return new RelayConfig(poolSize, wait, connectTimeout, idleTimeout);
    }

    public RelayConfig withIdleTimeout(Duration timeout) {
        return new RelayConfig(poolSize, poolWait, connectTimeout, timeout);
    }
}
