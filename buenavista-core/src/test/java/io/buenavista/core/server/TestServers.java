package io.buenavista.core.server;

import io.buenavista.api.QueryHandler;

/** Starts servers on a free loopback port for tests. */
final class TestServers {
    private TestServers() {}

    static BuenaVistaServer start(QueryHandler handler) {
        return builder(handler).build().start();
    }

    static BuenaVistaServer.Builder builder(QueryHandler handler) {
        return BuenaVistaServer.builder().port(0).discoverProviders(false).handler(handler);
    }

    static String jdbcUrl(BuenaVistaServer server, String params) {
        return "jdbc:postgresql://127.0.0.1:" + server.port() + "/test?user=tester&sslmode=disable"
                + (params.isEmpty() ? "" : "&" + params);
    }
}
