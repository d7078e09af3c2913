package io.buenavista.testing.http;

import java.net.URI;
import java.util.List;

/**
 * What the fake platform services share: one {@link FakeHttpService} answering one route, an answer a test may force
 * on every request, outages, and the requests received.
 */
public abstract class ScriptedService implements AutoCloseable {
    private final FakeHttpService http = FakeHttpService.start();
    private volatile FakeHttpService.Answer override;

    /** Serves {@code method path} with the forced answer if any, else {@link #answer}. */
    protected ScriptedService(String method, String path) {
        http.route(method, path, request -> {
            FakeHttpService.Answer forced = override;
            return forced != null ? forced : answer(request);
        });
    }

    /** The service's own answer to a request. */
    protected abstract FakeHttpService.Answer answer(FakeHttpService.Request request);

    /** The service's base URL. */
    public URI url() {
        return http.url();
    }

    /** Every request gets this answer (null: back to the service's own answers). */
    public void answerAll(FakeHttpService.Answer answer) {
        this.override = answer;
    }

    /** Refuses connections until {@link #up()}. */
    public void down() {
        http.down();
    }

    public void up() {
        http.up();
    }

    /** The requests received. */
    public List<FakeHttpService.Request> requests() {
        return http.requests();
    }

    public void clearRequests() {
        http.clearRequests();
    }

    @Override
    public void close() {
        http.close();
    }
}
