package io.buenavista.cachedb;

import java.util.Objects;

/**
 * A database user and its password from {@code DATABASE_CREDENTIALS}. {@link #toString()} never shows the password,
 * so a login can be logged or put in an exception message without leaking it.
 */
public record DatabaseLogin(String user, String password) {
    public DatabaseLogin {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
        return "DatabaseLogin[user=" + user + ", password=***]";
    }
}
