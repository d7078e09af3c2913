package io.buenavista.core.sql;

import java.util.Locale;
import java.util.Objects;

/**
 * One lexical token of PostgreSQL SQL, as produced by {@link SqlLexer#tokenize(String)}.
 *
 * @param kind   what the token is
 * @param text   the token exactly as written, quotes and prefixes included
 * @param offset the index in the lexed string of the token's first character
 */
public record SqlToken(Kind kind, String text, int offset) {

    /** The kinds of token; an unterminated quote or comment is one token of its kind running to the end. */
    public enum Kind {
        /** Spaces, tabs, newlines, carriage returns, form feeds. */
        WHITESPACE,
        /** {@code -- …} up to the end of the line (the newline is not part of it). */
        LINE_COMMENT,
        /** {@code /* … *}{@code /}, nested as PostgreSQL allows. */
        BLOCK_COMMENT,
        /** An unquoted identifier or keyword, e.g. {@code select}, {@code my_table}, {@code a$b}. */
        WORD,
        /** A double-quoted identifier, also {@code U&"…"}. */
        QUOTED_IDENTIFIER,
        /** A quoted string: {@code '…'}, {@code E'…'}, {@code U&'…'}, {@code B'…'}, {@code X'…'}, {@code N'…'}. */
        STRING,
        /** A dollar-quoted string: {@code $$…$$} or {@code $tag$…$tag$}. */
        DOLLAR_STRING,
        /** A numeric literal. */
        NUMBER,
        /** A positional parameter, {@code $1}. */
        PARAMETER,
        /** An operator made of {@code + - * / < > = ~ ! @ # % ^ & | ` ?}. */
        OPERATOR,
        LEFT_PAREN,
        RIGHT_PAREN,
        SEMICOLON,
        /** Any other single character: {@code , . [ ] :} and anything the lexer does not know. */
        PUNCTUATION
    }

    public SqlToken {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(text, "text");
    }

    /** The index just past the token's last character. */
    public int end() {
        return offset + text.length();
    }

    /** Whether the token is whitespace or a comment, which carry no meaning. */
    public boolean isTrivia() {
        return kind == Kind.WHITESPACE || kind == Kind.LINE_COMMENT || kind == Kind.BLOCK_COMMENT;
    }

    /** Whether the token is the unquoted word {@code word}, compared case-insensitively. */
    public boolean isWord(String word) {
        return kind == Kind.WORD && text.equalsIgnoreCase(word);
    }

    /** Whether the token is the single-character punctuation {@code text} (e.g. {@code [} or {@code ,}). */
    public boolean isPunctuation(String text) {
        return kind == Kind.PUNCTUATION && this.text.equals(text);
    }

    /** Whether the token is an unquoted word or a quoted identifier. */
    public boolean isIdentifier() {
        return kind == Kind.WORD || kind == Kind.QUOTED_IDENTIFIER;
    }

    /** The upper-cased text of a word, for comparing with keywords. */
    public String keyword() {
        return text.toUpperCase(Locale.ROOT);
    }

    /**
     * The token's value: a word folded to lower case as PostgreSQL folds unquoted identifiers (ASCII letters only),
     * a quoted identifier or string without its quotes and with its escapes resolved, a dollar-quoted string's body,
     * a parameter's number as text; anything else as written.
     */
    public String value() {
        return switch (kind) {
            case WORD -> foldIdentifier(text);
            case QUOTED_IDENTIFIER -> unquoteIdentifier(text);
            case STRING -> unquoteString(text);
            case DOLLAR_STRING -> dollarBody(text);
            case PARAMETER -> text.substring(1);
            default -> text;
        };
    }

