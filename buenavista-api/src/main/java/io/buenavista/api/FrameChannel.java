package io.buenavista.api;

import java.io.InputStream;
import java.io.OutputStream;

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
}
