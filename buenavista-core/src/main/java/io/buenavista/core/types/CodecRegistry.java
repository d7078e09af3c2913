package io.buenavista.core.types;

import io.buenavista.api.PgType;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The codecs by type OID. Immutable; {@link #standard()} has every built-in type of {@link PgType}. Types without a
 * codec of their own get a text-only one.
 */
public final class CodecRegistry {
    private static final CodecRegistry STANDARD = buildStandard();

    private final Map<Integer, Codec> byOid;

    private CodecRegistry(Map<Integer, Codec> byOid) {
        this.byOid = Map.copyOf(byOid);
    }

    /** The registry of PostgreSQL's built-in types. */
    public static CodecRegistry standard() {
        return STANDARD;
    }

    private static CodecRegistry buildStandard() {
        Map<Integer, Codec> m = new HashMap<>();
        List<Codec> scalars = List.of(new BoolCodec(), IntegerCodec.int2(), IntegerCodec.int4(), IntegerCodec.int8(),
                IntegerCodec.oid(), FloatCodec.float4(), FloatCodec.float8(), new NumericCodec(),
                new TextCodec(PgType.TEXT), new TextCodec(PgType.VARCHAR), new TextCodec(PgType.BPCHAR),
                new TextCodec(PgType.NAME), new TextCodec(PgType.CHAR), new TextCodec(PgType.UNKNOWN),
                new TextCodec(PgType.JSON), new JsonbCodec(), new ByteaCodec(), new DateCodec(), new TimeCodec(),
                TimestampCodec.timestamp(), TimestampCodec.timestamptz(), new IntervalCodec(), new UuidCodec());
        for (Codec c : scalars) {
            m.put(c.type().oid(), c);
        }
        for (Codec c : scalars) {
            PgType arrayType = PgType.arrayOf(c.type());
            if (arrayType != null) {
                m.put(arrayType.oid(), new ArrayCodec(arrayType, c));
            }
        }
        return new CodecRegistry(m);
    }

    /** The codec for {@code oid}; never null: an unknown OID gets a text-only codec that decodes to String. */
    public Codec codec(int oid) {
        Codec c = byOid.get(oid);
        if (c != null) {
            return c;
        }
        PgType known = PgType.byOid(oid);
        return new TextOnlyCodec(known != null ? known : new PgType("unknown", oid, -1, 0));
    }

    /** The codec for {@code type}; an array of a known element type gets an array codec even if not built in. */
    public Codec codec(PgType type) {
        Codec c = byOid.get(type.oid());
        if (c != null) {
            return c;
        }
        if (type.isArray()) {
            Codec element = byOid.get(type.elementOid());
            if (element != null) {
                return new ArrayCodec(type, element);
            }
        }
        return new TextOnlyCodec(type);
    }

    /** Whether a codec of its own (not the text-only fallback) exists for {@code oid}. */
    public boolean has(int oid) {
        return byOid.containsKey(oid);
    }
}
