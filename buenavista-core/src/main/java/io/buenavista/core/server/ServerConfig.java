package io.buenavista.core.server;

import io.buenavista.core.session.SessionLimits;
import io.buenavista.core.wire.MessageLimits;

import javax.net.ssl.SSLContext;
import java.net.InetAddress;
import java.time.Duration;

/**
 * Everything a {@link BuenaVistaServer} was built with, apart from its providers. See the builder for defaults.
 *
 * @param idleTimeout how long a connection may wait between messages; {@link Duration#ZERO} for ever
 * @param maxStartingConnections connections that may wait for their startup packet at once
 * @param startupPacketTimeout how long a connection may take to send its startup packet
 */
record ServerConfig(InetAddress bindAddress, int port, SSLContext sslContext, int maxConnections,
        Duration startupTimeout, Duration idleTimeout, Duration shutdownGracePeriod, MessageLimits messageLimits,
        SessionLimits sessionLimits, String serverVersion, String parserName, String authenticatorName,
        int maxStartingConnections, Duration startupPacketTimeout) {
}
