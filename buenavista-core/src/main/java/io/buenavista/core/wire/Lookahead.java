package io.buenavista.core.wire;

import java.util.List;

/**
 * The client's messages that have already arrived but are not read yet, seen without consuming them and without
 * waiting for more: a message still on its way counts as not there. The session uses it to know what follows the
 * message it handles (whether a statement runs alone before a Sync).
 */
public interface Lookahead {

    /** Whether the next message has already arrived and is a Sync. */
    boolean nextIsSync();

    /**
     * The next messages that have already arrived whole, decoded, at most {@code maxMessages}: fewer when the rest
     * has not arrived, and none from the first one that is not well formed on (reading it reports that).
     */
    List<FrontendMessage> arrived(int maxMessages);
}
