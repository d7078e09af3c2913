package io.buenavista.core.types;

import io.buenavista.api.PgType;

/**
 * Converts values of one PostgreSQL type between their Java form (see {@link PgType}) and the wire formats, text and
 * binary, exactly as PostgreSQL 15 writes and reads them.
 *
 * <p>Encoders write the value only, without the length prefix. Values are never null here: the caller deals with
 * SQL NULL. Every encoder also accepts a {@code String} holding the value's text form. Errors are
 * {@link io.buenavista.api.PgException}s with PostgreSQL's SQLSTATEs.
 */
public interface Codec {
    /** The type this codec converts. */
    PgType type();

    /** Writes the text form of {@code value}. */
    void encodeText(Object value, ByteSink out, TypeContext ctx);

    /** Whether this codec has a binary format; if not, {@link #encodeBinary} and {@link #decodeBinary} throw. */
    boolean hasBinary();

    /** Writes the binary form of {@code value}. */
    void encodeBinary(Object value, ByteSink out, TypeContext ctx);

    /** Reads a value from its text form. */
    Object decodeText(String text, TypeContext ctx);

    /** Reads a value from {@code length} bytes of its binary form starting at {@code offset}. */
    Object decodeBinary(byte[] buf, int offset, int length, TypeContext ctx);
}
