package io.buenavista.core.sql;

import java.util.Objects;

/**
 * One statement of a query string, as split by {@link SqlLexer#split(String)}.
 *
 * @param text   the statement, without surrounding whitespace and without its terminating {@code ;}
 * @param offset the index in the original query string of the first character of {@code text}, to map error
 *               positions back to what the client sent
 */
public record SqlStatement(String text, int offset) {
    public SqlStatement {
        Objects.requireNonNull(text, "text");
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative: " + offset);
        }
    }

    /** Maps a 1-based position within {@link #text()} to the 1-based position in the original query string. */
    public int positionInQuery(int positionInStatement) {
        return positionInStatement <= 0 ? positionInStatement : positionInStatement + offset;
    }
}
