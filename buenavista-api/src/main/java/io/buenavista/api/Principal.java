package io.buenavista.api;

import java.util.Map;

/**
 * The authenticated identity of a connection.
 *
 * @param name       the user name the session runs as
 * @param attributes what the authenticator learned (claims, roles); never secrets
 */
public record Principal(String name, Map<String, String> attributes) {
    public Principal {
        java.util.Objects.requireNonNull(name, "name");
        attributes = Map.copyOf(attributes);
    }

    public static Principal of(String name) {
        return new Principal(name, Map.of());
    }
}
