package io.buenavista.core.sql;

import io.buenavista.api.PgException;
import io.buenavista.api.SqlState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses the {@code options} startup parameter as PostgreSQL does: split into arguments like
 * {@code pg_split_opts}, then read {@code -c name=value}, {@code -cname=value} and {@code --name=value} switches.
 *
 * <p>Only these switches are supported; PostgreSQL's other server switches ({@code -B}, {@code -e}, {@code -S}, …)
 * are rejected like an unknown switch. Stateless; all methods are static.
 */
public final class StartupOptions {
    private StartupOptions() {}

    /**
     * The settings given in {@code options}, in order, names lower-cased with {@code -} turned into {@code _} (as
     * PostgreSQL does for both forms); a setting given twice keeps its last value.
     *
     * @param options the {@code options} parameter, or null
     * @throws PgException {@code FATAL 42601} with PostgreSQL's message for a malformed argument
     */
    public static Map<String, String> parse(String options) {
        Map<String, String> settings = new LinkedHashMap<>();
        if (options == null) {
            return settings;
        }
        List<String> args = splitArguments(options);
        int i = 0;
        while (i < args.size()) {
            String arg = args.get(i);
            if (arg.equals("--")) {
                // getopt's end of switches; PostgreSQL then refuses any argument that follows.
                if (i + 1 < args.size()) {
                    throw invalidArgument(args.get(i + 1));
                }
                break;
            }
            String setting;
            String spelled;
            if (arg.startsWith("--")) {
                setting = arg.substring(2);
                spelled = "--" + setting;
            } else if (arg.startsWith("-c")) {
                if (arg.length() > 2) {
                    setting = arg.substring(2);
                } else if (i + 1 < args.size()) {
                    setting = args.get(++i);
                } else {
                    throw invalidArgument(arg); // getopt: the switch lacks its argument
                }
                spelled = "-c " + setting;
            } else {
                throw invalidArgument(arg);
            }
            int equals = setting.indexOf('=');
            if (equals < 0) {
                throw PgException.fatal(SqlState.SYNTAX_ERROR, spelled + " requires a value");
            }
            String name = setting.substring(0, equals).replace('-', '_').toLowerCase(Locale.ROOT);
            settings.put(name, setting.substring(equals + 1));
            i++;
        }
        return settings;
    }

    /**
     * Splits {@code options} into arguments like PostgreSQL's {@code pg_split_opts}: whitespace separates
     * arguments and a backslash makes the next character literal ({@code \ } is a space, {@code \\} a backslash).
     */
    public static List<String> splitArguments(String options) {
        List<String> args = new ArrayList<>();
        int i = 0;
        int n = options.length();
        while (i < n) {
            while (i < n && isSpace(options.charAt(i))) {
                i++;
            }
            if (i >= n) {
                break;
            }
            StringBuilder arg = new StringBuilder();
            boolean escaped = false;
            while (i < n) {
                char c = options.charAt(i);
                if (isSpace(c) && !escaped) {
                    break;
                }
                if (!escaped && c == '\\') {
                    escaped = true;
                } else {
                    escaped = false;
                    arg.append(c);
                }
                i++;
            }
            args.add(arg.toString());
        }
        return args;
    }

    /** C's {@code isspace} in the C locale. */
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u000b';
    }

    private static PgException invalidArgument(String arg) {
        return PgException.fatal(SqlState.SYNTAX_ERROR, "invalid command-line argument for server process: " + arg)
                .withHint("Try \"postgres --help\" for more information.");
    }
}
