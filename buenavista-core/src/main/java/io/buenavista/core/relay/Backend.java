package io.buenavista.core.relay;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * A PostgreSQL server, the credentials the relay logs in with and how it secures the connection; one
 * {@link BackendPool} serves each.
 *
 * @param password    null when the backend needs none (trust); never printed
 * @param sslMode     whether the relay's connections to the backend use TLS and what they verify
 * @param sslRootCert PEM file of the certificate authorities that may sign the backend's certificate; null for the
 *                    JVM's default trust store. When given, {@code require} also verifies the chain, as libpq does
 */
public record Backend(String host, int port, String database, String user, String password, SslMode sslMode,
        Path sslRootCert) {
    public Backend {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(sslMode, "sslMode");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("backend port must be between 1 and 65535");
        }
    }

    /** A backend reached over plain TCP ({@code sslmode=disable}). */
    public Backend(String host, int port, String database, String user, String password) {
        this(host, port, database, user, password, SslMode.DISABLE, null);
    }

    /** The same backend reached with another TLS setting. */
    public Backend withSsl(SslMode mode, Path rootCert) {
        return new Backend(host, port, database, user, password, mode, rootCert);
    }

    /**
     * libpq's {@code sslmode} values the relay honours. Without {@code sslmode} in the URL the relay uses
     * {@link #DISABLE} (libpq would try TLS first): TLS to the backend is used when asked for.
     */
    public enum SslMode {
        /** Plain TCP. */
        DISABLE,
        /** TLS when the backend offers it, else plain TCP; the certificate is not checked. */
        PREFER,
        /** TLS or no connection; the certificate is not checked (unless a root certificate file is given). */
        REQUIRE,
        /** TLS with a certificate signed by a trusted authority. */
        VERIFY_CA,
        /** TLS with a certificate signed by a trusted authority and issued for the backend's host name. */
        VERIFY_FULL;

        /** The mode as written in a URL: {@code disable}, {@code prefer}, {@code require}, {@code verify-ca}, … */
        public static SslMode parse(String text) {
            for (SslMode m : values()) {
                if (m.urlName().equals(text)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("sslmode=" + text + " is not supported; use disable, prefer, require,"
                    + " verify-ca or verify-full");
        }

        public String urlName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * Parses {@code postgresql://HOST[:PORT]/DB} or {@code jdbc:postgresql://HOST[:PORT]/DB} (port 5432 by
     * default), optionally followed by {@code ?sslmode=MODE} and {@code &sslrootcert=FILE}. A user or password
     * inside the URL is refused: passwords never travel on command lines.
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
        SslMode mode = SslMode.DISABLE;
        Path rootCert = null;
        String query = uri.getRawQuery();
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                switch (name) {
                    case "sslmode" -> mode = SslMode.parse(value);
                    case "sslrootcert" -> {
                        rootCert = Path.of(value);
                        if (!Files.isReadable(rootCert)) {
                            throw new IllegalArgumentException("sslrootcert " + value + " is not a readable file");
                        }
                    }
                    default -> throw new IllegalArgumentException("the backend URL parameter '" + name
                            + "' is not supported (sslmode and sslrootcert are)");
                }
            }
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new Backend(host, uri.getPort() < 0 ? 5432 : uri.getPort(), database, user, password, mode, rootCert);
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the backend URL has a malformed parameter: " + s);
        }
    }

    @Override
    public String toString() {
        return "postgresql://" + user + "@" + host + ":" + port + "/" + database
                + (sslMode == SslMode.DISABLE ? "" : "?sslmode=" + sslMode.urlName());
    }
}
