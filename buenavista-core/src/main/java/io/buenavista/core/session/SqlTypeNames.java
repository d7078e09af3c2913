package io.buenavista.core.session;

import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.SqlState;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Resolves type names written in SQL ({@code PREPARE p (integer, character varying(10), text[])}) to the built-in
 * {@link PgType}s, as PostgreSQL's grammar spells them: SQL standard names, internal names and {@code []} arrays.
 * Type modifiers are ignored, since parameters carry none.
 */
final class SqlTypeNames {
    private static final Map<String, PgType> TYPES = types();

    private SqlTypeNames() {}

    private static Map<String, PgType> types() {
        Map<String, PgType> m = new HashMap<>();
        for (int oid = 1; oid < 10_000; oid++) {
            PgType t = PgType.byOid(oid);
            if (t != null && t.elementOid() == 0) {
                m.put(t.name(), t);
            }
        }
        String[][] aliases = {{"boolean", "bool"}, {"smallint", "int2"}, {"integer", "int4"}, {"int", "int4"},
            {"bigint", "int8"}, {"real", "float4"}, {"double precision", "float8"}, {"float", "float8"},
            {"decimal", "numeric"}, {"dec", "numeric"}, {"character varying", "varchar"}, {"char varying", "varchar"},
            {"character", "bpchar"}, {"timestamp without time zone", "timestamp"},
            {"timestamp with time zone", "timestamptz"}, {"time without time zone", "time"},
            {"time with time zone", "timetz"}};
        for (String[] a : aliases) {
            m.put(a[0], m.get(a[1]));
        }
        return Map.copyOf(m);
    }

    /**
     * The type a name denotes.
     *
     * @throws PgException 42704 when it is not a built-in type the core knows
     */
    static PgType resolve(String written) {
        String name = written.strip().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
        int arrays = 0;
        while (name.endsWith("[]")) {
            name = name.substring(0, name.length() - 2).strip();
            arrays++;
        }
        name = name.replaceAll("\\s*\\(.*\\)", "").strip(); // typmods: varchar(10), numeric(10, 2)
        if (name.startsWith("pg_catalog.")) {
            name = name.substring("pg_catalog.".length());
        }
        if (name.startsWith("\"") && name.endsWith("\"") && name.length() > 1) {
            name = name.substring(1, name.length() - 1);
        }
        PgType type = TYPES.get(name);
        if (type != null && arrays > 0) {
            type = arrays == 1 ? PgType.arrayOf(type) : null;
        }
        if (type == null) {
            throw new PgException(SqlState.UNDEFINED_OBJECT, "type \"" + written.strip() + "\" does not exist");
        }
        return type;
    }
}
