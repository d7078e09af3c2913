package io.buenavista.core.types;

import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.SqlState;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * One-dimensional arrays ({@code java.util.List}; encoding also takes {@code Object[]} and primitive arrays) of any
 * element type with a codec. Text is {@code {1,2,NULL}} with PostgreSQL's quoting; binary is PostgreSQL's array format
 * with lower bound 1. Multidimensional input is rejected with 0A000.
 */
final class ArrayCodec extends BaseCodec {
    private final Codec element;

    ArrayCodec(PgType type, Codec element) {
        super(type);
        this.element = element;
    }

    private List<?> toList(Object value) {
        if (value instanceof List<?> l) {
            return l;
        }
        if (value instanceof Object[] a) {
            return Arrays.asList(a);
        }
        if (value instanceof int[] a) {
            return Arrays.stream(a).boxed().toList();
        }
        if (value instanceof long[] a) {
            return Arrays.stream(a).boxed().toList();
        }
        if (value instanceof double[] a) {
            return Arrays.stream(a).boxed().toList();
        }
        if (value instanceof short[] a) {
            List<Short> l = new ArrayList<>(a.length);
            for (short s : a) {
                l.add(s);
            }
            return l;
        }
        if (value instanceof float[] a) {
            List<Float> l = new ArrayList<>(a.length);
            for (float f : a) {
                l.add(f);
            }
            return l;
        }
        if (value instanceof boolean[] a) {
            List<Boolean> l = new ArrayList<>(a.length);
            for (boolean b : a) {
                l.add(b);
            }
            return l;
        }
        throw Wire.cannotEncode(value, type().name());
    }

