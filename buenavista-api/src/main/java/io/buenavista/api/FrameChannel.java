package io.buenavista.api;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.util.Optional;

/** The client's side of a {@link FrameSession}. Implemented by the core; valid while {@code serve} runs. */
public interface FrameChannel {
    /**
     * The client's bytes after its startup, starting at the first frame: bytes the client sent behind the startup
     * and already read by the core come first.
     */
    InputStream input();

    /** Writes to the client, unbuffered (through TLS when negotiated): write whole frames, in as few calls as fit. */
    OutputStream output();

    /** Closes the client's connection, e.g. after the backend died; a blocked read on {@link #input()} then fails. */
    void close();

    /**
     * The client's connection as a channel, for a session that serves many clients from a selector of its own
     * instead of blocking a thread per direction; empty when its bytes pass through TLS, which only {@link #input()}
     * and {@link #output()} decrypt and encrypt.
     *
     * <p>A session that takes the channel reads {@link #readAhead()} first and never {@link #input()}. It may put the
     * channel in non-blocking mode and register it with its selector, but it must deregister it and put it back in
     * blocking mode before {@link FrameSession#serve} or {@link FrameSession#stop} returns: the core writes to the
     * client (a shutdown's FATAL) through the blocking socket afterwards.
     */
    default Optional<SocketChannel> socketChannel() {
        return Optional.empty();
    }

    /**
     * The bytes the client sent behind its startup that the core already read (often none): those {@link #input()}
     * returns first, and that come before whatever {@link #socketChannel()} gives.
     */
    default byte[] readAhead() {
        return new byte[0];
    }
}
