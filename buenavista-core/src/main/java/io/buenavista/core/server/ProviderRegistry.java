package io.buenavista.core.server;

import io.buenavista.api.Authenticator;
import io.buenavista.api.ConnectionParamParser;
import io.buenavista.api.QueryHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Function;

/**
 * The parsers, authenticators and handlers a server can use, by name: those registered on the builder, plus those
 * {@link ServiceLoader} finds when discovery is on. An explicitly registered provider wins over a discovered one of
 * the same name. A bundled provider whose optional dependency is missing is skipped with one warning.
 */
public final class ProviderRegistry {
    private static final Logger log = LoggerFactory.getLogger(ProviderRegistry.class);

    /** The optional dependencies of bundled providers, by the package of their classes. */
    private static final Map<String, String> OPTIONAL_ARTIFACTS = Map.of(
            "org.duckdb.", "org.duckdb:duckdb_jdbc",
            "org.postgresql.", "org.postgresql:postgresql",
            "io.jsonwebtoken.", "io.jsonwebtoken:jjwt-api");

    private final Map<String, ConnectionParamParser> parsers;
    private final Map<String, Authenticator> authenticators;
    private final Map<String, QueryHandler> handlers;

    ProviderRegistry(List<ConnectionParamParser> parsers, List<Authenticator> authenticators,
            List<QueryHandler> handlers, boolean discover, ClassLoader loader) {
        this.parsers = collect(parsers, ConnectionParamParser.class, ConnectionParamParser::name, discover, loader);
        this.authenticators = collect(authenticators, Authenticator.class, Authenticator::name, discover, loader);
        this.handlers = collect(handlers, QueryHandler.class, QueryHandler::name, discover, loader);
    }

    private static <T> Map<String, T> collect(List<T> explicit, Class<T> type, Function<T, String> name,
            boolean discover, ClassLoader loader) {
        Map<String, T> byName = new LinkedHashMap<>();
        for (T t : explicit) {
            if (byName.putIfAbsent(name.apply(t), t) != null) {
                throw new IllegalArgumentException(
                        "two " + type.getSimpleName() + "s registered with the name \"" + name.apply(t) + "\"");
            }
        }
        if (discover) {
            for (ServiceLoader.Provider<T> p : providers(type, loader)) {
                T t;
                String n;
                try {
                    t = p.get();
                    n = name.apply(t);
                } catch (ServiceConfigurationError | LinkageError e) {
                    warnSkipped(type, p.type().getName(), e);
                    continue;
                }
                byName.putIfAbsent(n, t);
            }
        }
        return byName;
    }

    private static <T> List<ServiceLoader.Provider<T>> providers(Class<T> type, ClassLoader loader) {
        List<ServiceLoader.Provider<T>> out = new ArrayList<>();
        var it = ServiceLoader.load(type, loader).stream().iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    return out;
                }
                out.add(it.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                // The provider class itself cannot be loaded (its superclass or a field type is missing).
                warnSkipped(type, null, e);
            }
        }
    }

    /** One WARN per skipped provider, naming the missing artifact when the missing class is a known one. */
    private static void warnSkipped(Class<?> type, String provider, Throwable e) {
        String missing = missingClass(e);
        String artifact = missing == null ? null : artifactOf(missing);
        String what = provider != null ? type.getSimpleName() + " provider " + provider : "a " + type.getSimpleName()
                + " provider";
        if (artifact != null) {
            log.warn("skipping {}: its optional dependency {} is missing (class {} not found); add it to the "
                    + "classpath to use it", what, artifact, missing);
        } else {
            log.warn("skipping {}: it cannot be loaded ({})", what, rootMessage(e));
        }
    }

    /** The binary name of the class whose absence caused {@code e}, or null. */
    private static String missingClass(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if ((t instanceof NoClassDefFoundError || t instanceof ClassNotFoundException) && t.getMessage() != null) {
                return t.getMessage().replace('/', '.');
            }
        }
        return null;
    }

    private static String artifactOf(String className) {
        for (Map.Entry<String, String> e : OPTIONAL_ARTIFACTS.entrySet()) {
            if (className.startsWith(e.getKey())) {
                return e.getValue();
            }
        }
        return null;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** The parser named {@code name}, or the only one; fails listing the candidates otherwise. */
    ConnectionParamParser parser(String name) {
        return choose(parsers, name, "ConnectionParamParser");
    }

    /** The authenticator named {@code name}, or the only one; fails listing the candidates otherwise. */
    Authenticator authenticator(String name) {
        return choose(authenticators, name, "Authenticator");
    }

    /**
     * The handler that serves every connection when no parser routes them: the one named {@code name}, or the only
     * one; fails listing the candidates otherwise.
     */
    QueryHandler defaultHandler(String name) {
        return choose(handlers, name, "QueryHandler");
    }

    /** The handler with this name, or null. */
    QueryHandler handler(String name) {
        return handlers.get(name);
    }

    boolean hasAuthenticators() {
        return !authenticators.isEmpty();
    }

    /** The names of the available handlers, for error messages. */
    java.util.Set<String> handlerNames() {
        return handlers.keySet();
    }

    Collection<QueryHandler> handlers() {
        return handlers.values();
    }

    private static <T> T choose(Map<String, T> byName, String name, String kind) {
        if (name != null) {
            T t = byName.get(name);
            if (t == null) {
                throw new IllegalStateException(
                        "no " + kind + " named \"" + name + "\"; available: " + byName.keySet());
            }
            return t;
        }
        if (byName.size() == 1) {
            return byName.values().iterator().next();
        }
        throw new IllegalStateException(byName.isEmpty()
                ? "no " + kind + " registered or discovered"
                : "several " + kind + "s available, name one of " + byName.keySet());
    }
}
