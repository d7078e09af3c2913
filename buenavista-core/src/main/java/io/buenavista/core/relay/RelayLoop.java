package io.buenavista.core.relay;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A selector thread that moves the bytes of many relayed sessions whose two ends are plain TCP. One wake-up serves
 * every socket that became ready meanwhile, where a thread per direction wakes (a context switch) for each: with
 * many clients on few cores that decides the relay's CPU per transaction, as in PgBouncer's event loop.
 *
 * <p>Whatever one session's sockets do, the loop goes on: a failure while serving a key ends that session only.
 */
final class RelayLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RelayLoop.class);

    /** What a registered key's attachment does when its socket is ready; runs on the loop's thread. */
    interface Endpoint {
        void ready(SelectionKey key);

        /** Serving the key threw: end the session. */
        void failed(RuntimeException e);
    }

    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Run once the keys cancelled before them are off the selector (their channels may block again). */
    private List<Runnable> afterDeregistration = new ArrayList<>();
    private volatile boolean closed;

    RelayLoop(String name) {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector for the relay", e);
        }
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    Selector selector() {
        return selector;
    }

    /** Runs the task on the loop's thread, soon. */
    void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    /**
     * On the loop's thread, after cancelling keys: runs {@code task} once they are deregistered, which the
     * selector does only in its next selection.
     */
    void afterDeregistration(Runnable task) {
        afterDeregistration.add(task);
    }

    private void run() {
        while (!closed) {
            try {
                selector.select(this::serve);
                do {
                    Runnable task;
                    while ((task = tasks.poll()) != null) {
                        task.run();
                    }
                    if (!afterDeregistration.isEmpty()) {
                        List<Runnable> due = afterDeregistration;
                        afterDeregistration = new ArrayList<>();
                        // Deregisters the cancelled keys and serves what became ready. It also clears a wakeup
                        // that a task added meanwhile came with: hence the tasks' second look.
                        selector.selectNow(this::serve);
                        due.forEach(Runnable::run);
                    }
                } while (!tasks.isEmpty() || !afterDeregistration.isEmpty());
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    log.error("relay loop failure", e);
                }
            } catch (Error e) {
                try {
                    log.error("relay loop failure", e);
                } catch (RuntimeException | Error ignored) {
                    // the loop matters more than the message
                }
            }
        }
    }

    private void serve(SelectionKey key) {
        Endpoint endpoint = (Endpoint) key.attachment();
        try {
            endpoint.ready(key);
        } catch (RuntimeException e) {
            endpoint.failed(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        try {
            thread.join(1000);
            selector.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
