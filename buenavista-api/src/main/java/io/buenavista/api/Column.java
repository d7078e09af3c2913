package io.buenavista.api;

/**
 * One column of a result, as {@code RowDescription} describes it.
 *
 * @param name         the column label
 * @param type         its type
 * @param typeModifier {@code atttypmod}, -1 for none (e.g. for numeric(p,s): {@code ((p << 16) | s) + 4})
 * @param tableOid     the OID of the table it comes from, or 0
 * @param columnNumber its attribute number in that table, or 0
 */
public record Column(String name, PgType type, int typeModifier, int tableOid, short columnNumber) {
    public Column {
        java.util.Objects.requireNonNull(name, "name");
        java.util.Objects.requireNonNull(type, "type");
    }

    public Column(String name, PgType type) {
        this(name, type, -1, 0, (short) 0);
    }
}
