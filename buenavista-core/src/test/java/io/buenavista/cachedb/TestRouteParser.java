package io.buenavista.cachedb;

import io.buenavista.api.ConnectionParamParser;
import io.buenavista.api.PgException;
import io.buenavista.api.Route;
import io.buenavista.api.SqlState;
import io.buenavista.api.StartupRequest;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Just enough of the database-name formats for the authentication tests: well-formed {@code A|…} and {@code B|…}
 * strings become routes, anything else 3D000. The real parser (with every format check) is tested on its own.
 */
final class TestRouteParser implements ConnectionParamParser {
    @Override
    public String name() {
        return "cachedb-test";
    }

    @Override
    public Route parse(StartupRequest request) {
        List<String> parts = Arrays.asList(request.database().split("\\|", -1));
        try {
            Dialect dialect = Dialect.fromWireName(parts.get(1)).orElseThrow();
            int next = 2;
            ConnectionType type = ConnectionType.READ;
            if (parts.get(2).equals("read") || parts.get(2).equals("write")) {
                type = ConnectionType.valueOf(parts.get(2).toUpperCase(java.util.Locale.ROOT));
                next = 3;
            }
            List<String> rest = parts.subList(next, parts.size());
            if (parts.get(0).equals("A") && rest.size() == 1) {
                return new DatasetRoute(dialect, type, UUID.fromString(rest.get(0)));
            }
            if (parts.get(0).equals("B") && (rest.size() == 1 || rest.size() == 3)) {
                return new DatabaseRoute(dialect, type, rest.get(0),
                        rest.size() == 3 ? Optional.of(rest.get(1)) : Optional.empty(),
                        rest.size() == 3 ? Optional.of(rest.get(2)) : Optional.empty(), Optional.empty());
            }
        } catch (RuntimeException e) {
            // fall through
        }
        throw PgException.fatal(SqlState.INVALID_CATALOG_NAME, "malformed cachedb database name");
    }
}
