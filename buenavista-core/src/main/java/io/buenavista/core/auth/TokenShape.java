package io.buenavista.core.auth;

/**
 * Recognises text that may hold a bearer token (a JWT), so that it is neither echoed to a client nor logged: a
 * client that puts its token in the user name or the database name must not find it in an error or a log line.
 */
public final class TokenShape {
    /** What is shown instead of text that may hold a token. */
    public static final String HIDDEN = "(not shown: it looks like a token)";

    private TokenShape() {}

    /**
     * Whether {@code text} holds a JWT's shape anywhere: two base64url runs of at least two characters each followed
     * by a dot ({@code header.payload.}), or {@code eyJ} (a JSON object's start in base64url, as every JWT header
     * begins) at the start of a run of at least 11 characters, as in a token cut short. One pass over the text: a
     * regular expression with {@code find()} backtracks quadratically on a long run of letters, which a client
     * controls (10 000 characters cost seconds).
     */
    public static boolean appearsIn(String text) {
        int run = 0;
        int dottedRuns = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isBase64Url(c)) {
                if (run == 0 && text.startsWith("eyJ", i) && runLength(text, i) >= 11) {
                    return true;
                }
                run++;
            } else if (c == '.' && run >= 2) {
                if (++dottedRuns == 2) {
                    return true;
                }
                run = 0;
            } else {
                dottedRuns = 0;
                run = 0;
            }
        }
        return false;
    }

    /** {@code text} itself, or {@link #HIDDEN} when it may hold a token: for log lines. */
    public static String redact(String text) {
        return text == null || !appearsIn(text) ? text : HIDDEN;
    }

    private static int runLength(String text, int from) {
        int end = from;
        while (end < text.length() && isBase64Url(text.charAt(end))) {
            end++;
        }
        return end - from;
    }

    private static boolean isBase64Url(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }
}
