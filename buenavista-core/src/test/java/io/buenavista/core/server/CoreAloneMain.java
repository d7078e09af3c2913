package io.buenavista.core.server;

import io.buenavista.api.AuthExchange;
import io.buenavista.api.Authenticator;
import io.buenavista.api.PgException;
import io.buenavista.api.Principal;
import io.buenavista.api.Route;
import io.buenavista.api.StartupRequest;
import io.buenavista.testing.TestHandler;
import io.buenavista.testing.WireClient;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Run by {@link CoreAloneTest} in a child JVM whose class path holds the core, the API, slf4j and the test fixtures
 * but no DuckDB: builds a server with discovery on, logs in with a password and runs a statement.
 * Prints {@code NO_DUCKDB} when DuckDB is indeed absent and {@code SERVED} when the statement ran.
 */
public final class CoreAloneMain {
    private CoreAloneMain() {}

    public static void main(String[] args) {
        String password = args[0];
        try {
            Class.forName("org.duckdb.DuckDBConnection");
            System.out.println("DUCKDB_PRESENT");
        } catch (ClassNotFoundException e) {
            System.out.println("NO_DUCKDB");
        }
        Authenticator cleartext = new Authenticator() {
            @Override
            public String name() {
                return "cleartext";
            }

            @Override
            public AuthExchange exchange(StartupRequest request, Route route) {
                return new AuthExchange.CleartextPassword(given -> {
                    if (!given.equals(password)) {
                        throw new PgException("28P01", "password authentication failed");
                    }
                    return Principal.of(request.user());
                });
            }
        };
        try (BuenaVistaServer server = BuenaVistaServer.builder().port(0).discoverProviders(true)
                .handler(new TestHandler()).authenticator(cleartext).build().start()) {
            try (WireClient c = WireClient.connect("127.0.0.1", server.port())) {
                Map<String, String> params = new LinkedHashMap<>();
                params.put("user", "u");
                params.put("database", "db");
                // Clients should not send it here, but a password in a startup parameter must not be logged either.
                params.put("password", password);
                c.login(params, password);
                StartupScriptTest.expectRows(c, 1);
            }
            try (WireClient c = WireClient.connect("127.0.0.1", server.port())) {
                c.startup(Map.of("user", "u"));
                c.next();
                c.send(io.buenavista.testing.Frontend.password(password + "-wrong"));
                c.expectError("28P01");
            }
            System.out.println("SERVED");
        }
    }
}
