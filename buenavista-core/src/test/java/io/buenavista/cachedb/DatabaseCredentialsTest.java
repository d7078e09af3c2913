package io.buenavista.cachedb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.Optional;

/** {@code DATABASE_CREDENTIALS} as the original platform writes it, and every way it can be wrong. */
class DatabaseCredentialsTest {
    /** Two analytics databases and one entry of another service, shaped as the platform's deployment writes them. */
    private static final String PLATFORM = """
            [
              {"type": "postgresql", "tags": ["analytics", "cdw"],
               "values": {"code": "alpdev_pg", "dialect": "postgresql", "host": "db.internal", "port": 5432,
                          "databaseName": "alp",
                          "credentials": {"user": "reader", "password": "r-Secret-1",
                                          "adminUser": "writer", "adminPassword": "w-Secret-2"}}},
              {"type": "hana", "tags": ["analytics"],
               "values": {"code": "hana1", "dialect": "hana", "host": "hana.internal", "port": "30015",
                          "databaseName": "HXE", "encrypt": true, "validateCertificate": "true",
                          "sslTrustStore": "-----BEGIN CERTIFICATE-----", "hostnameInCertificate": "*.internal",
                          "credentials": {"adminUser": "HADMIN", "adminPassword": "h-Secret-3"}}},
              {"type": "postgresql", "tags": ["ohdsi"], "values": {"anything": "else"}}
            ]""";

    @Test
    void readsTheAnalyticsEntriesAndSkipsTheOthers() {
        DatabaseCredentials credentials = DatabaseCredentials.parse(PLATFORM);

        assertEquals(2, credentials.entries().size());
        DatabaseEntry pg = credentials.lookup(Dialect.POSTGRESQL, "alpdev_pg").orElseThrow();
        assertEquals("db.internal", pg.host());
        assertEquals(5432, pg.port());
        assertEquals("alp", pg.databaseName());
        assertEquals(new DatabaseLogin("reader", "r-Secret-1"), pg.login(ConnectionType.READ).orElseThrow());
        assertEquals(new DatabaseLogin("writer", "w-Secret-2"), pg.login(ConnectionType.WRITE).orElseThrow());
        assertFalse(pg.encrypt());
        assertFalse(pg.validateCertificate());
        assertEquals(Optional.empty(), pg.sslTrustStore());

        DatabaseEntry hana = credentials.lookup(Dialect.HANA, "hana1").orElseThrow();
        assertEquals(30015, hana.port(), "a port written as a string, as the original's model accepts");
        assertTrue(hana.encrypt());
        assertTrue(hana.validateCertificate());
        assertEquals(Optional.of("*.internal"), hana.hostnameInCertificate());
        assertEquals(Optional.of("-----BEGIN CERTIFICATE-----"), hana.sslTrustStore());
        assertEquals(Optional.empty(), hana.read(), "no read login on HANA: each user logs in with their token");
    }

    @Test
    void lookupIsByDialectAndCode() {
        DatabaseCredentials credentials = DatabaseCredentials.parse(PLATFORM);

        assertEquals(Optional.empty(), credentials.lookup(Dialect.HANA, "alpdev_pg"));
        assertEquals(Optional.empty(), credentials.lookup(Dialect.POSTGRESQL, "ALPDEV_PG"));
        assertEquals(Optional.empty(), credentials.lookup(Dialect.POSTGRESQL, "nope"));
    }

    @Test
    void unsetOrBlankMeansNoDatabases() {
        assertTrue(DatabaseCredentials.parse(null).entries().isEmpty());
        assertTrue(DatabaseCredentials.parse("  ").entries().isEmpty());
        assertTrue(DatabaseCredentials.parse("[]").entries().isEmpty());
    }

    @Test
    void secretsAreNeverShown() {
        DatabaseCredentials credentials = DatabaseCredentials.parse(PLATFORM);

        String shown = credentials.toString();
        assertTrue(shown.contains("reader"), shown);
        for (String secret : new String[] {"r-Secret-1", "w-Secret-2", "h-Secret-3"}) {
            assertFalse(shown.contains(secret), shown);
        }
    }

