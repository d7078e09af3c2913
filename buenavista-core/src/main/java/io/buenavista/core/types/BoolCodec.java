package io.buenavista.core.types;

import io.buenavista.api.PgType;

/** {@code bool}: text {@code t}/{@code f}, binary one byte. */
final class BoolCodec extends BaseCodec {
    BoolCodec() {
        super(PgType.BOOL);
    }

    private static boolean toBoolean(Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        throw Wire.cannotEncode(value, "boolean");
    }

    @Override
    void writeText(Object value, ByteSink out, TypeContext ctx) {
        out.writeByte(toBoolean(value) ? 't' : 'f');
    }

    @Override
    void writeBinary(Object value, ByteSink out, TypeContext ctx) {
        out.writeByte(toBoolean(value) ? 1 : 0);
    }

    @Override
    public Object decodeText(String text, TypeContext ctx) {
        String s = Wire.trim(text).toLowerCase(java.util.Locale.ROOT);
        int n = s.length();
        // PostgreSQL accepts any unambiguous prefix of the words, as parse_bool_with_len does.
        if (n > 0) {
            switch (s.charAt(0)) {
                case 't': if ("true".startsWith(s)) { return Boolean.TRUE; } break;
                case 'f': if ("false".startsWith(s)) { return Boolean.FALSE; } break;
                case 'y': if ("yes".startsWith(s)) { return Boolean.TRUE; } break;
                case 'n': if ("no".startsWith(s)) { return Boolean.FALSE; } break;
                case 'o':
                    if (n >= 2 && "on".startsWith(s)) {
                        return Boolean.TRUE;
                    }
                    if (n >= 2 && "off".startsWith(s)) {
                        return Boolean.FALSE;
                    }
                    break;
                case '1': if (n == 1) { return Boolean.TRUE; } break;
                case '0': if (n == 1) { return Boolean.FALSE; } break;
                default: break;
            }
        }
        throw Wire.badText("boolean", text);
    }

    @Override
    public Object decodeBinary(byte[] buf, int offset, int length, TypeContext ctx) {
        Wire.checkLength(length, 1, "boolean");
        return buf[offset] != 0;
    }
}
