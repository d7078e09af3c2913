package io.buenavista.api;

/**
 * What {@link QueryHandler#openSession} answers: either a {@link QuerySession}, whose SQL the core decodes and
 * dispatches message by message, or a {@link FrameSession}, which takes over the client's frame stream after
 * authentication (a relay to a real PostgreSQL, a programmable proxy).
 */
public sealed interface ClientSession extends AutoCloseable permits QuerySession, FrameSession {
    /** Ends the session and releases everything it holds; idempotent. */
    @Override
    void close();
}
