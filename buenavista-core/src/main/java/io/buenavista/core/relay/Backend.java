package io.buenavista.core.relay;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;

/**
 * A PostgreSQL server and the credentials the relay logs in with; one {@link BackendPool} serves each.
 *
 * @param password null when the backend needs none (trust); never printed
 */
public record Backend(String host, int port, String database, String user, String password) {
    public Backend {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(user, "user");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("backend port must be between 1 and 65535");
        }
    }

    /**
     * Parses {@code postgresql://HOST[:PORT]/DB} or {@code jdbc:postgresql://HOST[:PORT]/DB} (port 5432 by
     * default). A user or password inside the URL is refused: passwords never travel on command lines.
     *
     * @throws IllegalArgumentException when the URL is not of that form
     */
    public static Backend parse(String url, String user, String password) {
        String text = url.startsWith("jdbc:") ? url.substring(5) : url;
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("the backend URL is malformed: " + e.getReason());
        }
        if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
            throw new IllegalArgumentException("the backend URL must start with postgresql:// or jdbc:postgresql://");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("put the backend user in --backend-user and the password in "
                    + "BV_BACKEND_PASSWORD, not in the URL");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("the backend URL needs a host: postgresql://HOST:PORT/DB");
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        String database = path.startsWith("/") ? path.substring(1) : path;
        if (database.isEmpty() || database.contains("/")) {
            throw new IllegalArgumentException("the backend URL needs a database: postgresql://HOST:PORT/DB");
        }
        if (uri.getQuery() != null && !uri.getQuery().isEmpty()) {
            throw new IllegalArgumentException("backend URL parameters (" + uri.getQuery()
                    + ") are not supported yet; TLS to the backend is not implemented");
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new Backend(host, uri.getPort() < 0 ? 5432 : uri.getPort(), database, user, password);
    }

    @Override
    public String toString() {
        return "postgresql://" + user + "@" + host + ":" + port + "/" + database;
    }
}
