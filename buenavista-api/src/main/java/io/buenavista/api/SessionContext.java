package io.buenavista.api;

/**
 * What the core tells a {@link QuerySession} about its connection, and the way back to the client for notices.
 * Implemented by the core; valid for the session's life.
 */
public interface SessionContext {
    /** The route chosen for this connection. */
    Route route();

    /** Who the connection authenticated as. */
    Principal principal();

    /**
     * The token the client authenticated with, when its authenticator hands it on ({@link Admission#bearerToken()}):
     * for a handler that logs in to its backend as the user. Never log it.
     */
    default java.util.Optional<BearerToken> bearerToken() {
        return java.util.Optional.empty();
    }

    /** The client's startup request. */
    StartupRequest startup();

    /**
     * The current value of a session setting the core owns ({@code TimeZone}, {@code DateStyle},
     * {@code application_name}, {@code search_path}, …), or null when unknown.
     */
    String setting(String name);

    /** Sends a {@code NoticeResponse} (severity NOTICE, WARNING, INFO…) to the client at the next opportunity. */
    void notice(PgException notice);
}
