package io.buenavista.core.session;

import io.buenavista.api.PgException;
import io.buenavista.api.PgType;
import io.buenavista.api.SqlState;
import io.buenavista.core.types.Codec;
import io.buenavista.core.types.CodecRegistry;
import io.buenavista.core.types.Utf8;

/**
 * Turns the client's parameter values (Bind's bytes, {@code EXECUTE}'s constants) into the Java values handlers
 * get. A parameter nobody could type stays text, which the handler casts itself.
 */
final class ParameterDecoder {
    private final CodecRegistry codecs;
    private final SessionSettings settings;

    ParameterDecoder(CodecRegistry codecs, SessionSettings settings) {
        this.codecs = codecs;
        this.settings = settings;
    }

    /** One Bind value in format 0 (text) or 1 (binary); {@code index} counts from 1. */
    Object decode(PgType type, short format, byte[] value, int index) {
        if (value == null) {
            return null;
        }
        try {
            if (type == PgType.UNKNOWN) {
                return Utf8.decodeUtf8Strict(value, 0, value.length);
            }
            Codec codec = codecs.codec(type);
            if (format == 1) {
                if (!codec.hasBinary()) {
                    throw new PgException(SqlState.INVALID_BINARY_REPRESENTATION,
                            "no binary input function available for type " + type.name());
                }
                return codec.decodeBinary(value, 0, value.length, settings.typeContext());
            }
            return codec.decodeText(Utf8.decodeUtf8Strict(value, 0, value.length), settings.typeContext());
        } catch (PgException e) {
            throw inParameter(e, index);
        }
    }

    /** One value given as text (an {@code EXECUTE} constant); {@code index} counts from 1. */
    Object decodeText(PgType type, String text, int index) {
        if (text == null) {
            return null;
        }
        if (type == PgType.UNKNOWN) {
            return text;
        }
        try {
            return codecs.codec(type).decodeText(text, settings.typeContext());
        } catch (PgException e) {
            throw inParameter(e, index);
        }
    }

    /** Says which parameter was wrong, unless the codec already said more. */
    private static PgException inParameter(PgException e, int index) {
        return e.detail() == null ? e.withDetail("in parameter $" + index) : e;
    }
}
