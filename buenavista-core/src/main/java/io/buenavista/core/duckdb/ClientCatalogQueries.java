package io.buenavista.core.duckdb;

import io.buenavista.api.PgType;

import java.util.List;
import java.util.Map;

/**
 * The PostgreSQL types of the columns and parameters of known clients' own catalog queries, where DuckDB's types
 * differ in a way the client cannot live with. DuckDB has no {@code oid} type (its {@code oid} is a BIGINT), and
 * the emulated catalog's OIDs are INTEGERs; most clients read either as a number, but some decode their
 * introspection queries with a fixed set of codecs. Each rule names the query by a marker only that query contains.
 */
final class ClientCatalogQueries {
    private ClientCatalogQueries() {}

    /**
     * One client query.
     *
     * @param marker     text only this query contains
     * @param columns    result column name → the type PostgreSQL reports for it
     * @param parameters parameter index (0-based) → the type PostgreSQL infers for it
     */
    record Rule(String marker, Map<String, PgType> columns, Map<Integer, PgType> parameters) {}

    static final List<Rule> RULES = List.of(
            // asyncpg's type introspection (INTRO_LOOKUP_TYPES): asyncpg decodes it with its built-in codecs only,
            // which have oid[] and text[] but no int4[] or int8[]. Reported as those, its $1::oid[] and attrtypoids
            // make asyncpg introspect int8[] and int4[] with this same query, without end.
            new Rule("typeinfo_tree",
                    Map.of("oid", PgType.OID, "basetype", PgType.OID, "elemtype", PgType.OID,
                            "range_subtype", PgType.OID, "attrtypoids", PgType.OID_ARRAY),
                    Map.of(0, PgType.OID_ARRAY)));

    /** The rule for this client SQL, or null for any other query. */
    static Rule find(String sql) {
        for (Rule r : RULES) {
            if (sql.contains(r.marker())) {
                return r;
            }
        }
        return null;
    }

    /**
     * The mapping of a result column as {@code rule} types it: an integer column (or list of integers) read as
     * DuckDB gives it and sent as the rule's type; any other column is left as it is.
     */
    static DuckDbTypes.Mapping column(Rule rule, String name, DuckDbTypes.Mapping m) {
        PgType type = rule == null ? null : rule.columns().get(name);
        if (type == null) {
            return m;
        }
        if (type.elementType() == null) {
            return isInteger(m) ? new DuckDbTypes.Mapping(type, -1, m.kind(), null) : m;
        }
        if (m.kind() == DuckDbTypes.Kind.LIST && isInteger(m.element())) {
            return new DuckDbTypes.Mapping(type, -1, m.kind(),
                    new DuckDbTypes.Mapping(type.elementType(), -1, m.element().kind(), null));
        }
        return m;
    }

    /** The type of parameter {@code index} as {@code rule} types it, or {@code inferred}. */
    static PgType parameter(Rule rule, int index, PgType inferred) {
        PgType type = rule == null ? null : rule.parameters().get(index);
        return type == null ? inferred : type;
    }

    private static boolean isInteger(DuckDbTypes.Mapping m) {
        return m.kind() == DuckDbTypes.Kind.INT2 || m.kind() == DuckDbTypes.Kind.INT4
                || m.kind() == DuckDbTypes.Kind.INT8;
    }
}