    @Override
    void writeText(Object value, ByteSink out, TypeContext ctx) {
        List<?> list = toList(value);
        ByteArraySink scratch = new ByteArraySink();
        out.writeByte('{');
        boolean first = true;
        for (Object e : list) {
            if (!first) {
                out.writeByte(',');
            }
            first = false;
            if (e == null) {
                out.writeUtf8("NULL");
                continue;
            }
            if (e instanceof List<?>) {
                throw multidimensional();
            }
            scratch.reset();
            element.encodeText(e, scratch, ctx);
            byte[] b = scratch.buffer();
            int n = scratch.size();
            if (needsQuotes(b, n)) {
                out.writeByte('"');
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (b[i] == '"' || b[i] == '\\') {
                        out.writeBytes(b, start, i - start);
                        out.writeByte('\\');
                        start = i;
                    }
                }
                out.writeBytes(b, start, n - start);
                out.writeByte('"');
            } else {
                out.writeBytes(b, 0, n);
            }
        }
        out.writeByte('}');
    }

    /** As array_out: quote empty strings, NULL in any case, and anything with {@code {},"\} or whitespace. */
    private static boolean needsQuotes(byte[] b, int n) {
        if (n == 0) {
            return true;
        }
        if (n == 4 && (b[0] | 0x20) == 'n' && (b[1] | 0x20) == 'u' && (b[2] | 0x20) == 'l' && (b[3] | 0x20) == 'l') {
            return true;
        }
        for (int i = 0; i < n; i++) {
            switch (b[i]) {
                case '{', '}', ',', '"', '\\', ' ', '\t', '\n', '\r', 0x0B, '\f' -> {
                    return true;
                }
                default -> { }
            }
        }
        return false;
    }

    @Override
    void writeBinary(Object value, ByteSink out, TypeContext ctx) {
        List<?> list = toList(value);
        boolean hasNull = false;
        for (Object e : list) {
            if (e == null) {
                hasNull = true;
            } else if (e instanceof List<?>) {
                throw multidimensional();
            }
        }
        out.writeInt(list.isEmpty() ? 0 : 1);
        out.writeInt(hasNull ? 1 : 0);
        out.writeInt(element.type().oid());
        if (list.isEmpty()) {
            return;
        }
        out.writeInt(list.size());
        out.writeInt(1);
        ByteArraySink scratch = new ByteArraySink();
        for (Object e : list) {
            if (e == null) {
                out.writeInt(-1);
                continue;
            }
            scratch.reset();
            element.encodeBinary(e, scratch, ctx);
            out.writeInt(scratch.size());
            out.writeBytes(scratch.buffer(), 0, scratch.size());
        }
    }

    @Override
    public Object decodeText(String text, TypeContext ctx) {
        return new TextParser(text, ctx).parse();
    }

    @Override
    public Object decodeBinary(byte[] buf, int offset, int length, TypeContext ctx) {
        int end = offset + length;
        if (length < 12) {
            throw Wire.badBinary(type().name(), "insufficient data left in message");
        }
        int ndim = Wire.readInt(buf, offset);
        int flags = Wire.readInt(buf, offset + 4);
        int elementOid = Wire.readInt(buf, offset + 8);
        if (ndim < 0 || ndim > 6) {
            throw Wire.badBinary(type().name(), "invalid number of dimensions: " + ndim);
        }
        if (ndim > 1) {
            throw multidimensional();
        }
        if (flags != 0 && flags != 1) {
            throw Wire.badBinary(type().name(), "invalid array flags");
        }
        if (elementOid != element.type().oid()) {
            throw new PgException("42804", "binary data has array element type " + Integer.toUnsignedString(elementOid)
                    + " instead of expected " + element.type().oid() + " (" + element.type().name() + ")");
        }
        if (ndim == 0) {
            return Collections.emptyList();
        }
        if (length < 20) {
            throw Wire.badBinary(type().name(), "insufficient data left in message");
        }
        int count = Wire.readInt(buf, offset + 12);
        if (count < 0) {
            throw Wire.badBinary(type().name(), "array size exceeds the maximum allowed");
        }
        int at = offset + 20;
        List<Object> result = new ArrayList<>(Math.min(count, length / 4));
        for (int i = 0; i < count; i++) {
            if (at + 4 > end) {
                throw Wire.badBinary(type().name(), "insufficient data left in message");
            }
            int len = Wire.readInt(buf, at);
            at += 4;
            if (len == -1) {
                result.add(null);
                continue;
            }
            if (len < 0 || len > end - at) {
                throw Wire.badBinary(type().name(), "insufficient data left in message");
            }
            result.add(element.decodeBinary(buf, at, len, ctx));
            at += len;
        }
        if (at != end) {
            throw Wire.badBinary(type().name(), "improper binary format in array element " + count);
        }
        return Collections.unmodifiableList(result);
    }

    private static PgException multidimensional() {
        return new PgException(SqlState.FEATURE_NOT_SUPPORTED, "multidimensional arrays are not supported");
    }

    /** Reads {@code {a,"b c",NULL}}, with an optional dimension decoration such as {@code [1:3]=}. */
    private final class TextParser {
        private final String text;
        private final TypeContext ctx;
        private int pos;

        TextParser(String text, TypeContext ctx) {
            this.text = text;
            this.ctx = ctx;
        }

        private PgException malformed(String detail) {
            return new PgException(SqlState.INVALID_TEXT_REPRESENTATION,
                    "malformed array literal: \"" + text + "\"").withDetail(detail);
        }

        Object parse() {
            skipSpaces();
            if (peek() == '[') {
                // Bounds are not kept: a List always starts at 1.
                int eq = text.indexOf('=', pos);
                if (eq < 0 || text.indexOf('[', pos + 1) >= 0 && text.indexOf('[', pos + 1) < eq) {
                    if (eq >= 0) {
                        throw multidimensional();
                    }
                    throw malformed("Missing \"=\" after array dimensions.");
                }
                pos = eq + 1;
                skipSpaces();
            }
            if (peek() != '{') {
                throw malformed("Array value must start with \"{\" or dimension information.");
            }
            pos++;
            List<Object> result = new ArrayList<>();
            skipSpaces();
            if (peek() == '}') {
                pos++;
            } else {
                while (true) {
                    skipSpaces();
                    char c = peek();
                    if (c == '{') {
                        // A nested array first is a multidimensional literal; after scalars it is malformed.
                        if (result.isEmpty()) {
                            throw multidimensional();
                        }
                        throw malformed("Unexpected \"{\" character.");
                    }
                    if (c == '\0') {
                        throw malformed("Unexpected end of input.");
                    }
                    result.add(elementValue());
                    skipSpaces();
                    c = peek();
                    pos++;
                    if (c == '}') {
                        break;
                    }
                    if (c != ',') {
                        throw malformed(c == '\0' ? "Unexpected end of input." : "Unexpected \"" + c + "\" character.");
                    }
                }
            }
            skipSpaces();
            if (pos < text.length()) {
                throw malformed("Junk after closing right brace.");
            }
            return Collections.unmodifiableList(result);
        }

        private Object elementValue() {
            StringBuilder sb = new StringBuilder();
            if (peek() == '"') {
                pos++;
                while (true) {
                    if (pos >= text.length()) {
                        throw malformed("Unexpected end of input.");
                    }
                    char c = text.charAt(pos++);
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\') {
                        if (pos >= text.length()) {
                            throw malformed("Unexpected end of input.");
                        }
                        c = text.charAt(pos++);
                    }
                    sb.append(c);
                }
                return element.decodeText(sb.toString(), ctx);
            }
            boolean escaped = false;
            int keep = 0; // length of sb up to the last escaped or non-space character
            while (pos < text.length()) {
                char c = text.charAt(pos);
                if (c == ',' || c == '}') {
                    break;
                }
                if (c == '"' || c == '{') {
                    throw malformed("Unexpected \"" + c + "\" character.");
                }
                pos++;
                if (c == '\\') {
                    if (pos >= text.length()) {
                        throw malformed("Unexpected end of input.");
                    }
                    sb.append(text.charAt(pos++));
                    escaped = true;
                    keep = sb.length();
                } else {
                    sb.append(c);
                    if (!Wire.isSpace(c)) {
                        keep = sb.length();
                    }
                }
            }
            sb.setLength(keep);
            String s = sb.toString();
            if (s.isEmpty() && !escaped) {
                throw malformed("Unexpected \"" + peek() + "\" character.");
            }
            if (!escaped && s.equalsIgnoreCase("NULL")) {
                return null;
            }
            return element.decodeText(s, ctx);
        }

        private char peek() {
            return pos < text.length() ? text.charAt(pos) : '\0';
        }

        private void skipSpaces() {
            while (pos < text.length() && Wire.isSpace(text.charAt(pos))) {
                pos++;
            }
        }
    }
}
