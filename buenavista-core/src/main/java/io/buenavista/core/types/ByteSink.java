package io.buenavista.core.types;

/**
 * Where codecs write encoded values: the output buffer of the message writer. Big-endian, as the protocol is.
 */
public interface ByteSink {
    void writeByte(int b);

    void writeShort(int s);

    void writeInt(int i);

    void writeLong(long l);

    void writeBytes(byte[] bytes, int offset, int length);

    default void writeBytes(byte[] bytes) {
        writeBytes(bytes, 0, bytes.length);
    }

    /** Writes the UTF-8 bytes of {@code text}, without a terminator or length. */
    void writeUtf8(CharSequence text);
}
