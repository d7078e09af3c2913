package io.buenavista.core.session;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;
import io.buenavista.core.types.TypeContext;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The session settings the core owns for SQL handlers: the parameters PostgreSQL reports with ParameterStatus, and
 * the few others clients ask for at connect time. Names are matched case-insensitively, like PostgreSQL's GUCs,
 * and kept in PostgreSQL's spelling.
 *
 * <p>Choices: only {@code UTF8} travels on the wire. A client asking for {@code SQL_ASCII} (psql under
 * {@code LANG=C}) gets UTF8, a superset; other encodings are refused with {@code 22023} rather than silently
 * mangled. DateStyle must be ISO (the only output style implemented) and IntervalStyle {@code postgres}.
 */
public final class SessionSettings {

    /** Parameters sent in ParameterStatus at startup and again whenever they change. */
    static final List<String> REPORTED = List.of("server_version", "server_version_num", "server_encoding",
            "client_encoding", "DateStyle", "IntervalStyle", "TimeZone", "integer_datetimes",
            "standard_conforming_strings", "application_name", "is_superuser", "session_authorization",
            "default_transaction_read_only", "in_hot_standby", "scram_iterations");

    /** Parameters a client may not change. */
    private static final Set<String> READ_ONLY = Set.of("server_version", "server_version_num", "server_encoding",
            "integer_datetimes", "is_superuser", "in_hot_standby", "session_authorization", "scram_iterations",
            "max_identifier_length", "lc_collate", "lc_ctype", "block_size");

    /** PostgreSQL 15's setting names by their lower-case form, from {@code pg_settings}. */
    private static final Map<String, String> POSTGRES_NAMES = loadPostgresNames();

    private final Map<String, String> canonicalNames = new LinkedHashMap<>();
    /** The PostgreSQL-only settings a client set: remembered, never passed on. */
    private final Set<String> adopted = new HashSet<>();
    private final Map<String, String> defaults = new LinkedHashMap<>();
    private final Map<String, String> values = new LinkedHashMap<>();
    private TypeContext typeContext;

    /**
     * @param serverVersion the version to report, e.g. {@code 16.0}
     * @param user          the session user
     */
    public SessionSettings(String serverVersion, String user) {
        define("server_version", serverVersion);
        define("server_version_num", Integer.toString(versionNumber(serverVersion)));
        define("server_encoding", "UTF8");
        define("client_encoding", "UTF8");
        define("DateStyle", "ISO, MDY");
        define("IntervalStyle", "postgres");
        define("TimeZone", "UTC");
        define("integer_datetimes", "on");
        define("standard_conforming_strings", "on");
        define("application_name", "");
        define("is_superuser", "off");
        define("session_authorization", user);
        define("default_transaction_read_only", "off");
        define("in_hot_standby", "off");
        define("scram_iterations", "4096");
        define("extra_float_digits", "1");
        define("search_path", "\"$user\", public");
        define("transaction_isolation", "read committed");
        define("default_transaction_isolation", "read committed");
        define("transaction_read_only", "off");
        define("statement_timeout", "0");
        define("max_identifier_length", "63");
        define("lc_collate", "C");
        define("lc_ctype", "C");
        define("block_size", "8192");
        typeContext = TypeContext.DEFAULT;
    }

    private void define(String name, String value) {
        canonicalNames.put(name.toLowerCase(Locale.ROOT), name);
        defaults.put(name, value);
        values.put(name, value);
    }

