package io.buenavista.cachedb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;
import java.util.Properties;

/** The ngdbc URL and properties made from a {@code DATABASE_CREDENTIALS} entry. */
class HanaConnectionsTest {
    private static final HanaConnections.Timeouts TIMEOUTS =
            new HanaConnections.Timeouts(Duration.ofSeconds(3), Duration.ofSeconds(40));

    private static DatabaseEntry entry(String host, String databaseName, boolean tls) {
        return new DatabaseEntry("hana1", Dialect.HANA, host, 30015, databaseName,
                Optional.of(new DatabaseLogin("READER", "r-Secret")), Optional.empty(), tls, tls,
                tls ? Optional.of("/etc/ssl/hana.pem") : Optional.empty(),
                tls ? Optional.of("*.hana.internal") : Optional.empty());
    }

    @Test
    void theUrlNamesHostPortAndDatabase() {
        assertEquals("jdbc:sap://hana.internal:30015/?databaseName=HXE", HanaConnections.url(entry("hana.internal",
                "HXE", false)));
        assertEquals("jdbc:sap://[fd00::12]:30015/?databaseName=TENANT+1%26x%3D2",
                HanaConnections.url(entry("fd00::12", "TENANT 1&x=2", false)),
                "an IPv6 host is bracketed; the name cannot add URL parameters");
        assertThrows(IllegalArgumentException.class,
                () -> HanaConnections.url(entry("h/?encrypt=false#", "HXE", false)));
    }

    @Test
    void aPasswordLoginWithTlsAndTimeouts() {
        Properties p = HanaConnections.properties(entry("h", "HXE", true), new DatabaseLogin("READER", "r-Secret"),
                TIMEOUTS);
        assertEquals("READER", p.getProperty("user"));
        assertEquals("r-Secret", p.getProperty("password"));
        assertEquals("true", p.getProperty("encrypt"));
        assertEquals("true", p.getProperty("validateCertificate"));
        assertEquals("*.hana.internal", p.getProperty("hostNameInCertificate"));
        assertEquals("/etc/ssl/hana.pem", p.getProperty("trustStore"));
        assertEquals("3000", p.getProperty("connectTimeout"));
        assertEquals("40000", p.getProperty("communicationTimeout"));
    }

    @Test
    void withoutTlsNothingIsAssumed() {
        Properties p = HanaConnections.properties(entry("h", "HXE", false), new DatabaseLogin("U", "p"), TIMEOUTS);
        assertEquals("false", p.getProperty("encrypt"));
        assertEquals("false", p.getProperty("validateCertificate"));
        assertFalse(p.containsKey("hostNameInCertificate"));
        assertFalse(p.containsKey("trustStore"));
    }

    @Test
    void aTokenLoginHasNoUserAndTheTokenAsPassword() {
        Properties p = HanaConnections.tokenProperties(entry("h", "HXE", false), "eyJhbGciOi.x.y", TIMEOUTS);
        assertEquals("", p.getProperty("user"));
        assertEquals("eyJhbGciOi.x.y", p.getProperty("password"));
        assertEquals("3000", p.getProperty("connectTimeout"));
    }

    @Test
    void timeoutsMustBeBounded() {
        assertThrows(IllegalArgumentException.class,
                () -> new HanaConnections.Timeouts(Duration.ZERO, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class,
                () -> new HanaConnections.Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(-1)));
    }
}
