package io.buenavista.core.types;

import java.time.ZoneId;

/**
 * The session settings that change how values are written and read.
 *
 * @param timeZone         the session's {@code TimeZone}: timestamptz text is rendered in it, and text input
 *                         without an offset is read in it
 * @param extraFloatDigits {@code extra_float_digits}: 1 or more prints floats with the shortest exact form (the
 *                         PostgreSQL 12+ default), 0 or less with 15/6 significant digits minus its value
 */
public record TypeContext(ZoneId timeZone, int extraFloatDigits) {
    public static final TypeContext DEFAULT = new TypeContext(ZoneId.of("UTC"), 1);
}
