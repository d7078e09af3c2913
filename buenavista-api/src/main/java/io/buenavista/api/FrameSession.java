package io.buenavista.api;

import java.io.IOException;
import java.util.Map;

/**
 * A session that serves the client's protocol frames itself, after the core finished the startup: negotiation,
 * TLS, limits on the startup, authentication and the cancel key stay the core's; everything the client sends after
 * {@code ReadyForQuery} goes to {@link #serve}, verbatim.
 *
 * <p>The core calls {@link #parameterStatus()} once, writes {@code AuthenticationOk}, one {@code ParameterStatus}
 * per entry, its own {@code BackendKeyData} and {@code ReadyForQuery('I')}, then calls {@link #serve} on the
 * connection's thread. {@link #cancel()} (the client's CancelRequest, which arrives on another socket) and
 * {@link #stop} (server shutdown) come from other threads.
 */
public non-sealed interface FrameSession extends ClientSession {

    /**
     * The ParameterStatus values the client gets at startup, in order, e.g. a backend's. The core adds none of its
     * own: a relay's client must see exactly what the backend reports.
     */
    Map<String, String> parameterStatus();

    /**
     * Serves the client's frames until the client ends the session (Terminate or disconnect) or the session ends
     * it; the session writes any error it wants the client to see before returning.
     *
     * @throws IOException when the client's connection fails; the core then closes it
     */
    void serve(FrameChannel channel) throws IOException;

    /**
     * The client asked to cancel its running statement (a CancelRequest with this connection's key). Must not
     * block for long; a statement that already ended must not be affected, nor another client's.
     */
    void cancel();

    /**
     * The server shuts down: let the request in progress finish until the deadline ({@link System#nanoTime()}),
     * then stop writing to the client. When this returns nothing more is written to the client; the core then
     * sends FATAL {@code 57P01} and closes the connection, which ends {@link #serve}.
     */
    void stop(long deadlineNanos);
}
