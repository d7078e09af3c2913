package io.buenavista.testing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A message from the server, decoded from its wire form by {@link #decode}. Strings are read as UTF-8.
 * Records holding byte arrays print them readably so that assertion messages show what arrived.
 */
public sealed interface BackendMessage {

    /** The message's type byte. */
    char type();

    /** {@code R} with code 0. */
    record AuthenticationOk() implements BackendMessage {
        public char type() {
            return 'R';
        }
    }

    /** {@code R} with code 3. */
    record AuthenticationCleartextPassword() implements BackendMessage {
        public char type() {
            return 'R';
        }
    }

    /** {@code R} with code 5 and its four-byte salt. */
    record AuthenticationMD5Password(byte[] salt) implements BackendMessage {
        public char type() {
            return 'R';
        }

        @Override
        public String toString() {
            return "AuthenticationMD5Password[salt=" + HexFormat.of().formatHex(salt) + "]";
        }
    }

    /** {@code R} with code 10: the SASL mechanisms the server offers. */
    record AuthenticationSASL(List<String> mechanisms) implements BackendMessage {
        public char type() {
            return 'R';
        }
    }

    /** {@code R} with code 11. */
    record AuthenticationSASLContinue(byte[] data) implements BackendMessage {
        public char type() {
            return 'R';
        }

        @Override
        public String toString() {
            return "AuthenticationSASLContinue[" + new String(data, StandardCharsets.UTF_8) + "]";
        }
    }

    /** {@code R} with code 12. */
    record AuthenticationSASLFinal(byte[] data) implements BackendMessage {
        public char type() {
            return 'R';
        }

        @Override
        public String toString() {
            return "AuthenticationSASLFinal[" + new String(data, StandardCharsets.UTF_8) + "]";
        }
    }

    /** Any other {@code R} message (Kerberos, GSS, SSPI): its code and the bytes after it. */
    record Authentication(int code, byte[] data) implements BackendMessage {
        public char type() {
            return 'R';
        }

        @Override
        public String toString() {
            return "Authentication[code=" + code + ", data=" + HexFormat.of().formatHex(data) + "]";
        }
    }

    /** {@code S}. */
    record ParameterStatus(String name, String value) implements BackendMessage {
        public char type() {
            return 'S';
        }
    }

    /** {@code K}. */
    record BackendKeyData(int processId, int secretKey) implements BackendMessage {
        public char type() {
            return 'K';
        }
    }

    /** {@code Z}: {@code I} idle, {@code T} in a transaction block, {@code E} in a failed one. */
    record ReadyForQuery(char status) implements BackendMessage {
        public char type() {
            return 'Z';
        }
    }

    /** One column of a {@link RowDescription}; {@code format} 0 is text, 1 binary. */
    record Field(String name, int tableOid, int attnum, int typeOid, int typlen, int typmod, int format) {}

    /** {@code T}. */
    record RowDescription(List<Field> fields) implements BackendMessage {
        public RowDescription {
            fields = List.copyOf(fields);
        }

        public char type() {
            return 'T';
        }

        public Field field(int i) {
            return fields.get(i);
        }

        public List<String> names() {
            return fields.stream().map(Field::name).toList();
        }

        public List<Integer> typeOids() {
            return fields.stream().map(Field::typeOid).toList();
        }
    }

    /** {@code D}: the values as sent, a null element for SQL NULL. */
    record DataRow(List<byte[]> values) implements BackendMessage {
        public DataRow {
            values = Collections.unmodifiableList(new ArrayList<>(values));
        }

        public char type() {
            return 'D';
        }

        public int size() {
            return values.size();
        }

        public boolean isNull(int i) {
            return values.get(i) == null;
        }

        public byte[] bytes(int i) {
            return values.get(i);
        }

        /** Column {@code i} (0-based) read as UTF-8 text, or null. */
        public String text(int i) {
            byte[] v = values.get(i);
            return v == null ? null : new String(v, StandardCharsets.UTF_8);
        }

        /** All columns as text (nulls kept). */
        public List<String> texts() {
            List<String> texts = new ArrayList<>(values.size());
            for (int i = 0; i < values.size(); i++) {
                texts.add(text(i));
            }
            return Collections.unmodifiableList(texts);
        }

        /** Column {@code i} as a binary-format int2, int4 or int8. */
        public long binaryInteger(int i) {
            byte[] v = values.get(i);
            ByteBuffer b = ByteBuffer.wrap(v);
            return switch (v.length) {
                case 2 -> b.getShort();
                case 4 -> b.getInt();
                case 8 -> b.getLong();
                default -> throw new AssertionError("column " + i + " has " + v.length + " bytes, not an integer");
            };
        }

        @Override
        public String toString() {
            return "DataRow" + texts();
        }
    }

    /** {@code C}. */
    record CommandComplete(String tag) implements BackendMessage {
        public char type() {
            return 'C';
        }
    }

    /** {@code I}. */
    record EmptyQueryResponse() implements BackendMessage {
        public char type() {
            return 'I';
        }
    }

    /** The helpers shared by {@link ErrorResponse} and {@link NoticeResponse}. */
    interface Fields {
        Map<Character, String> fields();

        default String field(char code) {
            return fields().get(code);
        }

        /** {@code C}. */
        default String sqlState() {
            return field('C');
        }

        /** {@code M}. */
        default String message() {
            return field('M');
        }

        /** {@code V} (never localized), falling back to {@code S}. */
        default String severity() {
            String v = field('V');
            return v != null ? v : field('S');
        }

        default String detail() {
            return field('D');
        }

        default String hint() {
            return field('H');
        }

        /** {@code P} as a number, 0 when absent. */
        default int position() {
            String p = field('P');
            return p == null ? 0 : Integer.parseInt(p);
        }
    }

    /** {@code E}. */
    record ErrorResponse(Map<Character, String> fields) implements BackendMessage, Fields {
        public ErrorResponse {
            fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        }

        public char type() {
            return 'E';
        }
    }

    /** {@code N}. */
    record NoticeResponse(Map<Character, String> fields) implements BackendMessage, Fields {
        public NoticeResponse {
            fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        }

        public char type() {
            return 'N';
        }
    }

    /** {@code 1}. */
    record ParseComplete() implements BackendMessage {
        public char type() {
            return '1';
        }
    }

    /** {@code 2}. */
    record BindComplete() implements BackendMessage {
        public char type() {
            return '2';
        }
    }

    /** {@code 3}. */
    record CloseComplete() implements BackendMessage {
        public char type() {
            return '3';
        }
    }

    /** {@code n}. */
    record NoData() implements BackendMessage {
        public char type() {
            return 'n';
        }
    }

    /** {@code t}. */
    record ParameterDescription(int[] oids) implements BackendMessage {
        public char type() {
            return 't';
        }

        public List<Integer> oidList() {
            return Arrays.stream(oids).boxed().toList();
        }

        @Override
        public String toString() {
            return "ParameterDescription" + Arrays.toString(oids);
        }
    }

    /** {@code s}. */
    record PortalSuspended() implements BackendMessage {
        public char type() {
            return 's';
        }
    }

    /**
     * {@code v}: the newest protocol version the server supports and the protocol options it did not recognise.
     * PostgreSQL sends the whole version word ({@code major << 16 | minor}, 196608 for 3.0) although the
     * documentation speaks of the minor version only; {@link #minor()} reads it either way.
     */
    record NegotiateProtocolVersion(int newestVersion, List<String> unrecognizedOptions) implements BackendMessage {
        public char type() {
            return 'v';
        }

        public int major() {
            return newestVersion >>> 16;
        }

        public int minor() {
            return newestVersion & 0xffff;
        }
    }

    /** {@code G}: overall format and one format per column. */
    record CopyInResponse(int format, List<Integer> columnFormats) implements BackendMessage {
        public char type() {
            return 'G';
        }
    }

    /** {@code H}. */
    record CopyOutResponse(int format, List<Integer> columnFormats) implements BackendMessage {
        public char type() {
            return 'H';
        }
    }

    /** {@code W}. */
    record CopyBothResponse(int format, List<Integer> columnFormats) implements BackendMessage {
        public char type() {
            return 'W';
        }
    }

    /** {@code d}. */
    record CopyData(byte[] data) implements BackendMessage {
        public char type() {
            return 'd';
        }

        public String text() {
            return new String(data, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "CopyData[" + text() + "]";
        }
    }

    /** {@code c}. */
    record CopyDone() implements BackendMessage {
        public char type() {
            return 'c';
        }
    }

    /** {@code A}. */
    record NotificationResponse(int processId, String channel, String payload) implements BackendMessage {
        public char type() {
            return 'A';
        }
    }

    /** {@code V}: the function's result, null for NULL. */
    record FunctionCallResponse(byte[] value) implements BackendMessage {
        public char type() {
            return 'V';
        }

        @Override
        public String toString() {
            return "FunctionCallResponse[" + (value == null ? "NULL" : HexFormat.of().formatHex(value)) + "]";
        }
    }

    /** A message of a type this decoder does not know, with its body. */
    record Unknown(char type, byte[] body) implements BackendMessage {
        @Override
        public String toString() {
            return "Unknown['" + type + "', " + HexFormat.of().formatHex(body) + "]";
        }
    }

    /** The {@link DataRow}s among {@code messages}, each as its list of texts. */
    static List<List<String>> rowTexts(List<BackendMessage> messages) {
        return messages.stream().filter(DataRow.class::isInstance).map(m -> ((DataRow) m).texts()).toList();
    }

    /**
     * Decodes one message from its type byte and its body (the bytes after the length word).
     *
     * @throws IllegalArgumentException when the body is malformed for its type
     */
    static BackendMessage decode(char type, byte[] body) {
        BodyReader r = new BodyReader(body);
        try {
            BackendMessage m = switch (type) {
                case 'R' -> decodeAuthentication(r);
                case 'S' -> new ParameterStatus(r.cstring(), r.cstring());
                case 'K' -> new BackendKeyData(r.int32(), r.int32());
                case 'Z' -> new ReadyForQuery((char) r.byte1());
                case 'T' -> {
                    int n = r.int16();
                    List<Field> fields = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        fields.add(new Field(r.cstring(), r.int32(), r.int16(), r.int32(), r.int16(), r.int32(),
                                r.int16()));
                    }
                    yield new RowDescription(fields);
                }
                case 'D' -> {
                    int n = r.int16();
                    List<byte[]> values = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        int len = r.int32();
                        values.add(len < 0 ? null : r.bytes(len));
                    }
                    yield new DataRow(values);
                }
                case 'C' -> new CommandComplete(r.cstring());
                case 'I' -> new EmptyQueryResponse();
                case 'E' -> new ErrorResponse(r.fields());
                case 'N' -> new NoticeResponse(r.fields());
                case '1' -> new ParseComplete();
                case '2' -> new BindComplete();
                case '3' -> new CloseComplete();
                case 'n' -> new NoData();
                case 't' -> {
                    int[] oids = new int[r.int16()];
                    for (int i = 0; i < oids.length; i++) {
                        oids[i] = r.int32();
                    }
                    yield new ParameterDescription(oids);
                }
                case 's' -> new PortalSuspended();
                case 'v' -> {
                    int minor = r.int32();
                    int n = r.int32();
                    List<String> options = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        options.add(r.cstring());
                    }
                    yield new NegotiateProtocolVersion(minor, List.copyOf(options));
                }
                case 'G' -> new CopyInResponse(r.byte1(), r.formats());
                case 'H' -> new CopyOutResponse(r.byte1(), r.formats());
                case 'W' -> new CopyBothResponse(r.byte1(), r.formats());
                case 'd' -> new CopyData(body.clone());
                case 'c' -> new CopyDone();
                case 'A' -> new NotificationResponse(r.int32(), r.cstring(), r.cstring());
                case 'V' -> {
                    int len = r.int32();
                    yield new FunctionCallResponse(len < 0 ? null : r.bytes(len));
                }
                default -> new Unknown(type, body.clone());
            };
            if (r.remaining() != 0 && !(m instanceof Unknown) && !(m instanceof CopyData)) {
                throw new IllegalArgumentException(r.remaining() + " unread bytes after " + m);
            }
            return m;
        } catch (IndexOutOfBoundsException | java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("malformed '" + type + "' message: " + HexFormat.of().formatHex(body),
                    e);
        }
    }

    private static BackendMessage decodeAuthentication(BodyReader r) {
        int code = r.int32();
        return switch (code) {
            case 0 -> new AuthenticationOk();
            case 3 -> new AuthenticationCleartextPassword();
            case 5 -> new AuthenticationMD5Password(r.bytes(4));
            case 10 -> {
                List<String> mechanisms = new ArrayList<>();
                for (String m = r.cstring(); !m.isEmpty(); m = r.cstring()) {
                    mechanisms.add(m);
                }
                yield new AuthenticationSASL(List.copyOf(mechanisms));
            }
            case 11 -> new AuthenticationSASLContinue(r.bytes(r.remaining()));
            case 12 -> new AuthenticationSASLFinal(r.bytes(r.remaining()));
            default -> new Authentication(code, r.bytes(r.remaining()));
        };
    }

    /** The messages' simple class names, for assertion messages. */
    static String describe(List<? extends BackendMessage> messages) {
        return messages.stream().map(Object::toString).collect(Collectors.joining(", ", "[", "]"));
    }
}
