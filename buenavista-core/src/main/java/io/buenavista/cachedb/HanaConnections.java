package io.buenavista.cachedb;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;

/**
 * The URL and connection properties of SAP's JDBC driver ({@code com.sap.cloud.db.jdbc:ngdbc}) for a HANA entry of
 * {@code DATABASE_CREDENTIALS}: {@code jdbc:sap://host:port/?databaseName=…} with {@code encrypt},
 * {@code validateCertificate}, {@code hostNameInCertificate} and {@code trustStore} from the entry, and the two
 * timeouts without which the driver waits forever on a port that accepts and never answers.
 *
 * <p>The driver is not a dependency: {@link java.sql.DriverManager} finds it when its jar is on the class path.
 */
public final class HanaConnections {
    private HanaConnections() {}

    /**
     * How long the driver waits.
     *
     * @param connect       for the TCP connection (ngdbc's {@code connectTimeout})
     * @param communication for each reply of the server, login included (ngdbc's {@code communicationTimeout}); it
     *                      also bounds a single statement's round trip, so it must exceed the longest query
     */
    public record Timeouts(Duration connect, Duration communication) {
        /** 10 seconds to connect, 15 minutes per reply. */
        public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(10), Duration.ofMinutes(15));

        public Timeouts {
            Objects.requireNonNull(connect, "connect");
            Objects.requireNonNull(communication, "communication");
            if (connect.isNegative() || connect.isZero() || communication.isNegative() || communication.isZero()) {
                throw new IllegalArgumentException("HANA timeouts must be positive (zero would wait forever)");
            }
        }
    }

    /** The driver's URL for the entry. */
    public static String url(DatabaseEntry entry) {
        String host = entry.host();
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']')) {
                throw new IllegalArgumentException("DATABASE_CREDENTIALS entry \"" + entry.code()
                        + "\": host is not a host name or address");
            }
        }
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            host = "[" + host + "]"; // an IPv6 address
        }
        return "jdbc:sap://" + host + ":" + entry.port() + "/?databaseName="
                + URLEncoder.encode(entry.databaseName(), StandardCharsets.UTF_8);
    }

    /** The properties of a login with a database user and password. */
    public static Properties properties(DatabaseEntry entry, DatabaseLogin login, Timeouts timeouts) {
        Properties p = common(entry, timeouts);
        p.setProperty("user", login.user());
        p.setProperty("password", login.password());
        return p;
    }

    /**
     * The properties of a login with the user's own token (the original's JWT mode, where HANA maps the token's
     * subject to a database user): as SAP's clients take a JWT, the user name is empty and the token is the password.
     */
    public static Properties tokenProperties(DatabaseEntry entry, String token, Timeouts timeouts) {
        Properties p = common(entry, timeouts);
        p.setProperty("user", "");
        p.setProperty("password", token);
        return p;
    }

    private static Properties common(DatabaseEntry entry, Timeouts timeouts) {
        Properties p = new Properties();
        p.setProperty("encrypt", Boolean.toString(entry.encrypt()));
        p.setProperty("validateCertificate", Boolean.toString(entry.validateCertificate()));
        entry.hostnameInCertificate().ifPresent(h -> p.setProperty("hostNameInCertificate", h));
        entry.sslTrustStore().ifPresent(t -> p.setProperty("trustStore", t));
        p.setProperty("connectTimeout", Long.toString(timeouts.connect().toMillis()));
        p.setProperty("communicationTimeout", Long.toString(timeouts.communication().toMillis()));
        return p;
    }
}
