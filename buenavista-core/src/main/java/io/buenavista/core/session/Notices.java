package io.buenavista.core.session;

import io.buenavista.api.PgException;
import io.buenavista.core.wire.MessageWriter;

import java.io.IOException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Notices and warnings waiting for the client. Any thread may queue one (a handler's notice may come from its own
 * thread); they go out before the next CommandComplete or ReadyForQuery, which is where PostgreSQL sends them.
 */
final class Notices {
    private final Queue<PgException> pending = new ConcurrentLinkedQueue<>();
    private final MessageWriter out;

    Notices(MessageWriter out) {
        this.out = out;
    }

    void add(PgException notice) {
        pending.add(notice);
    }

    /** Sends the pending notices. */
    void send() throws IOException {
        PgException n;
        while ((n = pending.poll()) != null) {
            out.noticeResponse(n);
        }
    }

    /** Sends the pending notices, then CommandComplete. */
    void commandComplete(String tag) throws IOException {
        send();
        out.commandComplete(tag);
    }
}
