package io.buenavista.testing.http;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A fake user-management service over real HTTP: {@code POST /user-group/list} with {@code {"userId": …}} answers
 * {@code {"alp_role_system_admin": bool, "alp_role_study_researcher": [datasetIds…]}} for the users a test
 * declared and JSON {@code null} for the others. A test may replace every answer ({@link #answerAll}) to play a
 * slow, failing or confused service; requests are recorded.
 */
public final class FakeUserManagement extends ScriptedService {
    /** The path the service answers on. */
    public static final String PATH = "/user-group/list";

    private final Map<String, String> users = new ConcurrentHashMap<>();

    private FakeUserManagement() {
        super("POST", PATH);
    }

    public static FakeUserManagement start() {
        return new FakeUserManagement();
    }


    /** Declares a system administrator. */
    public void admin(String userId) {
        users.put(userId, groups(true, List.of()));
    }

    /** Declares a non-admin researcher of these datasets. */
    public void researcher(String userId, UUID... datasets) {
        users.put(userId, groups(false, List.of(datasets).stream().map(UUID::toString).toList()));
    }

    /** Answers this body verbatim for this user. */
    public void rawAnswer(String userId, String json) {
        users.put(userId, json);
    }

    @Override
    protected FakeHttpService.Answer answer(FakeHttpService.Request request) {
        String userId;
        try {
            JsonObject body = JsonParser.parseString(request.body()).getAsJsonObject();
            userId = body.get("userId").getAsString();
        } catch (RuntimeException e) {
            return FakeHttpService.Answer.status(400);
        }
        return FakeHttpService.Answer.json(users.getOrDefault(userId, "null"));
    }

    private static String groups(boolean admin, List<String> datasets) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("alp_role_system_admin", admin);
        m.put("alp_role_study_researcher", datasets);
        return new Gson().toJson(m);
    }
}
