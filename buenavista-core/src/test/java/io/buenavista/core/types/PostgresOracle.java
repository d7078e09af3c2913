package io.buenavista.core.types;

import org.postgresql.util.PSQLException;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Asks the real PostgreSQL how it writes and reads values: text through the type's output function, binary through
 * its send function (both called in SQL, so that they come back as text and bytea).
 */
final class PostgresOracle implements AutoCloseable {
    private final Connection conn;
    private final Map<Integer, String[]> functions = new HashMap<>();
    private String zone;
    private int extraFloatDigits = Integer.MIN_VALUE;

    PostgresOracle() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("binaryTransfer", "false");
        conn = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", p);
        try (Statement s = conn.createStatement()) {
            s.execute("SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'");
        }
    }

    /** Makes the session's TimeZone and extra_float_digits those of {@code ctx}. */
    void use(TypeContext ctx) throws SQLException {
        String z = ctx.timeZone().getId();
        if (!z.equals(zone) || ctx.extraFloatDigits() != extraFloatDigits) {
            try (Statement s = conn.createStatement()) {
                s.execute("SET TimeZone = '" + z + "'; SET extra_float_digits = " + ctx.extraFloatDigits());
            }
            zone = z;
            extraFloatDigits = ctx.extraFloatDigits();
        }
    }

    /** {qualified type name (not regtype: that makes bpchar char(1)), typoutput, typsend} of a type. */
    private String[] functions(int oid) throws SQLException {
        String[] f = functions.get(oid);
        if (f == null) {
            try (PreparedStatement ps = conn.prepareStatement(
                    "SELECT 'pg_catalog.' || quote_ident(typname), typoutput::text, typsend::text FROM pg_type WHERE oid = ?")) {
                ps.setInt(1, oid);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    f = new String[] {rs.getString(1), rs.getString(2), rs.getString(3)};
                }
            }
            functions.put(oid, f);
        }
        return f;
    }

    static String quote(String literal) {
        return "'" + literal.replace("'", "''") + "'";
    }

    private String cast(int oid, String literal) throws SQLException {
        return "CAST(" + quote(literal) + " AS " + functions(oid)[0] + ")";
    }

    /** PostgreSQL's text output of {@code literal} read as the type. */
    String text(int oid, String literal) throws SQLException {
        return queryString("SELECT " + functions(oid)[1] + "(" + cast(oid, literal) + ")::text");
    }

    /** PostgreSQL's binary output of {@code literal} read as the type. */
    byte[] binary(int oid, String literal) throws SQLException {
        try (Statement s = conn.createStatement();
             ResultSet rs = s.executeQuery("SELECT " + functions(oid)[2] + "(" + cast(oid, literal) + ")")) {
            rs.next();
            return rs.getBytes(1);
        }
    }

    /** Text output of many values at once (one round trip): {@code literals} read as the type. */
    List<String> texts(int oid, List<String> literals) throws SQLException {
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < literals.size(); i++) {
            values.append(i > 0 ? ", (" : "(").append(i).append(", ").append(quote(literals.get(i))).append(')');
        }
        String[] f = functions(oid);
        String sql = "SELECT " + f[1] + "(CAST(v AS " + f[0] + "))::text FROM (VALUES " + values + ") t(i, v) ORDER BY i";
        List<String> result = new ArrayList<>();
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                result.add(rs.getString(1));
            }
        }
        return result;
    }

    /** The SQLSTATE PostgreSQL raises reading {@code literal} as the type, or null if it reads it. */
    String inputError(int oid, String literal) throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.executeQuery("SELECT " + cast(oid, literal)).close();
            return null;
        } catch (PSQLException e) {
            return e.getSQLState();
        }
    }

    /** The SQLSTATE of an arbitrary query, or null if it succeeds. */
    String error(String sql) throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.executeQuery(sql).close();
            return null;
        } catch (PSQLException e) {
            return e.getSQLState();
        }
    }

    String queryString(String sql) throws SQLException {
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static TypeContext ctx(String zone, int efd) {
        return new TypeContext(ZoneId.of(zone), efd);
    }

    @Override
    public void close() throws SQLException {
        conn.close();
    }
}
