package io.buenavista.testing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the big-endian fields of a message body. */
final class BodyReader {
    private final ByteBuffer buffer;

    BodyReader(byte[] body) {
        this.buffer = ByteBuffer.wrap(body);
    }

    int byte1() {
        return buffer.get() & 0xff;
    }

    int int16() {
        return buffer.getShort();
    }

    int int32() {
        return buffer.getInt();
    }

    byte[] bytes(int n) {
        byte[] b = new byte[n];
        buffer.get(b);
        return b;
    }

    int remaining() {
        return buffer.remaining();
    }

    String cstring() {
        int start = buffer.position();
        int end = start;
        while (buffer.get(end) != 0) {
            end++;
        }
        String s = new String(buffer.array(), start, end - start, StandardCharsets.UTF_8);
        buffer.position(end + 1);
        return s;
    }

    Map<Character, String> fields() {
        Map<Character, String> fields = new LinkedHashMap<>();
        for (int code = byte1(); code != 0; code = byte1()) {
            fields.put((char) code, cstring());
        }
        return fields;
    }

    List<Integer> formats() {
        int n = int16();
        List<Integer> formats = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            formats.add(int16());
        }
        return List.copyOf(formats);
    }
}
