package io.buenavista.cachedb;

import io.buenavista.api.Column;
import io.buenavista.api.ExecutionResult;
import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.QuerySession;
import io.buenavista.api.SessionContext;
import io.buenavista.api.SqlState;
import io.buenavista.api.TransactionOptions;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@link CachedbSettings.SessionExpiry#CLOSE}: a cachedb handler wraps its session in this guard, which ends the
 * session with FATAL {@code 28P01} "token expired" when a statement starts (prepare, execute, begin, commit) after
 * the login token's expiry. A result already streaming is never cut: the check is only where a statement begins.
 * A rollback always passes, as it only gives work back.
 */
public final class TokenExpiryGuard implements QuerySession {
    private final QuerySession delegate;
    private final Instant expiresAt;
    private final Clock clock;

    private TokenExpiryGuard(QuerySession delegate, Instant expiresAt, Clock clock) {
        this.delegate = delegate;
        this.expiresAt = expiresAt;
        this.clock = clock;
    }

    /**
     * The session, guarded when {@code mode} is {@code CLOSE} and the principal carries the token's expiry (as
     * {@link CachedbAuthenticator} sets it); else the session itself.
     */
    public static QuerySession guard(QuerySession session, SessionContext context,
            CachedbSettings.SessionExpiry mode, Clock clock) {
        Objects.requireNonNull(session, "session");
        String expiry = context.principal().attributes().get(CachedbAuthenticator.TOKEN_EXPIRES_AT);
        if (mode != CachedbSettings.SessionExpiry.CLOSE || expiry == null) {
            return session;
        }
        return new TokenExpiryGuard(session, Instant.ofEpochSecond(Long.parseLong(expiry)), clock);
    }

    private void check() {
        if (!clock.instant().isBefore(expiresAt)) {
            throw PgException.fatal(SqlState.INVALID_PASSWORD, "token expired");
        }
    }

    @Override
    public PreparedQuery prepare(String sql, List<PgType> parameterTypes) {
        check();
        PreparedQuery prepared = delegate.prepare(sql, parameterTypes);
        return new PreparedQuery() {
            @Override
            public List<PgType> parameterTypes() {
                return prepared.parameterTypes();
            }

            @Override
            public List<Column> columns() {
                return prepared.columns();
            }

            @Override
            public boolean columnsDependOnParameters() {
                return prepared.columnsDependOnParameters();
            }

            @Override
            public ExecutionResult execute(List<Object> parameters) {
                check();
                return prepared.execute(parameters);
            }

            @Override
            public void close() {
                prepared.close();
            }
        };
    }

    @Override
    public void begin(TransactionOptions options) {
        check();
        delegate.begin(options);
    }

    @Override
    public void commit() {
        check();
        delegate.commit();
    }

    @Override
    public void rollback() {
        delegate.rollback();
    }

    @Override
    public void cancel() {
        delegate.cancel();
    }

    @Override
    public Map<String, String> parameterStatus() {
        return delegate.parameterStatus();
    }

    @Override
    public void settingChanged(String name, String value) {
        delegate.settingChanged(name, value);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
