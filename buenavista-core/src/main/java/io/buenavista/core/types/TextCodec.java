package io.buenavista.core.types;

import io.buenavista.api.PgType;

/**
 * Types whose text and binary forms are both the UTF-8 text: text, varchar, bpchar, name, "char", unknown and json.
 * Non-String values are written with {@code String.valueOf}.
 */
final class TextCodec implements Codec {
    private final PgType type;

    TextCodec(PgType type) {
        this.type = type;
    }

    @Override
    public PgType type() {
        return type;
    }

    @Override
    public void encodeText(Object value, ByteSink out, TypeContext ctx) {
        out.writeUtf8(value instanceof CharSequence cs ? cs : String.valueOf(value));
    }

    @Override
    public boolean hasBinary() {
        return true;
    }

    @Override
    public void encodeBinary(Object value, ByteSink out, TypeContext ctx) {
        encodeText(value, out, ctx);
    }

    @Override
    public Object decodeText(String text, TypeContext ctx) {
        return text;
    }

    @Override
    public Object decodeBinary(byte[] buf, int offset, int length, TypeContext ctx) {
        return Utf8.decodeUtf8Strict(buf, offset, length);
    }
}
