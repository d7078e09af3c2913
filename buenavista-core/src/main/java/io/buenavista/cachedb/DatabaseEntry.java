package io.buenavista.cachedb;

import java.util.Objects;
import java.util.Optional;

/**
 * One {@code analytics} database of {@code DATABASE_CREDENTIALS}: where it is, and the logins for read and write
 * connections (the original's {@code credentials.user/password} and {@code credentials.adminUser/adminPassword}).
 *
 * @param read                  the login of {@code read} connections; empty for a HANA database whose users log in
 *                              with their own token (the original's JWT mode)
 * @param write                 the login of {@code write} connections; empty when none is configured
 * @param encrypt               TLS to the database (HANA's {@code encrypt}); false when absent
 * @param validateCertificate   whether the database's certificate is checked; false when absent, as in the original
 * @param sslTrustStore         the trust store for that check, or empty
 * @param hostnameInCertificate the host name the certificate must name, or empty for the host itself
 */
public record DatabaseEntry(String code, Dialect dialect, String host, int port, String databaseName,
        Optional<DatabaseLogin> read, Optional<DatabaseLogin> write, boolean encrypt, boolean validateCertificate,
        Optional<String> sslTrustStore, Optional<String> hostnameInCertificate) {
    public DatabaseEntry {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(dialect, "dialect");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(databaseName, "databaseName");
        Objects.requireNonNull(read, "read");
        Objects.requireNonNull(write, "write");
        Objects.requireNonNull(sslTrustStore, "sslTrustStore");
        Objects.requireNonNull(hostnameInCertificate, "hostnameInCertificate");
    }

    /** The login for this kind of connection: {@link #read()} or {@link #write()}. */
    public Optional<DatabaseLogin> login(ConnectionType type) {
        return type == ConnectionType.WRITE ? write : read;
    }
}
