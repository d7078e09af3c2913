package io.buenavista.api;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * What a client asked for in its {@code StartupMessage}, with where it came from.
 *
 * @param user             the {@code user} parameter (required by the protocol)
 * @param database         the {@code database} parameter; defaults to the user name as in PostgreSQL
 * @param applicationName  the {@code application_name} parameter, or an empty string
 * @param options          the settings given in the {@code options} parameter ({@code -c name=value} or
 *                         {@code --name=value}), unescaped as PostgreSQL does
 * @param parameters       all startup parameters as sent, in order, including the ones above
 * @param remoteAddress    the client's address
 * @param tls              whether the connection is encrypted with TLS
 */
public record StartupRequest(String user, String database, String applicationName, Map<String, String> options,
        Map<String, String> parameters, InetSocketAddress remoteAddress, boolean tls) {

    public StartupRequest {
        options = Map.copyOf(options);
        parameters = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(parameters));
    }

    /** A startup parameter by name, or null. */
    public String parameter(String name) {
        return parameters.get(name);
    }
}
