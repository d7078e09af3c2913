package io.buenavista.cachedb;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.buenavista.api.Admission;
import io.buenavista.api.AuthExchange;
import io.buenavista.api.BearerToken;
import io.buenavista.api.Authenticator;
import io.buenavista.api.PgException;
import io.buenavista.api.Principal;
import io.buenavista.api.Route;
import io.buenavista.api.SqlState;
import io.buenavista.api.StartupRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The cachedb authenticator: a JWT proves who the client is, the platform's services decide what it may open.
 *
 * <p><b>Where the token comes from.</b> When {@code user} (without an optional {@code Bearer } prefix) has JWT shape,
 * it is the token and no password is asked for (the original's clients send none). Otherwise the token is asked for
 * as a cleartext password (or with SASL {@code OAUTHBEARER} when so configured), which is allowed only over TLS or
 * from loopback unless {@link CachedbSettings#allowPlaintextPassword()}.
 *
 * <p><b>Authentication</b> ({@link JwtVerifier}): signature against the issuer's JWKS, pinned algorithms, {@code exp}
 * required, {@code nbf}, {@code aud}, {@code iss} when configured; the user id is the subject claim. Failures are
 * FATAL {@code 28P01}.
 *
 * <p><b>Authorization</b> (the original's decisions, in {@link #admit}): the client-credentials id may use
 * everything; otherwise user management's answer decides: system admins everything; others neither protocol B nor
 * {@code write}, and protocol A only for datasets they research. Protocol A is then resolved by the portal to a
 * {@link DatabaseRoute}. Refusals are {@code 28000} with the reason, unknown datasets {@code 3D000}, and a service
 * that is down, slow or answers nonsense {@code 08006} "authorization service unavailable". Answers are cached per
 * token.
 *
 * <p>Each login writes one audit line (user id, client address, route, decision, reason), never the token. The
 * session runs as the user id, so {@code session_user} and {@code current_user} report it.
 */
public final class CachedbAuthenticator implements Authenticator {
    /** The authenticator's name. */
    public static final String NAME = "cachedb";

    private static final Logger AUDIT = LoggerFactory.getLogger("io.buenavista.cachedb.audit");
    private static final String LOGIN = "cachedb.login";
    private static final String UNAVAILABLE = "authorization service unavailable";

    private final CachedbSettings settings;
    private final Clock clock;
    private final Consumer<String> audit;
    private final ServiceCalls http;
    private final JwtVerifier verifier;
    private final AuthorizationCache cache;
    /** Tokens verified by an exchange, waiting for their connection's {@link #admit}: a login id → the token. */
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();

    private record Pending(VerifiedToken token, Instant since) {}

    /** User management's answer as cached: empty for a user it does not know. */
    private record UserLookup(Optional<UserGroups> groups) {}

    /** Refusal of a login with the status and reason for the client and the audit line. */
    private static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient PgException error;
        private final String reason;

        Refusal(String sqlState, String message, String reason) {
            super(message, null, false, false);
            this.error = PgException.fatal(sqlState, message);
            this.reason = reason;
        }
    }

    /** An authenticator with the system clock, auditing to the logger {@code io.buenavista.cachedb.audit}. */
    public CachedbAuthenticator(CachedbSettings settings) {
        this(settings, Clock.systemUTC(), AUDIT::info);
    }

    /**
     * @param clock    the time tokens and caches are judged by
     * @param auditLog receives one line per login
     */
    public CachedbAuthenticator(CachedbSettings settings, Clock clock, Consumer<String> auditLog) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.audit = Objects.requireNonNull(auditLog, "auditLog");
        this.http = new ServiceCalls(settings);
        this.verifier = new JwtVerifier(settings,
                new JwksCache(http, settings.serviceRoutes().jwks(), settings.jwksMinRefresh(), clock), clock);
        this.cache = new AuthorizationCache(settings.authCacheTtl(), clock);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The settings this authenticator runs with. */
    public CachedbSettings settings() {
        return settings;
    }

    @Override
    public AuthExchange exchange(StartupRequest request, Route route) throws PgException {
        if (!(route instanceof CachedbRoute)) {
            throw refuse(request, null, route, new Refusal(SqlState.INVALID_CATALOG_NAME,
                    "database \"" + printable(route.database()) + "\" is not a cachedb database name",
                    "not a cachedb route"));
        }
        String user = request.user();
        String fromUser = withoutBearer(user);
        if (JwtVerifier.looksLikeJwt(fromUser)) {
            return new AuthExchange.Trust(verified(request, route, fromUser, authorization(user)));
        }
        if (!request.tls() && !isLoopback(request.remoteAddress()) && !settings.allowPlaintextPassword()) {
            throw refuse(request, null, route, new Refusal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "a token must be sent over TLS (or as the user name)", "token in the clear refused"));
        }
        AuthExchange.PasswordVerifier check = password -> verified(request, route, withoutBearer(password),
                authorization(password));
        if (settings.passwordMethod() == CachedbSettings.PasswordMethod.OAUTHBEARER) {
            return new AuthExchange.OAuthBearer(check, settings.serviceRoutes().openidConfiguration().toString(),
                    settings.scope());
        }
        return new AuthExchange.CleartextPassword(check);
    }

    @Override
    public Admission admit(Principal proven, StartupRequest request, Route route) throws PgException {
        Pending p = pending.remove(proven.attributes().getOrDefault(LOGIN, ""));
        if (p == null) {
            // Only this authenticator's exchanges lead here; anything else is not a cachedb login.
            throw refuse(request, null, route, new Refusal(SqlState.INVALID_PASSWORD,
                    "token authentication failed", "no verified token for this login"));
        }
        VerifiedToken token = p.token();
        try {
            DatabaseRoute resolved = authorize(token, (CachedbRoute) route);
            audit.accept(line(request, token.userId(), route) + " resolved=" + describe(resolved)
                    + " decision=allowed reason=" + reasonFor(token));
            Principal principal = Principal.of(token.userId());
            // The token goes on to the handler: a HANA entry without a read login logs in as the user with it.
            return new Admission(principal, resolved, settings.sessionExpiry() == CachedbSettings.SessionExpiry.CLOSE
                    ? Optional.of(token.expiresAt()) : Optional.empty(), Optional.of(new BearerToken(token.token())));
        } catch (Refusal r) {
            throw refuse(request, token.userId(), route, r);
        } catch (ServiceUnavailableException e) {
            throw refuse(request, token.userId(), route,
                    new Refusal(SqlState.CONNECTION_FAILURE, UNAVAILABLE, e.getMessage()));
        }
    }

    /** Verifies the token and parks it for {@link #admit}; the principal carries only a login id. */
    private Principal verified(StartupRequest request, Route route, String token, String authorization) {
        try {
            VerifiedToken t = verifier.verify(token, authorization);
            String login = UUID.randomUUID().toString();
            Instant now = clock.instant();
            // A connection that fails between exchange and admission leaves its entry: drop stale ones.
            pending.values().removeIf(old -> old.since().isBefore(now.minusSeconds(60)));
            pending.put(login, new Pending(t, now));
            return new Principal(t.userId(), Map.of(LOGIN, login));
        } catch (TokenRejectedException e) {
            throw refuse(request, null, route, new Refusal(SqlState.INVALID_PASSWORD,
                    "token authentication failed: " + e.reason(), e.reason()));
        } catch (ServiceUnavailableException e) {
            throw refuse(request, null, route, new Refusal(SqlState.CONNECTION_FAILURE, UNAVAILABLE, e.getMessage()));
        }
    }

    private DatabaseRoute authorize(VerifiedToken token, CachedbRoute route)
            throws Refusal, ServiceUnavailableException {
        if (!isClientCredentials(token)) {
            UserGroups groups = userGroups(token).orElseThrow(() -> new Refusal(
                    SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "user \"" + printable(token.userId()) + "\" does not exist", "unknown user"));
            if (!groups.systemAdmin()) {
                if (route instanceof DatabaseRoute) {
                    throw notAllowed("protocol B (a database by its code) is only for system administrators");
                }
                if (route.connectionType() == ConnectionType.WRITE) {
                    throw notAllowed("write connections are only for system administrators");
                }
                UUID dataset = ((DatasetRoute) route).datasetId();
                if (!groups.researcherOf().contains(dataset)) {
                    throw notAllowed("user does not have access to dataset " + dataset);
                }
            }
        }
        if (route instanceof DatabaseRoute direct) {
            return direct;
        }
        return resolve(token, (DatasetRoute) route);
    }

    private boolean isClientCredentials(VerifiedToken token) {
        return settings.clientId().map(token.userId()::equals).orElse(false);
    }

    private static String reasonFor(VerifiedToken token) {
        return "token valid until " + token.expiresAt();
    }

    private static Refusal notAllowed(String reason) {
        return new Refusal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, reason, reason);
    }

    /** User management's answer for this token's user; empty when it answers JSON null (no such user). */
    private Optional<UserGroups> userGroups(VerifiedToken token) throws Refusal, ServiceUnavailableException {
        Optional<UserLookup> cached = cache.get(token, "user-groups", UserLookup.class);
        if (cached.isPresent()) {
            return cached.get().groups();
        }
        URI uri = URI.create(settings.serviceRoutes().usermgmt() + "/user-group/list");
        ServiceCalls.JsonAnswer answer = http.post("user management", uri,
                new Gson().toJson(Map.of("userId", token.userId())), token.authorization());
        if (answer.status() == 401 || answer.status() == 403) {
            throw notAllowed("user management refused the token");
        }
        JsonElement json = answer.json().orElseThrow(
                () -> new ServiceUnavailableException("user management: HTTP " + answer.status()));
        Optional<UserGroups> groups = json.isJsonNull() ? Optional.empty() : Optional.of(parseGroups(json));
        cache.put(token, "user-groups", new UserLookup(groups));
        return groups;
    }

    private static UserGroups parseGroups(JsonElement json) throws ServiceUnavailableException {
        try {
            JsonObject o = json.getAsJsonObject();
            JsonElement admin = o.get("alp_role_system_admin");
            boolean isAdmin = admin != null && !admin.isJsonNull() && admin.getAsJsonPrimitive().isBoolean()
                    && admin.getAsBoolean();
            if (admin != null && !admin.isJsonNull() && !admin.getAsJsonPrimitive().isBoolean()) {
                throw new IllegalStateException("alp_role_system_admin is not a boolean");
            }
            Set<UUID> datasets = new HashSet<>();
            JsonElement researcher = o.get("alp_role_study_researcher");
            if (researcher != null && !researcher.isJsonNull()) {
                for (JsonElement id : researcher.getAsJsonArray()) {
                    try {
                        datasets.add(UUID.fromString(id.getAsString()));
                    } catch (IllegalArgumentException notAUuid) {
                        // Not a dataset id: grants nothing.
                    }
                }
            }
            return new UserGroups(isAdmin, datasets);
        } catch (IllegalStateException | UnsupportedOperationException | ClassCastException e) {
            throw new ServiceUnavailableException("user management: unexpected answer");
        }
    }

    /** The portal's database, schema and vocabulary schema for the dataset, checked as identifiers. */
    private DatabaseRoute resolve(VerifiedToken token, DatasetRoute route)
            throws Refusal, ServiceUnavailableException {
        String what = "dataset|" + route.dialect() + "|" + route.connectionType() + "|" + route.datasetId();
        Optional<DatabaseRoute> cached = cache.get(token, what, DatabaseRoute.class);
        if (cached.isPresent()) {
            return cached.get();
        }
        URI uri = URI.create(settings.serviceRoutes().portalServer() + "/dataset?datasetId="
                + URLEncoder.encode(route.datasetId().toString(), StandardCharsets.UTF_8));
        ServiceCalls.JsonAnswer answer = http.get("portal", uri, token.authorization());
        String unknown = "dataset \"" + route.datasetId() + "\" does not exist";
        if (answer.status() == 404) {
            throw new Refusal(SqlState.INVALID_CATALOG_NAME, unknown, "portal does not know the dataset");
        }
        if (answer.status() == 401 || answer.status() == 403) {
            throw notAllowed("portal refused access to dataset " + route.datasetId());
        }
        JsonElement json = answer.json().orElseThrow(
                () -> new ServiceUnavailableException("portal: HTTP " + answer.status()));
        if (json.isJsonNull()) {
            throw new Refusal(SqlState.INVALID_CATALOG_NAME, unknown, "portal answered null");
        }
        if (!json.isJsonObject()) {
            throw new ServiceUnavailableException("portal: unexpected answer");
        }
        JsonObject o = json.getAsJsonObject();
        Optional<String> code = member(o, "databaseCode");
        Optional<String> schema = member(o, "schemaName");
        Optional<String> vocab = member(o, "vocabSchemaName");
        boolean schemasRequired = route.dialect() == Dialect.DUCKDB;
        if (code.isEmpty() || !valid(code) || !valid(schema) || !valid(vocab)
                || (schemasRequired && (schema.isEmpty() || vocab.isEmpty()))) {
            throw new Refusal(SqlState.INVALID_CATALOG_NAME, "dataset \"" + route.datasetId()
                    + "\" resolves to an invalid database or schema name", "portal answer fails the identifier check");
        }
        DatabaseRoute resolved = new DatabaseRoute(route.dialect(), route.connectionType(), code.get(), schema, vocab,
                Optional.of(route.datasetId()));
        cache.put(token, what, resolved);
        return resolved;
    }

    private static Optional<String> member(JsonObject o, String name) throws ServiceUnavailableException {
        JsonElement e = o.get(name);
        if (e == null || e.isJsonNull()) {
            return Optional.empty();
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new ServiceUnavailableException("portal: " + name + " is not a string");
        }
        return e.getAsString().isEmpty() ? Optional.empty() : Optional.of(e.getAsString());
    }

    private static boolean valid(Optional<String> identifier) {
        return identifier.map(CachedbIdentifiers::isValid).orElse(true);
    }

    private PgException refuse(StartupRequest request, String userId, Route route, Refusal r) {
        audit.accept(line(request, userId, route) + " decision=refused sqlstate=" + r.error.sqlState() + " reason="
                + printable(r.reason));
        return r.error;
    }

    private static String line(StartupRequest request, String userId, Route route) {
        InetSocketAddress from = request.remoteAddress();
        return "cachedb login user=" + (userId == null ? "-" : printable(userId)) + " from="
                + (from == null || from.getAddress() == null ? "-" : from.getAddress().getHostAddress())
                + " route=" + (route instanceof CachedbRoute c ? describe(c) : printable(route.database()));
    }

    /** The route as a database string (no secrets in it). */
    static String describe(CachedbRoute route) {
        String head = route.dialect().wireName() + "|" + route.connectionType().name().toLowerCase(Locale.ROOT);
        if (route instanceof DatasetRoute d) {
            return "A|" + head + "|" + d.datasetId();
        }
        DatabaseRoute b = (DatabaseRoute) route;
        return "B|" + head + "|" + b.databaseCode() + b.schema().map(s -> "|" + s).orElse("")
                + b.vocabSchema().map(s -> "|" + s).orElse("");
    }

    /** The user name or password without an optional {@code Bearer } prefix (any case). */
    private static String withoutBearer(String s) {
        return s.regionMatches(true, 0, "Bearer ", 0, 7) ? s.substring(7).strip() : s.strip();
    }

    /** The {@code Authorization} header to forward: as the client sent it when it is one, else a bearer header. */
    private static String authorization(String sent) {
        return sent.regionMatches(true, 0, "Bearer ", 0, 7) ? sent : "Bearer " + sent.strip();
    }

    private static boolean isLoopback(InetSocketAddress address) {
        return address != null && address.getAddress() != null && address.getAddress().isLoopbackAddress();
    }

    /** Text from the client or a service, made safe for one log line or message: printable ASCII, 200 at most. */
    private static String printable(String s) {
        String cut = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
