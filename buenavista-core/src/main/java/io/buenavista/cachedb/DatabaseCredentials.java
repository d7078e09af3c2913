package io.buenavista.cachedb;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The databases of {@code DATABASE_CREDENTIALS}, the original cachedb's JSON list. Each element is
 * {@code {"type": …, "tags": [...], "values": {...}}}; only elements tagged {@code analytics} are cachedb's (the
 * original skips the others), and their {@code values} are
 * {@code {code, dialect, host, port, databaseName, credentials: {user, password, adminUser, adminPassword}}} with
 * the optional {@code encrypt}, {@code validateCertificate}, {@code sslTrustStore} and {@code hostnameInCertificate}.
 *
 * <p>Stricter than the original, which fails only when a session first needs the entry: {@link #parse} checks every
 * analytics entry at startup and fails with one line naming the entry and the field. The read login is required,
 * except on HANA, where its absence means each user logs in with their own token (the original's JWT mode); the
 * write login is optional (a {@code write} route to an entry without one is refused when it is asked for). No
 * message quotes a value of the JSON, so secrets never reach a log.
 */
public record DatabaseCredentials(List<DatabaseEntry> entries) {
    /** The name of the environment variable, as in the original. */
    public static final String VARIABLE = "DATABASE_CREDENTIALS";

    public DatabaseCredentials {
        entries = List.copyOf(entries);
        Set<String> seen = new HashSet<>();
        for (DatabaseEntry e : entries) {
            if (!seen.add(e.dialect().wireName() + "|" + e.code())) {
                throw new IllegalArgumentException(VARIABLE + ": two " + e.dialect().wireName()
                        + " entries have the code \"" + e.code() + "\"");
            }
        }
    }

    /** No databases: what an unset variable means. */
    public static DatabaseCredentials none() {
        return new DatabaseCredentials(List.of());
    }

    /** The entry of this dialect with this code, or empty (the caller refuses the session with 3D000). */
    public Optional<DatabaseEntry> lookup(Dialect dialect, String code) {
        Objects.requireNonNull(dialect, "dialect");
        Objects.requireNonNull(code, "code");
        return entries.stream().filter(e -> e.dialect() == dialect && e.code().equals(code)).findFirst();
    }

    /**
     * Parses the variable's value; null or blank means no databases.
     *
     * @throws IllegalArgumentException with one line naming the entry and the field, never a value from the JSON
     */
    public static DatabaseCredentials parse(String json) {
        if (json == null || json.isBlank()) {
            return none();
        }
        JsonElement root;
        try {
            root = JsonParser.parseString(json);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(VARIABLE + " is not valid JSON" + where(e));
        }
        if (!root.isJsonArray()) {
            throw new IllegalArgumentException(VARIABLE + " must be a JSON list of databases");
        }
        JsonArray list = root.getAsJsonArray();
        List<DatabaseEntry> entries = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Reader entry = new Reader(i + 1, list.get(i));
            if (entry.isAnalytics()) {
                entries.add(entry.read());
            }
        }
        return new DatabaseCredentials(entries);
    }

    /** Gson's position of a syntax error ({@code at line 1 column 7 path $[0]}), without the text around it. */
    private static String where(JsonParseException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            int at = m == null ? -1 : m.indexOf(" at line ");
            if (at >= 0) {
                int eol = m.indexOf('\n', at);
                return m.substring(at, eol < 0 ? m.length() : eol);
            }
        }
        return "";
    }

    /** Reads one element of the list; every failure names it by its position and, once known, its code. */
    private static final class Reader {
        private final int number;
        private final JsonElement element;
        private String code;

        Reader(int number, JsonElement element) {
            this.number = number;
            this.element = element;
        }

        boolean isAnalytics() {
            JsonObject entry = object(element, "");
            JsonElement tags = entry.get("tags");
            if (tags == null || tags.isJsonNull()) {
                throw fail("missing field \"tags\"");
            }
            if (!tags.isJsonArray()) {
                throw fail("field \"tags\" must be a list");
            }
            for (JsonElement tag : tags.getAsJsonArray()) {
                if (tag.isJsonPrimitive() && tag.getAsJsonPrimitive().isString()
                        && tag.getAsString().equals("analytics")) {
                    return true;
                }
            }
            return false;
        }

        DatabaseEntry read() {
            JsonObject values = object(object(element, "").get("values"), "values");
            code = string(values, "values", "code");
            if (code.isEmpty()) {
                throw fail("field \"values.code\" is empty");
            }
            String dialectName = string(values, "values", "dialect");
            Dialect dialect = Dialect.fromWireName(dialectName)
                    .orElseThrow(() -> fail("field \"values.dialect\" must be one of duckdb, postgresql, hana"));
            String host = string(values, "values", "host");
            int port = port(values);
            String databaseName = string(values, "values", "databaseName");
            JsonObject credentials = object(values.get("credentials"), "values.credentials");
            Optional<DatabaseLogin> read = login(credentials, "user", "password");
            Optional<DatabaseLogin> write = login(credentials, "adminUser", "adminPassword");
            if (read.isEmpty() && dialect != Dialect.HANA) {
                throw fail("missing field \"values.credentials.user\"");
            }
            return new DatabaseEntry(code, dialect, host, port, databaseName, read, write,
                    bool(values, "encrypt"), bool(values, "validateCertificate"),
                    optionalString(values, "values", "sslTrustStore"),
                    optionalString(values, "values", "hostnameInCertificate"));
        }

        /** A login from a user field and a password field: both or neither (an empty user counts as none). */
        private Optional<DatabaseLogin> login(JsonObject credentials, String userField, String passwordField) {
            String prefix = "values.credentials";
            Optional<String> user = optionalString(credentials, prefix, userField);
            Optional<String> password = optionalString(credentials, prefix, passwordField);
            if (user.isEmpty()) {
                if (password.isPresent() && !password.get().isEmpty()) {
                    throw fail("missing field \"" + prefix + "." + userField + "\" (\"" + passwordField
                            + "\" is given)");
                }
                return Optional.empty();
            }
            JsonElement given = credentials.get(passwordField);
            if (given == null || given.isJsonNull()) {
                throw fail("missing field \"" + prefix + "." + passwordField + "\"");
            }
            // An empty password is a password (a database that trusts the host), as the original's model takes it.
            return Optional.of(new DatabaseLogin(user.get(), password.orElse("")));
        }

        private int port(JsonObject values) {
            JsonElement e = values.get("port");
            if (e == null || e.isJsonNull()) {
                throw fail("missing field \"values.port\"");
            }
            long port;
            try {
                // The original's pydantic model takes 30015 and "30015" alike.
                port = e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()
                        ? Long.parseLong(e.getAsString().trim())
                        : e.getAsJsonPrimitive().getAsBigDecimal().longValueExact();
            } catch (RuntimeException notANumber) {
                throw fail("field \"values.port\" must be a port number");
            }
            if (port < 1 || port > 65535) {
                throw fail("field \"values.port\" must be a port number");
            }
            return (int) port;
        }

        /** An optional boolean: true/false, or the strings "true"/"false" as the original's model accepts. */
        private boolean bool(JsonObject values, String field) {
            JsonElement e = values.get(field);
            if (e == null || e.isJsonNull()) {
                return false;
            }
            if (e.isJsonPrimitive()) {
                JsonPrimitive p = e.getAsJsonPrimitive();
                if (p.isBoolean()) {
                    return p.getAsBoolean();
                }
                if (p.isString() && (p.getAsString().equalsIgnoreCase("true")
                        || p.getAsString().equalsIgnoreCase("false"))) {
                    return Boolean.parseBoolean(p.getAsString());
                }
            }
            throw fail("field \"values." + field + "\" must be true or false");
        }

        private String string(JsonObject object, String prefix, String field) {
            return optionalString(object, prefix, field)
                    .orElseThrow(() -> fail("missing field \"" + prefix + "." + field + "\""));
        }

        /** A string field; a number is taken as its text (never quoted in a message: it may be a password). */
        private Optional<String> optionalString(JsonObject object, String prefix, String field) {
            JsonElement e = object.get(field);
            if (e == null || e.isJsonNull()) {
                return Optional.empty();
            }
            if (!e.isJsonPrimitive() || e.getAsJsonPrimitive().isBoolean()) {
                throw fail("field \"" + prefix + "." + field + "\" must be a string");
            }
            String value = e.getAsString();
            return value.isEmpty() ? Optional.empty() : Optional.of(value);
        }

        private JsonObject object(JsonElement e, String field) {
            if (e == null || e.isJsonNull()) {
                throw fail("missing field \"" + field + "\"");
            }
            if (!e.isJsonObject()) {
                throw fail(field.isEmpty() ? "must be an object" : "field \"" + field + "\" must be an object");
            }
            return e.getAsJsonObject();
        }

        private IllegalArgumentException fail(String what) {
            return new IllegalArgumentException(VARIABLE + " entry " + number
                    + (code == null ? "" : " (code \"" + code + "\")") + ": " + what);
        }
    }
}
