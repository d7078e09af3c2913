package io.buenavista.testing.http;

import com.google.gson.Gson;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A fake portal service over real HTTP: {@code GET /dataset?datasetId=…} answers
 * {@code {"databaseCode", "schemaName", "vocabSchemaName"}} for the datasets a test declared and 404 for the others.
 * A test may replace every answer ({@link #answerAll}); requests are recorded.
 */
public final class FakePortal extends ScriptedService {
    /** The path the service answers on. */
    public static final String PATH = "/dataset";

    private final Map<String, String> datasets = new ConcurrentHashMap<>();

    private FakePortal() {
        super("GET", PATH);
    }

    public static FakePortal start() {
        return new FakePortal();
    }


    /** Declares a dataset held in {@code databaseCode} under these schemas (a null schema is left out). */
    public void dataset(UUID datasetId, String databaseCode, String schemaName, String vocabSchemaName) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("databaseCode", databaseCode);
        if (schemaName != null) {
            m.put("schemaName", schemaName);
        }
        if (vocabSchemaName != null) {
            m.put("vocabSchemaName", vocabSchemaName);
        }
        datasets.put(datasetId.toString(), new Gson().toJson(m));
    }

    /** Answers this body verbatim for this dataset. */
    public void rawAnswer(UUID datasetId, String json) {
        datasets.put(datasetId.toString(), json);
    }

    @Override
    protected FakeHttpService.Answer answer(FakeHttpService.Request request) {
        String id = null;
        String query = request.query() == null ? "" : request.query();
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals("datasetId")) {
                id = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        String body = id == null ? null : datasets.get(id);
        return body == null ? FakeHttpService.Answer.status(404) : FakeHttpService.Answer.json(body);
    }
}
