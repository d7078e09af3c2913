package io.buenavista.core.duckdb;

import io.buenavista.core.types.ByteArraySink;
import io.buenavista.core.types.Codec;
import io.buenavista.core.types.CodecRegistry;
import io.buenavista.core.types.TypeContext;

import org.duckdb.DuckDBResultSetMetaData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rows a cursor reads ahead come back exactly as DuckDB gave them: every kind of value {@link DuckDbTypes} reads,
 * in memory and from the temporary file, also when rows are appended behind rows not yet read.
 */
class RowSpillTest {
    /** A column: DuckDB's type and two values (SQL); every column also gets a NULL row. */
    private record Col(String type, String a, String b) {}

    private static final List<Col> COLUMNS = List.of(
            new Col("BOOLEAN", "true", "false"),
            new Col("TINYINT", "-128", "127"),
            new Col("UTINYINT", "255", "0"),
            new Col("SMALLINT", "-32768", "32767"),
            new Col("USMALLINT", "65535", "1"),
            new Col("INTEGER", "-2147483648", "2147483647"),
            new Col("UINTEGER", "4294967295", "0"),
            new Col("BIGINT", "-9223372036854775808", "9223372036854775807"),
            new Col("UBIGINT", "18446744073709551615", "0"),
            new Col("HUGEINT", "-170141183460469231731687303715884105728", "170141183460469231731687303715884105727"),
            new Col("UHUGEINT", "340282366920938463463374607431768211455", "0"),
            new Col("VARINT", "'-123456789012345678901234567890123456789012345678901234567890'", "'0'"),
            new Col("FLOAT", "'nan'", "'-inf'"),
            new Col("FLOAT", "-0.0", "3.4028235e38"),
            new Col("DOUBLE", "'inf'", "4.9e-324"),
            new Col("DOUBLE", "-0.0", "0.1"),
            new Col("DECIMAL(4,1)", "-999.9", "1.0"),
            new Col("DECIMAL(18,3)", "1.500", "-0.001"),
            new Col("DECIMAL(38,10)", "-1234567890123456789012345678.0123456789", "0.0000000000"),
            new Col(NumericCasts.WIDE_TYPE, "1.5", "-100"),
            new Col("VARCHAR", "'héllo 🦆 日本 \"q\" ''a'' \\ tab\t'", "''"),
            new Col("ENUM('x', 'ÿ')", "'ÿ'", "'x'"),
            new Col("BLOB", "'\\x00\\xFF\\x5C'", "''"),
            new Col("DATE", "'2024-02-29'", "'infinity'"),
            new Col("DATE", "'1500-01-01'", "'-infinity'"),
            new Col("TIME", "'23:59:59.999999'", "'00:00:00'"),
            new Col("TIMESTAMP", "'2024-01-01 12:34:56.789012'", "'infinity'"),
            new Col("TIMESTAMP", "'1900-01-01 00:00:00'", "'-infinity'"),
            new Col("TIMESTAMP_NS", "'2024-01-01 12:34:56.789012345'", "'1970-01-01 00:00:00'"),
            new Col("TIMESTAMP_S", "'2024-01-01 12:34:56'", "'1970-01-01'"),
            new Col("TIMESTAMPTZ", "'2024-06-01 12:00:00.5+02'", "'infinity'"),
            new Col("TIMESTAMPTZ", "'1850-03-01 00:00:00+00'", "'-infinity'"),
            new Col("INTERVAL", "INTERVAL '1 year 2 months 3 days 04:05:06.789'", "-INTERVAL '2 days 1 second'"),
            new Col("UUID", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'00000000-0000-0000-0000-000000000000'"),
            new Col("JSON", "'{\"a\": [1, 2, \"ü\"], \"b\": null}'", "'[]'"),
            new Col("INTEGER[]", "[1, NULL, 3]", "[]"),
            new Col("VARCHAR[]", "['a', NULL, 'ß,\"{}']", "[NULL]"),
            new Col("DECIMAL(10,2)[]", "[1.50, -2.00]", "[]"),
            new Col("DATE[]", "['2024-01-01'::DATE, 'infinity'::DATE]", "[]"),
            new Col("TIMESTAMPTZ[]", "['2024-01-01 00:00:00+05'::TIMESTAMPTZ]", "[]"),
            new Col("BLOB[]", "['\\x01'::BLOB]", "[]"),
            new Col("UUID[]", "['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID]", "[]"),
            new Col("INTERVAL[]", "[INTERVAL '1 day']", "[]"),
            new Col("BOOLEAN[3]", "[true, false, NULL]", "[false, false, false]"),
            new Col("INTEGER[][]", "[[1], [2, 3]]", "[]"),
            new Col("STRUCT(a INTEGER, b VARCHAR)", "{'a': 1, 'b': 'x'}", "{'a': NULL, 'b': 'ü'}"),
            new Col("MAP(VARCHAR, INTEGER)", "MAP {'k': 1}", "MAP {}"),
            new Col("TIMETZ", "'12:00:00+02'", "'00:00:00+00'"),
            new Col("BIT", "'0101'", "'1'"));

    private static Connection conn;
    private static List<DuckDbTypes.Mapping> mappings;
    private static List<Object[]> rows;

    @BeforeAll
    static void read() throws Exception {
        conn = DriverManager.getConnection("jdbc:duckdb:");
        StringBuilder sql = new StringBuilder();
        for (int row = 0; row < 3; row++) {
            sql.append(row == 0 ? "SELECT " : " UNION ALL SELECT ");
            for (int i = 0; i < COLUMNS.size(); i++) {
                Col c = COLUMNS.get(i);
                String value = row == 0 ? c.a : row == 1 ? c.b : "NULL";
                sql.append(i == 0 ? "" : ", ").append("CAST(").append(value).append(" AS ").append(c.type)
                        .append(") AS c").append(i);
            }
            sql.append(", ").append(row).append(" AS k");
        }
        rows = new ArrayList<>();
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(sql + " ORDER BY k")) {
            DuckDBResultSetMetaData meta = rs.getMetaData().unwrap(DuckDBResultSetMetaData.class);
            mappings = new ArrayList<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                mappings.add(DuckDbTypes.map(meta.getColumnTypeName(i), meta.getPrecision(i), meta.getScale(i)));
            }
            while (rs.next()) {
                Object[] row = new Object[mappings.size()];
                for (int i = 0; i < row.length; i++) {
                    row[i] = DuckDbTypes.read(rs, i + 1, mappings.get(i));
                }
                rows.add(row);
            }
        }
        assertEquals(3, rows.size());
        // Every kind of value DuckDbTypes reads is in the rows.
        assertEquals(Arrays.stream(DuckDbTypes.Kind.values()).toList(),
                mappings.stream().map(DuckDbTypes.Mapping::kind).distinct().sorted().toList());
    }

    @AfterAll
    static void close() throws Exception {
        conn.close();
    }

    @Test
    void everyTypeRoundTripsInMemory() throws IOException {
        roundTrip(new RowSpill.Space(null, 1 << 20), false);
    }

    @Test
    void everyTypeRoundTripsThroughTheFile(@TempDir Path dir) throws IOException {
        roundTrip(new RowSpill.Space(dir, 0), true);
    }

    private static void roundTrip(RowSpill.Space space, boolean onDisk) throws IOException {
        try (space) {
            RowSpill spill = space.open(mappings);
            for (int copy = 0; copy < 50; copy++) {
                for (Object[] row : rows) {
                    spill.add(row);
                }
            }
            spill.flush();
            assertEquals(onDisk, spill.onDisk());
            for (int copy = 0; copy < 50; copy++) {
                for (Object[] row : rows) {
                    assertSameRow(row, spill.next());
                }
            }
            assertNull(spill.next());
            assertFalse(spill.hasRows());
        }
        assertEquals(0, space.openSpills());
        assertEquals(0, space.memoryUsed());
    }

    /** Appends behind rows not yet read, moves from memory to the file midway, and rows wider than the buffers. */
    @Test
    void appendsBehindUnreadRowsAcrossMemoryAndFile(@TempDir Path dir) throws IOException {
        List<DuckDbTypes.Mapping> types = List.of(DuckDbTypes.map("BIGINT", -1, -1),
                DuckDbTypes.map("VARCHAR", -1, -1));
        try (RowSpill.Space space = new RowSpill.Space(dir, 50_000)) {
            RowSpill spill = space.open(types);
            RowSpill other = space.open(types); // shares the buffers
            long written = 0;
            long read = 0;
            for (int round = 0; round < 40; round++) {
                int add = 1 + round * 37 % 500;
                for (int i = 0; i < add; i++) {
                    String text = written % 997 == 0 ? "w".repeat(200_000) : "r" + written;
                    spill.add(new Object[] {written, text});
                    other.add(new Object[] {-written, null});
                    written++;
                }
                spill.flush();
                int take = (int) Math.min(written - read, 1 + round * 53 % 450);
                for (int i = 0; i < take; i++) {
                    Object[] row = spill.next();
                    assertEquals(read, row[0]);
                    assertEquals(read % 997 == 0 ? "w".repeat(200_000) : "r" + read, row[1]);
                    Object[] o = other.next();
                    assertEquals(-read, o[0]);
                    assertNull(o[1]);
                    read++;
                }
            }
            assertTrue(spill.onDisk());
            while (spill.hasRows()) {
                assertEquals(read++, spill.next()[0]);
            }
            assertEquals(written, read);
            assertTrue(other.hasRows());
            assertTrue(space.memoryUsed() <= 50_000);
        }
        // The files were unlinked when opened: nothing is left in the directory.
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.toList());
        }
    }

    /** The same value for the client: equal Java values, and the same text and binary forms in any time zone. */
    private static void assertSameRow(Object[] expected, Object[] actual) {
        assertEquals(expected.length, actual.length);
        TypeContext zoned = new TypeContext(ZoneId.of("America/St_Johns"), 1);
        for (int i = 0; i < expected.length; i++) {
            Object e = expected[i];
            Object a = actual[i];
            String what = "column " + i + " (" + (i < COLUMNS.size() ? COLUMNS.get(i).type : "k") + ")";
            if (e == null) {
                assertNull(a, what);
                continue;
            }
            assertSameValue(e, a, what);
            Codec codec = CodecRegistry.standard().codec(mappings.get(i).pgType());
            assertEquals(encode(codec, e, zoned, false), encode(codec, a, zoned, false), what);
            if (codec.hasBinary()) {
                assertEquals(encode(codec, e, zoned, true), encode(codec, a, zoned, true), what);
            }
        }
    }

    private static void assertSameValue(Object e, Object a, String what) {
        if (e == null) {
            assertNull(a, what);
        } else if (e instanceof byte[] b) {
            assertArrayEquals(b, (byte[]) a, what);
        } else if (e instanceof OffsetDateTime t) {
            // The offset the driver chose is not kept (the client sees the instant in its own zone).
            assertTrue(t.isEqual((OffsetDateTime) a), what + ": " + e + " vs " + a);
        } else if (e instanceof List<?> l) {
            List<?> other = (List<?>) a;
            assertEquals(l.size(), other.size(), what);
            for (int i = 0; i < l.size(); i++) {
                assertSameValue(l.get(i), other.get(i), what + "[" + i + "]");
            }
        } else {
            assertEquals(e, a, what);
        }
    }

    private static String encode(Codec codec, Object value, TypeContext ctx, boolean binary) {
        ByteArraySink out = new ByteArraySink();
        if (binary) {
            codec.encodeBinary(value, out, ctx);
        } else {
            codec.encodeText(value, out, ctx);
        }
        return java.util.HexFormat.of().formatHex(out.toByteArray());
    }
}
