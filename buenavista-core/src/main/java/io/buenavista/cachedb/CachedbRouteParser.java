package io.buenavista.cachedb;

import io.buenavista.api.ConnectionParamParser;
import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;
import io.buenavista.api.StartupRequest;
import io.buenavista.core.auth.TokenShape;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Reads the cachedb database string into a {@link CachedbRoute}, without I/O:
 * <ul>
 *   <li>protocol A, {@code A|DIALECT|DATASETID} or {@code A|DIALECT|read|DATASETID} / {@code A|DIALECT|write|DATASETID}:
 *       a {@link DatasetRoute};</li>
 *   <li>protocol B, {@code B|DIALECT[|read|write]|CODE|SCHEMA|VOCAB}: a {@link DatabaseRoute} without dataset. For
 *       {@code duckdb} all parts are required; for {@code postgresql} and {@code hana} SCHEMA and VOCAB are optional,
 *       each on its own ({@code CODE}, {@code CODE|SCHEMA} and {@code CODE|SCHEMA|VOCAB} are accepted), as the issue
 *       writes {@code B|postgresql|code[|schema[|vocab]]}.</li>
 * </ul>
 * The connection type is the third field when that is exactly {@code read} or {@code write}; otherwise it is
 * {@code read}. Protocol letters and dialects are case-sensitive, as the original cachedb spells them.
 * Identifiers pass {@link CachedbIdentifiers#isValid}. The dataset id must be a UUID in its canonical 8-4-4-4-12 hex
 * form (either case): Java's {@link UUID#fromString} alone would also take {@code 1-2-3-4-5}, and other spellings
 * (braces, {@code urn:uuid:}, no hyphens) would give one dataset several names; the route carries the parsed
 * {@link UUID}, so comparisons do not depend on case.
 *
 * <p>Anything else is refused with FATAL {@code 3D000} whose message gives the reason and the expected format. The
 * refused string is echoed only when short and harmless: at most {@value #ECHO_LIMIT} characters, printable ASCII,
 * and never when it looks like a JWT (a client that puts its token in the wrong field must not see it in an error,
 * nor in a log that records errors).
 */
public final class CachedbRouteParser implements ConnectionParamParser {
    /** The name to select this parser in configuration. */
    public static final String NAME = "cachedb";

    /** The formats, as the error message shows them. */
    public static final String EXPECTED_FORMAT = "expected A|DIALECT[|read|write]|DATASET_ID or "
            + "B|DIALECT[|read|write]|DATABASE_CODE|SCHEMA|VOCAB_SCHEMA (SCHEMA and VOCAB_SCHEMA optional for "
            + "postgresql and hana), with DIALECT one of duckdb, postgresql, hana";

    static final int ECHO_LIMIT = 64;
    /** A protocol B string has at most six parts; reading one more is enough to know there are too many. */
    private static final int MAX_PARTS = 6;
    private static final Pattern CANONICAL_UUID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    @Override
    public String name() {
        return NAME;
    }

    /**
     * Parses the startup packet's {@code database} parameter. A missing or empty one is refused: PostgreSQL would
     * default it to the user name, which here is usually the token.
     */
    @Override
    public CachedbRoute parse(StartupRequest request) throws PgException {
        String database = request.parameter("database");
        if (database == null || database.isEmpty()) {
            throw PgException.fatal(SqlState.INVALID_CATALOG_NAME, "no database name given; " + EXPECTED_FORMAT);
        }
        return parse(database);
    }

    /** Parses a database string; {@link #parse(StartupRequest)} without the startup packet. */
    public CachedbRoute parse(String database) throws PgException {
        String[] parts = database.split("\\|", MAX_PARTS + 1);
        if (parts.length > MAX_PARTS) {
            throw invalid(database, "too many parts");
        }
        for (String part : parts) {
            if (part.isEmpty()) {
                throw invalid(database, "empty part");
            }
        }
        String protocol = parts[0];
        if (!protocol.equals("A") && !protocol.equals("B")) {
            throw invalid(database, "unknown protocol (A or B)");
        }
        if (parts.length < 2) {
            throw invalid(database, "no dialect");
        }
        Dialect dialect = Dialect.fromWireName(parts[1])
                .orElseThrow(() -> invalid(database, "unknown dialect (duckdb, postgresql or hana)"));
        int next = 2;
        ConnectionType type = ConnectionType.READ;
        if (parts.length > 2 && (parts[2].equals("read") || parts[2].equals("write"))) {
            type = parts[2].equals("write") ? ConnectionType.WRITE : ConnectionType.READ;
            next = 3;
        }
        int rest = parts.length - next;
        if (protocol.equals("A")) {
            if (rest != 1) {
                throw invalid(database, rest == 0 ? "no dataset id" : "too many parts for protocol A");
            }
            return new DatasetRoute(dialect, type, datasetId(database, parts[next]));
        }
        int min = dialect == Dialect.DUCKDB ? 3 : 1;
        if (rest < min) {
            throw invalid(database, rest == 0 ? "no database code"
                    : "duckdb needs DATABASE_CODE|SCHEMA|VOCAB_SCHEMA");
        }
        if (rest > 3) {
            throw invalid(database, "too many parts for protocol B");
        }
        for (int i = next; i < parts.length; i++) {
            if (!CachedbIdentifiers.isValid(parts[i])) {
                throw invalid(database, quoted(parts[i]) + " is not an identifier ([A-Za-z_][A-Za-z0-9_]*, "
                        + "at most " + CachedbIdentifiers.MAX_LENGTH + " characters)");
            }
        }
        Optional<String> schema = rest >= 2 ? Optional.of(parts[next + 1]) : Optional.empty();
        Optional<String> vocab = rest >= 3 ? Optional.of(parts[next + 2]) : Optional.empty();
        return new DatabaseRoute(dialect, type, parts[next], schema, vocab, Optional.empty());
    }

    private static UUID datasetId(String database, String text) {
        if (!CANONICAL_UUID.matcher(text).matches()) {
            throw invalid(database, "the dataset id is not a UUID (8-4-4-4-12 hexadecimal digits)");
        }
        return UUID.fromString(text);
    }

    private static PgException invalid(String database, String reason) {
        return PgException.fatal(SqlState.INVALID_CATALOG_NAME,
                "invalid database name " + quoted(database) + ": " + reason + "; " + EXPECTED_FORMAT);
    }

    /** The string in quotes when it is safe to show, else a description of it. */
    private static String quoted(String database) {
        String shown = echo(database);
        return shown.equals(database) ? "\"" + shown + "\"" : shown;
    }

    /**
     * {@code text} itself when it is at most {@link #ECHO_LIMIT} printable ASCII characters and holds nothing
     * JWT-shaped; otherwise a placeholder that says why it is not shown.
     */
    static String echo(String text) {
        if (TokenShape.appearsIn(text)) {
            return "(not shown: it looks like a token)";
        }
        if (text.length() > ECHO_LIMIT) {
            return "(not shown: " + text.length() + " characters)";
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                return "(not shown: it holds non-printable or non-ASCII characters)";
            }
        }
        return text;
    }
}
