package io.buenavista.core.relay;

import io.buenavista.api.StartupRequest;

/**
 * Rewrites the SQL text of the client's Query and Parse messages on their way to the backend: the "programmable
 * proxy". Everything else (parameters, results, errors) still passes verbatim. Called on the client's connection
 * thread, once per message; the text is decoded as UTF-8 (the client_encoding every common driver uses).
 */
@FunctionalInterface
public interface SqlRewriter {
    /**
     * The SQL to send instead of {@code sql}; returning {@code sql} itself sends the message unchanged.
     *
     * @param client the client's startup request (user, application_name, address …)
     */
    String rewrite(StartupRequest client, String sql);
}
