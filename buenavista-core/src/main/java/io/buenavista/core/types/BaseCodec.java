package io.buenavista.core.types;

import io.buenavista.api.PgType;

/**
 * The common part of the built-in codecs: a {@code String} value is the value's text form, written as-is in text and
 * parsed with {@link #decodeText} before binary encoding.
 */
abstract class BaseCodec implements Codec {
    private final PgType type;

    BaseCodec(PgType type) {
        this.type = type;
    }

    @Override
    public final PgType type() {
        return type;
    }

    @Override
    public boolean hasBinary() {
        return true;
    }

    @Override
    public void encodeText(Object value, ByteSink out, TypeContext ctx) {
        if (value instanceof String s) {
            out.writeUtf8(s);
        } else {
            writeText(value, out, ctx);
        }
    }

    @Override
    public void encodeBinary(Object value, ByteSink out, TypeContext ctx) {
        writeBinary(value instanceof String s ? decodeText(s, ctx) : value, out, ctx);
    }

    /** Writes the text form of a value that is not a String. */
    abstract void writeText(Object value, ByteSink out, TypeContext ctx);

    /** Writes the binary form of a value that is not a String. */
    abstract void writeBinary(Object value, ByteSink out, TypeContext ctx);
}
