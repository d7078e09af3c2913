package io.buenavista.core.wire;

/**
 * Upper bounds on frame sizes, checked before a frame's body is read so that a bad length cannot make the server
 * allocate or wait for gigabytes. Lengths count the 4-byte length field itself, as on the wire.
 *
 * @param maxStartupPacket  the startup packet (PostgreSQL allows 10 000)
 * @param maxPasswordMessage PasswordMessage and SASL responses
 * @param maxControlMessage Sync, Flush, Describe, Close, Execute, Terminate, CopyDone, CopyFail
 * @param maxQueryMessage   Query, Parse, Bind, FunctionCall and CopyData
 */
public record MessageLimits(int maxStartupPacket, int maxPasswordMessage, int maxControlMessage, int maxQueryMessage) {
    public static final int MIN_STARTUP_PACKET = 8;
    public static final MessageLimits DEFAULT = new MessageLimits(10_000, 65_535, 10_000, 64 * 1024 * 1024);

    public MessageLimits {
        if (maxStartupPacket < MIN_STARTUP_PACKET || maxPasswordMessage < 5 || maxControlMessage < 5
                || maxQueryMessage < 5) {
            throw new IllegalArgumentException("message limits too small");
        }
    }
}
