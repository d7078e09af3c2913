package io.buenavista.api;

/**
 * Authenticates a connection. For each request and route it chooses one {@link AuthExchange}; the core runs the
 * exchange on the wire. Refusals are {@link PgException}s with {@code 28P01} (bad password) or {@code 28000}
 * (not allowed); the core sends them as FATAL and closes the connection.
 *
 * <p>Found with {@link java.util.ServiceLoader} or registered on the server builder.
 */
public interface Authenticator {
    /** The provider's name, used to select it in configuration. */
    String name();

    /**
     * Chooses how this connection proves who it is.
     *
     * @throws PgException to refuse the connection before any exchange
     */
    AuthExchange exchange(StartupRequest request, Route route) throws PgException;

    /**
     * Called after the exchange succeeded, before the session opens: may refuse the route for this principal
     * (authorization, {@code 28000}) or return an enriched principal. The default accepts.
     */
    default Principal authorize(Principal principal, StartupRequest request, Route route) throws PgException {
        return principal;
    }

    /**
     * Called after the exchange succeeded, before the session opens: the principal and route the session opens with.
     * Override it when authorization also resolves the route (the resolved route may name another handler); the
     * default keeps the route and asks {@link #authorize}.
     *
     * @throws PgException to refuse the connection ({@code 28000} not allowed, {@code 3D000} unknown database,
     *                     {@code 08006} an authorization service is unavailable)
     */
    default Admission admit(Principal proven, StartupRequest request, Route route) throws PgException {
        return new Admission(authorize(proven, request, route), route);
    }

    /** An authenticator that trusts every connection as the user it names. */
    static Authenticator trust() {
        return new Authenticator() {
            @Override
            public String name() {
                return "trust";
            }

            @Override
            public AuthExchange exchange(StartupRequest request, Route route) {
                return new AuthExchange.Trust(Principal.of(request.user()));
            }
        };
    }
}
