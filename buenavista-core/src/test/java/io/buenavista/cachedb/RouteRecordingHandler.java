package io.buenavista.cachedb;

import io.buenavista.api.Principal;
import io.buenavista.api.QueryHandler;
import io.buenavista.api.QuerySession;
import io.buenavista.api.Route;
import io.buenavista.api.SessionContext;
import io.buenavista.testing.TestHandler;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Stands in for a cachedb handler ({@code cachedb-duckdb} and so on): records the route and principal each session
 * was opened with, then serves {@link TestHandler}'s statements.
 */
final class RouteRecordingHandler implements QueryHandler {
    /** A session as opened. */
    record Opened(String handler, Route route, Principal principal, java.util.Optional<io.buenavista.api.BearerToken> token) {}

    private final String name;
    private final List<Opened> opened;
    private final TestHandler statements = new TestHandler();

    RouteRecordingHandler(Dialect dialect, List<Opened> opened) {
        this.name = dialect.handlerName();
        this.opened = opened;
    }

    /** One handler per dialect, recording into one list. */
    static List<RouteRecordingHandler> forEveryDialect(CopyOnWriteArrayList<Opened> opened) {
        return List.of(Dialect.values()).stream().map(d -> new RouteRecordingHandler(d, opened)).toList();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public QuerySession open(SessionContext context) {
        opened.add(new Opened(name, context.route(), context.principal(), context.bearerToken()));
        return statements.open(context);
    }
}
