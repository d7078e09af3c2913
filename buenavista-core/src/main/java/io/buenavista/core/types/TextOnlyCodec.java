package io.buenavista.core.types;

import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.SqlState;

/** For types without a codec of their own: text is {@code String.valueOf(value)}, decoded as a String; no binary. */
final class TextOnlyCodec implements Codec {
    private final PgType type;

    TextOnlyCodec(PgType type) {
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
        return false;
    }

    @Override
    public void encodeBinary(Object value, ByteSink out, TypeContext ctx) {
        throw noBinary();
    }

    @Override
    public Object decodeText(String text, TypeContext ctx) {
        return text;
    }

    @Override
    public Object decodeBinary(byte[] buf, int offset, int length, TypeContext ctx) {
        throw noBinary();
    }

    private PgException noBinary() {
        return new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                "binary format is not supported for type " + type.name() + " (OID " + type.oid() + ")");
    }
}
