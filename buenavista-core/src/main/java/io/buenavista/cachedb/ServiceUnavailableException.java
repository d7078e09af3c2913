package io.buenavista.cachedb;

/**
 * An identity, user-management or portal call that did not give a usable answer: unreachable, timed out, a 5xx, or
 * a body that is not the expected JSON. Logins that need it fail with {@code 08006} "authorization service
 * unavailable". The message names the service and what went wrong, never a token.
 */
final class ServiceUnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    ServiceUnavailableException(String message) {
        super(message, null, false, false);
    }
}
