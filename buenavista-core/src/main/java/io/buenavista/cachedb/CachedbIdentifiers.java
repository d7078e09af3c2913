package io.buenavista.cachedb;

/**
 * The one check for the names a cachedb route carries (database code, schema, vocabulary schema): ASCII
 * {@code [A-Za-z_][A-Za-z0-9_]*}, at most {@value #MAX_LENGTH} characters (PostgreSQL's identifier limit). Both the
 * database string's parts and the portal's answer for a dataset pass it, so neither can smuggle a quote, a dot or a
 * path into a schema name or a file name.
 */
public final class CachedbIdentifiers {
    /** The longest identifier accepted: PostgreSQL's NAMEDATALEN - 1. */
    public static final int MAX_LENGTH = 63;

    private CachedbIdentifiers() {}

    /** Whether {@code name} is a valid cachedb identifier; false for null. */
    public static boolean isValid(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
            if (!letter && (i == 0 || c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }
}
