package io.buenavista.cachedb;

/**
 * A token that failed verification, with a short reason fit for the client and the audit log ("token expired",
 * "wrong audience"): fixed texts only, never the token or a library message that might quote it.
 */
final class TokenRejectedException extends Exception {
    private static final long serialVersionUID = 1L;

    TokenRejectedException(String reason) {
        super(reason, null, false, false);
    }

    String reason() {
        return getMessage();
    }
}
