package io.buenavista.testing;

import io.buenavista.api.PgType;
import io.buenavista.api.PreparedQuery;
import io.buenavista.api.QuerySession;
import io.buenavista.api.TransactionOptions;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A session that passes every call to another one; tests override the calls they want to watch or bend (a prepare
 * that fails with a position, a begin that is recorded). {@link QuerySession#prepareToRunOnce} is not passed on: it
 * keeps its default, which calls {@link #prepare}, so an override of that sees every statement.
 */
public class ForwardingQuerySession implements QuerySession {
    private final QuerySession delegate;

    public ForwardingQuerySession(QuerySession delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public PreparedQuery prepare(String sql, List<PgType> parameterTypes) {
        return delegate.prepare(sql, parameterTypes);
    }

    @Override
    public void begin(TransactionOptions options) {
        delegate.begin(options);
    }

    @Override
    public void commit() {
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
    public Map<String, String> customSettings() {
        return delegate.customSettings();
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
