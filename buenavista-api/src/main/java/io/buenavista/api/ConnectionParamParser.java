package io.buenavista.api;

/**
 * Decides, from the startup request alone, which handler serves a connection. It performs no I/O.
 *
 * <p>Found with {@link java.util.ServiceLoader} or registered on the server builder.
 */
public interface ConnectionParamParser {
    /** The provider's name, used to select it in configuration. */
    String name();

    /**
     * @return the route for this connection
     * @throws PgException to refuse it, typically {@code 3D000} (no such database) or {@code 08004}
     */
    Route parse(StartupRequest request) throws PgException;

    /** A parser that sends every connection to one handler, keeping the client's database name. */
    static ConnectionParamParser fixed(String handler) {
        return new ConnectionParamParser() {
            @Override
            public String name() {
                return "fixed";
            }

            @Override
            public Route parse(StartupRequest request) {
                return Route.of(handler, request.database());
            }
        };
    }
}