    /** Lower-cases ASCII letters only, like PostgreSQL's {@code downcase_identifier} for multi-byte encodings. */
    static String foldIdentifier(String word) {
        StringBuilder sb = new StringBuilder(word.length());
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            sb.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
        }
        return sb.toString();
    }

    private static String unquoteIdentifier(String text) {
        boolean unicode = text.length() > 2 && (text.charAt(0) == 'U' || text.charAt(0) == 'u');
        String quoted = unicode ? text.substring(2) : text;
        String body = stripQuotes(quoted, '"').replace("\"\"", "\"");
        return unicode ? unicodeEscapes(body) : body;
    }

    private static String unquoteString(String text) {
        char first = text.charAt(0);
        if (first == '\'') {
            return stripQuotes(text, '\'').replace("''", "'");
        }
        if (first == 'E' || first == 'e') {
            return backslashEscapes(stripQuotes(text.substring(1), '\''));
        }
        if ((first == 'U' || first == 'u') && text.length() > 1 && text.charAt(1) == '&') {
            return unicodeEscapes(stripQuotes(text.substring(2), '\'').replace("''", "'"));
        }
        // B'', X'', N'': the value is the body; bit strings keep their digits as written.
        return stripQuotes(text.substring(1), '\'').replace("''", "'");
    }

    /** Strips the opening quote and, when present, the closing one (an unterminated token has none). */
    private static String stripQuotes(String quoted, char quote) {
        boolean closed = quoted.length() >= 2 && quoted.charAt(quoted.length() - 1) == quote;
        return quoted.substring(1, closed ? quoted.length() - 1 : quoted.length());
    }

    private static String dollarBody(String text) {
        int tagEnd = text.indexOf('$', 1);
        String tag = text.substring(0, tagEnd + 1);
        if (text.length() >= 2 * tag.length() && text.endsWith(tag)) {
            return text.substring(tag.length(), text.length() - tag.length());
        }
        return text.substring(tag.length());
    }

    private static String backslashEscapes(String body) {
        StringBuilder sb = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '\'' && i + 1 < body.length() && body.charAt(i + 1) == '\'') {
                sb.append('\'');
                i++;
            } else if (c != '\\' || i + 1 >= body.length()) {
                sb.append(c);
            } else {
                char n = body.charAt(++i);
                switch (n) {
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'x' -> i = appendHex(body, i + 1, 2, sb, 16) - 1;
                    case 'u' -> i = appendCodePoint(body, i - 1, i + 1, 4, sb) - 1;
                    case 'U' -> i = appendCodePoint(body, i - 1, i + 1, 8, sb) - 1;
                    default -> {
                        if (n >= '0' && n <= '7') {
                            i = appendHex(body, i, 3, sb, 8) - 1;
                        } else {
                            sb.append(n);
                        }
                    }
                }
            }
        }
        return sb.toString();
    }

    /** Appends the byte value of up to {@code max} digits in {@code radix} at {@code from}; returns the index after. */
    private static int appendHex(String s, int from, int max, StringBuilder sb, int radix) {
        int i = from;
        int value = 0;
        while (i < s.length() && i - from < max && Character.digit(s.charAt(i), radix) >= 0) {
            value = value * radix + Character.digit(s.charAt(i), radix);
            i++;
        }
        if (i == from) {
            sb.append(radix == 16 ? 'x' : s.charAt(from)); // "\x" without digits is just "x"
            return radix == 16 ? from : from + 1;
        }
        sb.append((char) (value & 0xFF));
        return i;
    }

    /**
     * Appends the code point of the {@code digits} hex digits at {@code from}, the escape having started at
     * {@code escapeStart}; returns the index after. Invalid escapes are the database's to reject, so they are kept
     * as written.
     */
    private static int appendCodePoint(String s, int escapeStart, int from, int digits, StringBuilder sb) {
        int end = Math.min(s.length(), from + digits);
        if (end - from == digits && s.substring(from, end).chars().allMatch(SqlToken::isHexDigit)) {
            int codePoint = Integer.parseInt(s.substring(from, end), 16);
            if (Character.isValidCodePoint(codePoint)) {
                sb.appendCodePoint(codePoint);
                return end;
            }
        }
        sb.append(s, escapeStart, end);
        return end;
    }

    private static boolean isHexDigit(int c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    /** Resolves {@code \XXXX}, {@code \+XXXXXX} and {@code \\} with the default escape character. */
    private static String unicodeEscapes(String body) {
        StringBuilder sb = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c != '\\' || i + 1 >= body.length()) {
                sb.append(c);
            } else if (body.charAt(i + 1) == '\\') {
                sb.append('\\');
                i++;
            } else if (body.charAt(i + 1) == '+') {
                i = appendCodePoint(body, i, i + 2, 6, sb) - 1;
            } else {
                i = appendCodePoint(body, i, i + 1, 4, sb) - 1;
            }
        }
        return sb.toString();
    }
}
