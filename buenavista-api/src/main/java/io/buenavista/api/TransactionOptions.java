package io.buenavista.api;

/**
 * How to begin a transaction ({@code BEGIN [ISOLATION LEVEL …] [READ ONLY]}).
 *
 * @param readOnly       whether it is read only
 * @param isolationLevel the isolation level as the client wrote it (e.g. {@code SERIALIZABLE}), or null for default
 */
public record TransactionOptions(boolean readOnly, String isolationLevel) {
    public static final TransactionOptions DEFAULT = new TransactionOptions(false, null);
}
