package io.buenavista.core.types;

import io.buenavista.api.PgType;

/** {@code jsonb}: text as given; binary is a version byte (1) followed by the text. */
final class JsonbCodec implements Codec {
    @Override
    public PgType type() {
        return PgType.JSONB;
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
        out.writeByte(1);
        encodeText(value, out, ctx);
    }

    @Override
    public Object decodeText(String text, TypeContext ctx) {
        return text;
    }

    @Override
    public Object decodeBinary(byte[] buf, int offset, int length, TypeContext ctx) {
        if (length < 1 || buf[offset] != 1) {
            throw Wire.badBinary("jsonb", "unsupported jsonb version number " + (length < 1 ? "" : buf[offset]));
        }
        return Utf8.decodeUtf8Strict(buf, offset + 1, length - 1);
    }
}
