package io.buenavista.core.wire;

import java.util.Map;

/** The first packet of a connection: it has no type byte, only a length and a request code. */
public sealed interface StartupPacket {

    /** A StartupMessage: protocol version and parameters, in the order sent. */
    record StartupMessage(int majorVersion, int minorVersion, Map<String, String> parameters) implements StartupPacket {
        @Override
        public String toString() {
            return "StartupMessage[" + majorVersion + "." + minorVersion + ", " + parameters.keySet() + "]";
        }
    }

    /** Asks for TLS. */
    record SslRequest() implements StartupPacket {}

    /** Asks for GSSAPI encryption. */
    record GssEncRequest() implements StartupPacket {}

    /** Asks to cancel the running statement of another connection. */
    record CancelRequest(int processId, int secretKey) implements StartupPacket {
        @Override
        public String toString() {
            return "CancelRequest[" + processId + "]";
        }
    }
}
