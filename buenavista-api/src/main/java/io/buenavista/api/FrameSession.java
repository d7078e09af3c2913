package io.buenavista.api;

import java.io.IOException;
import java.util.Map;

/**
 * A session that serves the client's protocol frames itself, after the core finished the startup: negotiation,
 * TLS, limits on the startup, authentication and the cancel key stay the core's; everything the client sends after
 * {@code ReadyForQuery} goes to {@link #serve}, verbatim.
 *
 * <p>The core writes {@code AuthenticationOk}, calls {@link #start()} once, writes one {@code ParameterStatus} per
 * entry it returns, its own {@code BackendKeyData} and {@code ReadyForQuery('I')}, then calls {@link #serve} on the
 * connection's thread. A session refused before that (no backend free, backend unreachable) is refused by
 * {@link QueryHandler#openSession}, before {@code AuthenticationOk}. {@link #cancel()} (the client's CancelRequest, which arrives on another socket) and
 * {@link #stop} (server shutdown) come from other threads.
 */
public non-sealed interface FrameSession extends ClientSession {

    /**
     * Completes the startup once the client is authenticated, and answers the ParameterStatus values the client
     * gets, in order, e.g. a backend's. The core adds none of its own: a relay's client must see exactly what the
     * backend reports.
     *
     * <p>Called after the core wrote {@code AuthenticationOk}, because PostgreSQL judges the settings of a startup
     * packet ({@code options=-c …}, {@code DateStyle}, {@code role}, …) only after authentication: a setting the
     * session refuses here reaches the client as PostgreSQL's would, {@code AuthenticationOk} and then this FATAL.
     * The core then calls {@link #close()}; {@link #serve} is never called.
     *
     * @throws PgException to refuse the session (sent as FATAL)
     */
    Map<String, String> start() throws PgException;

    /**
     * Serves the client's frames until the client ends the session (Terminate or disconnect) or the session ends
     * it; the session writes any error it wants the client to see before returning. A session that serves the
     * client from a selector of its own may instead {@linkplain FrameChannel#handOff() hand the connection off}
     * and return at once.
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
