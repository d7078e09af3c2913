package io.buenavista.cachedb;

import io.buenavista.core.auth.TokenShape;
import io.buenavista.api.PgException;
import io.buenavista.api.StartupRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cachedb database strings: what each form parses to, and every malformed one refused with FATAL 3D000. */
class CachedbRouteParserTest {
    private static final String UUID_TEXT = "11111111-2222-3333-4444-555555555555";
    private static final String JWT = "eyJhbGciOiJFUzM4NCIsImtpZCI6ImsxIn0.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz";

    private final CachedbRouteParser parser = new CachedbRouteParser();

    private static DatabaseRoute direct(Dialect dialect, ConnectionType type, String code, String schema,
            String vocab) {
        return new DatabaseRoute(dialect, type, code, Optional.ofNullable(schema), Optional.ofNullable(vocab),
                Optional.empty());
    }

    private PgException refused(String database) {
        PgException e = assertThrows(PgException.class, () -> parser.parse(database));
        assertEquals("3D000", e.sqlState());
        assertEquals(PgException.Severity.FATAL, e.severity());
        assertTrue(e.getMessage().contains(CachedbRouteParser.EXPECTED_FORMAT), e.getMessage());
        return e;
    }

    @Test
    void protocolAWithoutConnectionTypeReads() {
        assertEquals(new DatasetRoute(Dialect.DUCKDB, ConnectionType.READ, UUID.fromString(UUID_TEXT)),
                parser.parse("A|duckdb|" + UUID_TEXT));
    }

    @Test
    void protocolAWithReadOrWrite() {
        assertEquals(new DatasetRoute(Dialect.POSTGRESQL, ConnectionType.READ, UUID.fromString(UUID_TEXT)),
                parser.parse("A|postgresql|read|" + UUID_TEXT));
        assertEquals(new DatasetRoute(Dialect.HANA, ConnectionType.WRITE, UUID.fromString(UUID_TEXT)),
                parser.parse("A|hana|write|" + UUID_TEXT));
    }

