package io.buenavista.api;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.util.Optional;

/**
 * The client's side of a {@link FrameSession}. Implemented by the core; valid while {@code serve} runs, and after
 * {@link #handOff()} until the session calls {@link Ending#ended()}.
 */
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
     * blocking mode before {@link FrameSession#serve} returns and before {@link FrameSession#stop} returns: the core
     * writes to the client (a shutdown's FATAL) through the blocking socket afterwards. After {@link #handOff()} it
     * must deregister the channel before it calls {@link Ending#ended()}, but may leave it non-blocking: the core
     * then only closes it.
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

    /**
     * Takes the connection off the core's thread, for a session that serves it from a selector of its own
     * ({@link #socketChannel()}): {@link FrameSession#serve} may then return at once while the session goes on, so
     * that a session holds no thread between its client's requests. The core ends the connection (frees its slot
     * and cancel key, calls {@link FrameSession#close()}, closes the socket) only when the session calls
     * {@link Ending#ended()} on the answer: once, from any thread, after its last write to the client and with the
     * channel deregistered from its selector.
     *
     * <p>A server shutdown still calls {@link FrameSession#stop}, with the same contract; once it returns, the core
     * writes its FATAL and ends the connection itself, whether or not {@code ended()} was called.
     */
    default Ending handOff() {
        throw new UnsupportedOperationException("this channel stays on the core's thread");
    }

    /** What a session that {@linkplain #handOff() took its connection off the core's thread} calls when it ends. */
    @FunctionalInterface
    interface Ending {
        /** The session is over: the core ends the connection. A second call does nothing. */
        void ended();
    }
}