    private static Map<String, String> loadPostgresNames() {
        Map<String, String> names = new java.util.HashMap<>();
        try (InputStream in = SessionSettings.class.getResourceAsStream("postgresql-settings.txt")) {
            if (in == null) {
                throw new IllegalStateException("postgresql-settings.txt is missing from the class path");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                line = line.strip();
                if (!line.isEmpty() && !line.startsWith("#")) {
                    names.put(line.toLowerCase(Locale.ROOT), line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.copyOf(names);
    }

    /**
     * Whether {@code name} is a setting of PostgreSQL (or a custom dotted one) that the core accepts without owning
     * it: not validated, and passed to the handler only when custom ({@link #isCustom}).
     */
    public boolean isPostgresOnly(String name) {
        return !owns(name) && (POSTGRES_NAMES.containsKey(name.toLowerCase(Locale.ROOT)) || isCustom(name));
    }

    /** Whether a {@code SET}/{@code RESET} of this name is the core's business: owned or PostgreSQL-only. */
    public boolean accepts(String name) {
        return owns(name) || isPostgresOnly(name);
    }

    /**
     * Whether {@code name} is a custom setting's (PostgreSQL's placeholder variables): dotted, such as
     * {@code app.user_id}. The core keeps them, and tells the handler of their values (so that SQL functions such
     * as {@code current_setting} can answer them), but no handler applies them to its database.
     */
    public static boolean isCustom(String name) {
        return name.indexOf('.') >= 0; // a name such as ".x" too: PostgreSQL refuses it as a custom name (42602)
    }

    /** A custom name as PostgreSQL accepts it: two or more simple identifiers separated by dots. */
    private static final java.util.regex.Pattern CUSTOM_NAME = java.util.regex.Pattern.compile(
            "[A-Za-z_\\x{80}-\\x{10FFFF}][A-Za-z0-9_$\\x{80}-\\x{10FFFF}]*"
                    + "(?:\\.[A-Za-z_\\x{80}-\\x{10FFFF}][A-Za-z0-9_$\\x{80}-\\x{10FFFF}]*)+");

    /**
     * Makes a PostgreSQL-only or custom setting one of the session's (unset: empty), so it can be set, shown and
     * reset. As PostgreSQL's placeholders, a custom setting stays once made, even when the transaction that made it
     * rolls back.
     *
     * @return the canonical name, or null if the name is neither owned nor PostgreSQL's nor custom
     * @throws PgException 42602 for a custom name PostgreSQL refuses ({@code a.b-c}, {@code a..b})
     */
    public String adopt(String name) {
        String c = canonical(name);
        if (c == null && isCustom(name) && !CUSTOM_NAME.matcher(name).matches()) {
            throw new PgException(SqlState.INVALID_NAME, "invalid configuration parameter name \"" + name + "\"")
                    .withDetail("Custom parameter names must be two or more simple identifiers separated by dots.");
        }
        if (c == null && isPostgresOnly(name)) {
            c = POSTGRES_NAMES.getOrDefault(name.toLowerCase(Locale.ROOT), name.toLowerCase(Locale.ROOT));
            define(c, "");
            adopted.add(c);
        }
        return c;
    }

    /** Whether a setting was adopted by {@link #adopt}: the handler has no part in it. */
    public boolean isAdopted(String canonicalName) {
        return adopted.contains(canonicalName);
    }

    /** {@code statement_timeout} in milliseconds; 0 for none. */
    public long statementTimeoutMillis() {
        return parseMillis(values.get("statement_timeout"));
    }

    /** PostgreSQL's {@code server_version_num} for a version string such as {@code 16.0} or {@code 15.4}. */
    static int versionNumber(String version) {
        String[] parts = version.split("[^0-9]+");
        int major = parts.length > 0 && !parts[0].isEmpty() ? Integer.parseInt(parts[0]) : 0;
        int minor = parts.length > 1 && !parts[1].isEmpty() ? Integer.parseInt(parts[1]) : 0;
        return major >= 10 ? major * 10000 + minor : major * 10000 + minor * 100;
    }

    /** The canonical name if the core owns this setting, else null. */
    public String canonical(String name) {
        return canonicalNames.get(name.toLowerCase(Locale.ROOT));
    }

    public boolean owns(String name) {
        return canonical(name) != null;
    }

    /** The parameters reported at startup, in order. */
    public static List<String> reportedNames() {
        return REPORTED;
    }

    /**
     * Sets a value the handler dictates (e.g. a real backend's {@code server_version}), read-only or not. Unknown
     * names become core-owned settings.
     */
    public void override(String name, String value) {
        String c = canonical(name);
        if (c == null) {
            define(name, value);
        } else {
            values.put(c, value);
            if (c.equals("server_version")) {
                values.put("server_version_num", Integer.toString(versionNumber(value)));
            }
        }
    }

    public static boolean isReported(String canonicalName) {
        return REPORTED.contains(canonicalName);
    }

    /** PostgreSQL's error for a setting it does not know, e.g. a custom one never set. */
    public static PgException unrecognized(String name) {
        return new PgException(SqlState.UNDEFINED_OBJECT, "unrecognized configuration parameter \"" + name + "\"");
    }

    /** The current value, or null when the core does not own it. */
    public String get(String name) {
        String c = canonical(name);
        return c == null ? null : values.get(c);
    }

    /** Every setting with its value, in definition order. */
    public Map<String, String> all() {
        return java.util.Collections.unmodifiableMap(values);
    }

    /** The settings {@code SHOW ALL} lists: all but the custom ones, which PostgreSQL does not list either. */
    public Map<String, String> shownByShowAll() {
        Map<String, String> shown = new LinkedHashMap<>(values);
        shown.keySet().removeIf(SessionSettings::isCustom);
        return shown;
    }

    /** The custom settings the session has, with their values, in the order they were made. */
    public Map<String, String> custom() {
        Map<String, String> custom = new LinkedHashMap<>(values);
        custom.keySet().removeIf(name -> !isCustom(name));
        return custom;
    }

    public TypeContext typeContext() {
        return typeContext;
    }

    /**
     * Sets a core-owned setting after validating it.
     *
     * @return the canonical name
     * @throws PgException 22023 for an invalid value, 55P02/42501-like refusal for read-only ones
     */
    public String set(String name, String value) {
        String c = adopt(name);
        if (c == null) {
            throw new IllegalArgumentException("not a core setting: " + name);
        }
        if (READ_ONLY.contains(c)) {
            throw new PgException("55P02", "parameter \"" + c + "\" cannot be changed");
        }
        String normalized = normalize(c, value);
        values.put(c, normalized);
        if (c.equals("TimeZone") || c.equals("extra_float_digits")) {
            updateTypeContext();
        }
        return c;
    }

    private void updateTypeContext() {
        typeContext = new TypeContext(ZoneId.of(values.get("TimeZone")),
                Integer.parseInt(values.get("extra_float_digits")));
    }

    /** The current values, to {@link #restore} later (when a transaction that changes some rolls back). */
    public Map<String, String> snapshot() {
        return new LinkedHashMap<>(values);
    }

    /**
     * Puts back values taken from this object earlier, without validating them again.
     *
     * @return the canonical names whose value changed
     */
    public List<String> restore(Map<String, String> saved) {
        List<String> changed = new ArrayList<>();
        saved.forEach((name, value) -> {
            String c = canonical(name);
            if (c != null && !value.equals(values.get(c))) {
                values.put(c, value);
                changed.add(c);
            }
        });
        if (!changed.isEmpty()) {
            updateTypeContext();
        }
        return changed;
    }

    /** Restores the value the session started with ({@code RESET}). */
    public String reset(String name) {
        String c = adopt(name);
        if (c == null) {
            throw new IllegalArgumentException("not a core setting: " + name);
        }
        if (!READ_ONLY.contains(c)) {
            set(c, defaults.get(c));
        }
        return c;
    }

    /** Makes the current values the ones RESET returns to: called once startup parameters are applied. */
    public void markStartupValues() {
        defaults.putAll(values);
    }

    private static String normalize(String name, String value) {
        switch (name) {
            case "client_encoding": {
                // PostgreSQL ignores everything but letters and digits in encoding names: asyncpg sends 'utf-8'
                // with the quotes.
                String e = value.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "");
                if (e.equals("UTF8") || e.equals("UNICODE") || e.equals("SQLASCII")) {
                    return "UTF8";
                }
                throw invalid(name, value);
            }
            case "DateStyle": {
                String v = value.toUpperCase(Locale.ROOT);
                if (v.contains("ISO") || v.equals("DEFAULT")) {
                    return "ISO, MDY";
                }
                throw invalid(name, value).withDetail("Only the ISO date style is supported.");
            }
            case "IntervalStyle":
                if (value.equalsIgnoreCase("postgres") || value.equalsIgnoreCase("default")) {
                    return "postgres";
                }
                throw invalid(name, value).withDetail("Only the postgres interval style is supported.");
            case "TimeZone":
                return zone(value);
            case "extra_float_digits":
                try {
                    int d = Integer.parseInt(value.trim());
                    if (d < -15 || d > 3) {
                        throw invalid(name, value).withDetail("Value must be between -15 and 3.");
                    }
                    return Integer.toString(d);
                } catch (NumberFormatException e) {
                    throw invalid(name, value);
                }
            case "standard_conforming_strings":
                if (isTrue(value)) {
                    return "on";
                }
                throw invalid(name, value).withDetail("Only standard_conforming_strings = on is supported.");
            case "statement_timeout":
                return displayMillis(parseTimeout(name, value));
            case "default_transaction_read_only":
            case "transaction_read_only":
                return isTrue(value) ? "on" : isFalse(value) ? "off" : failBool(name, value);
            default:
                return value;
        }
    }

    /** A number with an optional time unit; compiled once, as statement_timeout is read at every statement. */
    private static final java.util.regex.Pattern DURATION = java.util.regex.Pattern.compile(
            "\\s*([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\\s*(us|ms|s|min|h|d)?\\s*");

    /**
     * A duration setting as PostgreSQL reads it: a number of milliseconds, or a number with a unit ({@code us},
     * {@code ms}, {@code s}, {@code min}, {@code h}, {@code d}), rounded to whole milliseconds.
     */
    private static long parseTimeout(String name, String value) {
        java.util.regex.Matcher m = DURATION.matcher(value);
        if (!m.matches()) {
            throw invalid(name, value);
        }
        double factor = switch (m.group(2) == null ? "ms" : m.group(2)) {
            case "us" -> 0.001;
            case "s" -> 1_000;
            case "min" -> 60_000;
            case "h" -> 3_600_000;
            case "d" -> 86_400_000;
            default -> 1;
        };
        double ms = Math.rint(Double.parseDouble(m.group(1)) * factor);
        if (ms < 0 || ms > Integer.MAX_VALUE) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, (long) ms + " ms is outside the valid range for "
                    + "parameter \"" + name + "\" (0 .. " + Integer.MAX_VALUE + ")");
        }
        return (long) ms;
    }

    private static long parseMillis(String shown) {
        return parseTimeout("statement_timeout", shown);
    }

    /** How PostgreSQL shows milliseconds: in the largest unit that divides them exactly. */
    private static String displayMillis(long ms) {
        if (ms == 0) {
            return "0";
        }
        long[] sizes = {86_400_000, 3_600_000, 60_000, 1_000};
        String[] units = {"d", "h", "min", "s"};
        for (int i = 0; i < sizes.length; i++) {
            if (ms % sizes[i] == 0) {
                return ms / sizes[i] + units[i];
            }
        }
        return ms + "ms";
    }

    private static String zone(String value) {
        String v = value.trim();
        if (v.equalsIgnoreCase("utc") || v.equalsIgnoreCase("gmt") || v.equalsIgnoreCase("z")) {
            return "UTC";
        }
        try {
            ZoneId.of(v);
            return v;
        } catch (DateTimeException e) {
            throw invalid("TimeZone", value);
        }
    }

    private static boolean isTrue(String v) {
        return Set.of("on", "true", "yes", "1", "t", "y").contains(v.trim().toLowerCase(Locale.ROOT));
    }

    private static boolean isFalse(String v) {
        return Set.of("off", "false", "no", "0", "f", "n").contains(v.trim().toLowerCase(Locale.ROOT));
    }

    private static String failBool(String name, String value) {
        throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                "parameter \"" + name + "\" requires a Boolean value");
    }

    private static PgException invalid(String name, String value) {
        return new PgException(SqlState.INVALID_PARAMETER_VALUE,
                "invalid value for parameter \"" + name + "\": \"" + value + "\"");
    }
}