    @Test
    void datasetIdsInEitherCaseAreTheSameDataset() {
        String upper = "ABCDEF01-ABCD-ABCD-ABCD-ABCDEF012345";
        CachedbRoute fromUpper = parser.parse("A|duckdb|" + upper);
        CachedbRoute fromLower = parser.parse("A|duckdb|" + upper.toLowerCase());
        assertEquals(fromLower, fromUpper);
        assertEquals(upper.toLowerCase(), fromUpper.database());
        assertEquals("abcdef01-abcd-abcd-abcd-abcdef012345",
                parser.parse("A|duckdb|AbCdEf01-abcd-ABCD-abcd-abcdef012345").database());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "1-2-3-4-5",                                      // UUID.fromString would take it
            "11111111222233334444555555555555",               // no hyphens
            "{11111111-2222-3333-4444-555555555555}",         // braces
            "urn:uuid:11111111-2222-3333-4444-555555555555",  // URN (":" is no separator here, still refused)
            "11111111-2222-3333-4444-55555555555",            // one digit short
            "11111111-2222-3333-4444-5555555555555",          // one digit long
            "g1111111-2222-3333-4444-555555555555",           // not hexadecimal
            " 11111111-2222-3333-4444-555555555555",          // leading space
            "11111111-2222-3333-4444-555555555555\n",         // trailing newline
            "alpdev_pg"})                                     // a database code where a dataset id belongs
    void datasetIdsOtherThanCanonicalUuidsAreRefused(String id) {
        PgException e = refused("A|duckdb|" + id);
        assertTrue(e.getMessage().contains("the dataset id is not a UUID"), e.getMessage());
    }

    @Test
    void protocolBForDuckdbNeedsAllFiveParts() {
        assertEquals(direct(Dialect.DUCKDB, ConnectionType.READ, "alpdev_pg", "cdmdefault", "cdmvocab"),
                parser.parse("B|duckdb|alpdev_pg|cdmdefault|cdmvocab"));
        assertEquals(direct(Dialect.DUCKDB, ConnectionType.WRITE, "alpdev_pg", "cdmdefault", "cdmvocab"),
                parser.parse("B|duckdb|write|alpdev_pg|cdmdefault|cdmvocab"));
        refused("B|duckdb|code");
        refused("B|duckdb|code|schema");
        refused("B|duckdb|read|code|schema");
    }

    @Test
    void protocolBForPostgresqlAndHanaMakesSchemaAndVocabOptional() {
        assertEquals(direct(Dialect.POSTGRESQL, ConnectionType.READ, "code", null, null),
                parser.parse("B|postgresql|code"));
        // SCHEMA without VOCAB: accepted, as the issue's B|postgresql|code[|schema[|vocab]] nests them.
        assertEquals(direct(Dialect.POSTGRESQL, ConnectionType.READ, "code", "cdm", null),
                parser.parse("B|postgresql|code|cdm"));
        assertEquals(direct(Dialect.HANA, ConnectionType.WRITE, "code", "cdm", "vocab"),
                parser.parse("B|hana|write|code|cdm|vocab"));
        assertEquals(direct(Dialect.HANA, ConnectionType.READ, "code", null, null), parser.parse("B|hana|read|code"));
    }

    @Test
    void readOrWriteIsTheConnectionTypeOnlyWhenSpeltExactly() {
        // "READ" is not the connection type: it is the database code, an identifier like any other.
        assertEquals(direct(Dialect.POSTGRESQL, ConnectionType.READ, "READ", null, null),
                parser.parse("B|postgresql|READ"));
        assertEquals(direct(Dialect.POSTGRESQL, ConnectionType.READ, "writer", "read", null),
                parser.parse("B|postgresql|writer|read"));
        // Exactly "read" in the third field is the type, so nothing is left for the code.
        assertTrue(refused("B|postgresql|read").getMessage().contains("no database code"));
        assertTrue(refused("A|duckdb|write").getMessage().contains("no dataset id"));
    }

    @Test
    void emptyAndMissingPartsAreRefused() {
        assertTrue(refused("").getMessage().contains("empty part"));
        refused("|");
        refused("A");
        refused("B");
        assertTrue(refused("A|duckdb").getMessage().contains("no dataset id"));
        refused("A|duckdb|");
        refused("B|postgresql|");
        refused("B|postgresql|code|");
        refused("B|postgresql|code||vocab");
        refused("B||code");
        refused("|duckdb|" + UUID_TEXT);
    }

    @Test
    void unknownProtocolsAndDialectsAreRefused() {
        assertTrue(refused("C|duckdb|" + UUID_TEXT).getMessage().contains("unknown protocol"));
        refused("a|duckdb|" + UUID_TEXT);
        refused("AB|duckdb|" + UUID_TEXT);
        refused("test");
        refused("postgres");
        assertTrue(refused("A|mysql|" + UUID_TEXT).getMessage().contains("unknown dialect"));
        refused("A|DuckDB|" + UUID_TEXT);
        refused("B|sqlite|code|s|v");
        refused("B|cachedb-duckdb|code|s|v");
    }

    @Test
    void tooManyPartsAreRefused() {
        assertTrue(refused("A|duckdb|read|" + UUID_TEXT + "|x").getMessage().contains("too many parts"));
        refused("A|duckdb|" + UUID_TEXT + "|" + UUID_TEXT);
        refused("B|postgresql|code|s|v|x");
        refused("B|duckdb|write|code|s|v|x");
        refused("B|duckdb|write|code|s|v|x|y|z|".repeat(50));
        refused("|".repeat(10_000));
    }

    @ParameterizedTest
    @ValueSource(strings = {"code;drop", "../../etc", "a.b", "a b", "a-b", "1abc", "\"quoted\"", "a'b", "é", "ab\u0000",
            "a/b", "a\\b", "$x", "a%"})
    void partsThatAreNotIdentifiersAreRefused(String bad) {
        assertTrue(refused("B|postgresql|" + bad).getMessage().contains("is not an identifier"));
        refused("B|duckdb|" + bad + "|x|y");
        refused("B|duckdb|code|" + bad + "|y");
        refused("B|hana|code|s|" + bad);
    }

    @Test
    void theIssuesExamplesOfInjectionAreRefused() {
        PgException semicolon = refused("B|postgresql|code;drop");
        assertTrue(semicolon.getMessage().startsWith("invalid database name \"B|postgresql|code;drop\": \"code;drop\""),
                semicolon.getMessage());
        refused("B|duckdb|../../etc|x|y");
    }

    @Test
    void identifiersUpTo63CharactersAreAccepted() {
        String max = "a".repeat(63);
        String tooLong = "a".repeat(64);
        assertEquals(direct(Dialect.DUCKDB, ConnectionType.READ, max, "_" + "9".repeat(62), "Z"),
                parser.parse("B|duckdb|" + max + "|_" + "9".repeat(62) + "|Z"));
        refused("B|duckdb|" + tooLong + "|s|v");
        refused("B|duckdb|code|" + tooLong + "|v");
        refused("B|postgresql|code|s|" + tooLong);
        assertTrue(CachedbIdentifiers.isValid(max));
        assertFalse(CachedbIdentifiers.isValid(tooLong));
    }

    @Test
    void theIdentifierCheckIsTheOneThePortalsAnswerPasses() {
        for (String ok : new String[] {"a", "_", "A_1", "cdmdefault", "alpdev_pg", "_0"}) {
            assertTrue(CachedbIdentifiers.isValid(ok), ok);
        }
        for (String bad : new String[] {"", "0a", "../x", "x;", "a.b", "ä", "a\u0660", "a b"}) {
            assertFalse(CachedbIdentifiers.isValid(bad), bad);
        }
        assertFalse(CachedbIdentifiers.isValid(null));
    }

    @Test
    void aRefusedStringIsEchoedOnlyWhenShortPrintableAndNotAToken() {
        assertTrue(refused(JWT).getMessage().startsWith("invalid database name (not shown: it looks like a token)"));
        assertFalse(refused(JWT).getMessage().contains("eyJ"));
        assertFalse(refused("Bearer " + JWT).getMessage().contains("eyJ"));
        assertFalse(refused("B|postgresql|" + JWT).getMessage().contains("eyJ"));
        // A token cut short (no dots) is still not shown.
        assertFalse(refused("eyJhbGciOiJFUzM4NCJ9").getMessage().contains("eyJ"));
        String huge = "B|postgresql|" + "x".repeat(100_000);
        String message = refused(huge).getMessage();
        assertTrue(message.startsWith("invalid database name (not shown: 100013 characters)"), message);
        assertTrue(message.length() < 600, message);
        assertFalse(refused("B|postgresql|a\u0007b").getMessage().contains("\u0007"));
        assertFalse(refused("B|postgresql|a\nb").getMessage().contains("\n"));
    }

    @Test
    void tokenShapesAreRecognisedInOnePass() {
        assertTrue(TokenShape.appearsIn(JWT));
        assertTrue(TokenShape.appearsIn("A|duckdb|ab.cd."));
        assertTrue(TokenShape.appearsIn("x|" + JWT + "|y"));
        assertTrue(TokenShape.appearsIn("eyJhbGciOiJF"));
        assertFalse(TokenShape.appearsIn("B|duckdb|alpdev_pg|cdmdefault|cdmvocab"));
        assertFalse(TokenShape.appearsIn("a.b.c.d"));
        assertFalse(TokenShape.appearsIn("ab.cd"));
        assertFalse(TokenShape.appearsIn("ab.|cd."));
        assertFalse(TokenShape.appearsIn("keyJar_and_more"));
        assertFalse(TokenShape.appearsIn("eyJshort"));
        // Long runs of letters made a regular expression backtrack for minutes (100 000 characters: 6 minutes).
        assertFalse(TokenShape.appearsIn("x".repeat(1_000_000)));
        assertTrue(TokenShape.appearsIn("x".repeat(1_000_000) + ".yy."));
    }

    @Test
    void aMissingDatabaseIsRefusedWithoutFallingBackToTheUserName() {
        PgException e = assertThrows(PgException.class, () -> parser.parse(request(Map.of("user", JWT))));
        assertEquals("3D000", e.sqlState());
        assertEquals(PgException.Severity.FATAL, e.severity());
        assertTrue(e.getMessage().startsWith("no database name given"), e.getMessage());
        assertThrows(PgException.class, () -> parser.parse(request(Map.of("user", "u", "database", ""))));
        assertEquals(new DatasetRoute(Dialect.DUCKDB, ConnectionType.READ, UUID.fromString(UUID_TEXT)),
                parser.parse(request(Map.of("user", JWT, "database", "A|duckdb|" + UUID_TEXT))));
    }

    @Test
    void routesNameTheDialectsHandler() {
        assertEquals("cachedb-duckdb", parser.parse("A|duckdb|" + UUID_TEXT).handler());
        assertEquals("cachedb-postgresql", parser.parse("B|postgresql|code").handler());
        assertEquals("cachedb-hana", parser.parse("B|hana|code").handler());
        assertEquals("cachedb", parser.name());
    }

    /** A startup request as the core builds it: database defaults to the user name, the parameters as sent. */
    private static StartupRequest request(Map<String, String> params) {
        Map<String, String> sent = new LinkedHashMap<>(params);
        String database = sent.getOrDefault("database", sent.get("user"));
        return new StartupRequest(sent.get("user"), database.isEmpty() ? sent.get("user") : database, "", Map.of(),
                sent, new InetSocketAddress("127.0.0.1", 5555), false);
    }
}
