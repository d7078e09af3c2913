package io.buenavista.core.types;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A {@link ByteSink} that collects bytes in a growable array; reusable after {@link #reset()}. */
public final class ByteArraySink implements ByteSink {
    private byte[] buf;
    private int size;

    public ByteArraySink() {
        this(64);
    }

    public ByteArraySink(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    private void ensure(int extra) {
        if (size + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + extra));
        }
    }

    @Override
    public void writeByte(int b) {
        ensure(1);
        buf[size++] = (byte) b;
    }

    @Override
    public void writeShort(int s) {
        ensure(2);
        buf[size++] = (byte) (s >>> 8);
        buf[size++] = (byte) s;
    }

    @Override
    public void writeInt(int i) {
        ensure(4);
        buf[size++] = (byte) (i >>> 24);
        buf[size++] = (byte) (i >>> 16);
        buf[size++] = (byte) (i >>> 8);
        buf[size++] = (byte) i;
    }

    @Override
    public void writeLong(long l) {
        writeInt((int) (l >>> 32));
        writeInt((int) l);
    }

    @Override
    public void writeBytes(byte[] bytes, int offset, int length) {
        ensure(length);
        System.arraycopy(bytes, offset, buf, size, length);
        size += length;
    }

    @Override
    public void writeUtf8(CharSequence text) {
        int n = text.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                // Not pure ASCII from here on: let the JDK encode the rest (surrogate pairs included).
                byte[] rest = text.subSequence(i, n).toString().getBytes(StandardCharsets.UTF_8);
                writeBytes(rest, 0, rest.length);
                return;
            }
            buf[size++] = (byte) c;
        }
    }

    /** The number of bytes written since creation or the last reset. */
    public int size() {
        return size;
    }

    /** The internal buffer; valid from 0 to {@link #size()}. */
    public byte[] buffer() {
        return buf;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    public void reset() {
        size = 0;
    }

    /** Empties the sink and, if one huge write grew it past {@code maxCapacity}, gives the memory back. */
    public void reset(int maxCapacity, int newCapacity) {
        size = 0;
        if (buf.length > maxCapacity) {
            buf = new byte[newCapacity];
        }
    }

    /** Forgets what was written after the first {@code newSize} bytes. */
    public void truncate(int newSize) {
        if (newSize < 0 || newSize > size) {
            throw new IndexOutOfBoundsException("cannot truncate " + size + " bytes to " + newSize);
        }
        size = newSize;
    }

    /** Overwrites four bytes already written at {@code position} with {@code value}, big-endian (a length). */
    public void setInt(int position, int value) {
        if (position < 0 || position + 4 > size) {
            throw new IndexOutOfBoundsException("no int at " + position + " of " + size + " bytes");
        }
        buf[position] = (byte) (value >>> 24);
        buf[position + 1] = (byte) (value >>> 16);
        buf[position + 2] = (byte) (value >>> 8);
        buf[position + 3] = (byte) value;
    }
}