    @Test
    void aMissingFieldNamesTheEntryAndTheField() {
        String noPassword = PLATFORM.replace("\"password\": \"r-Secret-1\",", "");
        assertEquals("DATABASE_CREDENTIALS entry 1 (code \"alpdev_pg\"): missing field \"values.credentials.password\"",
                failure(noPassword));

        String noHost = PLATFORM.replace("\"host\": \"hana.internal\",", "");
        assertEquals("DATABASE_CREDENTIALS entry 2 (code \"hana1\"): missing field \"values.host\"", failure(noHost));

        String noCode = PLATFORM.replace("\"code\": \"alpdev_pg\",", "");
        assertEquals("DATABASE_CREDENTIALS entry 1: missing field \"values.code\"", failure(noCode));

        String noCredentials = "[{\"tags\": [\"analytics\"], \"values\": {\"code\": \"c\", \"dialect\": \"postgresql\","
                + " \"host\": \"h\", \"port\": 1, \"databaseName\": \"d\"}}]";
        assertEquals("DATABASE_CREDENTIALS entry 1 (code \"c\"): missing field \"values.credentials\"",
                failure(noCredentials));

        String noTags = "[{\"values\": {}}]";
        assertEquals("DATABASE_CREDENTIALS entry 1: missing field \"tags\"", failure(noTags));
    }

    @Test
    void aPostgresqlEntryNeedsItsReadLogin() {
        String noReadLogin = PLATFORM.replace("\"user\": \"reader\", \"password\": \"r-Secret-1\",", "");
        assertEquals("DATABASE_CREDENTIALS entry 1 (code \"alpdev_pg\"): missing field \"values.credentials.user\"",
                failure(noReadLogin));
    }

    @Test
    void aPasswordWithoutItsUserIsRefusedWithoutShowingIt() {
        String adminPasswordOnly = PLATFORM.replace("\"adminUser\": \"HADMIN\",", "");
        String message = failure(adminPasswordOnly);
        assertEquals("DATABASE_CREDENTIALS entry 2 (code \"hana1\"): missing field"
                + " \"values.credentials.adminUser\" (\"adminPassword\" is given)", message);
    }

    @Test
    void wrongValuesAreNamedButNotQuoted() {
        assertEquals("DATABASE_CREDENTIALS entry 1 (code \"alpdev_pg\"): field \"values.port\" must be a port number",
                failure(PLATFORM.replace("\"port\": 5432", "\"port\": \"r-Secret-1\"")));
        assertEquals("DATABASE_CREDENTIALS entry 1 (code \"alpdev_pg\"): field \"values.port\" must be a port number",
                failure(PLATFORM.replace("\"port\": 5432", "\"port\": 70000")));
        assertEquals("DATABASE_CREDENTIALS entry 2 (code \"hana1\"): field \"values.encrypt\" must be true or false",
                failure(PLATFORM.replace("\"encrypt\": true", "\"encrypt\": \"r-Secret-1\"")));
        assertEquals("DATABASE_CREDENTIALS entry 1 (code \"alpdev_pg\"): field \"values.dialect\" must be one of"
                + " duckdb, postgresql, hana", failure(PLATFORM.replace("\"dialect\": \"postgresql\"",
                        "\"dialect\": \"oracle\"")));
        assertEquals("DATABASE_CREDENTIALS entry 1 (code \"alpdev_pg\"): field \"values.credentials.password\" must be"
                + " a string", failure(PLATFORM.replace("\"password\": \"r-Secret-1\"", "\"password\": [1]")));
    }

    @Test
    void invalidJsonSaysWhereWithoutQuotingIt() {
        String broken = PLATFORM.replace("\"r-Secret-1\",", "\"r-Secret-1\" oops");
        String message = failure(broken);
        assertTrue(message.startsWith("DATABASE_CREDENTIALS is not valid JSON at line "), message);
        assertFalse(message.contains("Secret"), message);
        assertFalse(message.contains("oops"), message);
        assertFalse(message.contains("\n"), message);

        assertEquals("DATABASE_CREDENTIALS must be a JSON list of databases", failure("{\"values\": {}}"));
    }

    @Test
    void twoEntriesWithTheSameDialectAndCodeAreRefused() {
        String entry = PLATFORM.substring(PLATFORM.indexOf('{'), PLATFORM.indexOf("{\"type\": \"hana\""));
        String twice = "[" + entry + entry.substring(0, entry.lastIndexOf(',')) + "]";
        assertEquals("DATABASE_CREDENTIALS: two postgresql entries have the code \"alpdev_pg\"", failure(twice));
    }

    @Test
    void anEmptyPasswordIsAPassword() {
        String trust = PLATFORM.replace("\"password\": \"r-Secret-1\"", "\"password\": \"\"");
        DatabaseEntry pg = DatabaseCredentials.parse(trust).lookup(Dialect.POSTGRESQL, "alpdev_pg").orElseThrow();
        assertEquals(new DatabaseLogin("reader", ""), pg.read().orElseThrow());
    }

    private static String failure(String json) {
        String message = assertThrows(IllegalArgumentException.class, () -> DatabaseCredentials.parse(json))
                .getMessage();
        assertFalse(message.contains("Secret"), message);
        return message;
    }
}
