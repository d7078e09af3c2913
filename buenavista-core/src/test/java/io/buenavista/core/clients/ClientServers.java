package io.buenavista.core.clients;

import io.buenavista.api.QueryHandler;
import io.buenavista.core.server.BuenaVistaServer;

/** Starts servers on a free loopback port for the real-client tests. */
final class ClientServers {
    private ClientServers() {}

    static BuenaVistaServer start(QueryHandler handler) {
        return BuenaVistaServer.builder().port(0).discoverProviders(false).handler(handler).build().start();
    }

    static String jdbcUrl(BuenaVistaServer server, String params) {
        return "jdbc:postgresql://127.0.0.1:" + server.port() + "/test?user=tester&sslmode=disable"
                + (params.isEmpty() ? "" : "&" + params);
    }
}
