package io.tensorbox.e2e;

import static io.tensorbox.e2e.Api.anonymous;
import static io.tensorbox.e2e.Api.as;
import static io.tensorbox.e2e.Api.assertJsonError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/** SPEC §2: keys, roles, teams, and no existence leak across teams. */
@TensorBoxTest
class AuthIT {
    private static final Pattern KEY = Pattern.compile("ask_([A-Za-z0-9]+)_([A-Za-z0-9]+)");

    @Test
    void requestsWithoutAKeyAreUnauthorized() {
        assertJsonError(anonymous().get("/v1/sandboxes"), 401);
        assertJsonError(anonymous().contentType(ContentType.JSON).body(Map.of()).post("/v1/sandboxes"), 401);
        assertJsonError(anonymous().get("/v1/api-keys"), 401);
    }

    @Test
    void malformedAndUnknownKeysAreUnauthorized() {
        for (String header : List.of(
                "Bearer nonsense",
                "Bearer ask_",
                "Bearer ask_abc",
                "Bearer ask_0123456789ab_0123456789abcdef0123456789abcdef",
                "Bearer " + Api.admin() + "x",
                "Basic " + Api.admin(),
                Api.admin())) {
            Response r = anonymous().header("Authorization", header).get("/v1/sandboxes");
            assertJsonError(r, 401);
        }
    }

    @Test
    void wrongSecretOfAnExistingKeyIsUnauthorized() {
        Matcher m = KEY.matcher(Api.developer());
        assertTrue(m.matches());
        String forged = "ask_" + m.group(1) + "_" + "0".repeat(m.group(2).length());
        assertJsonError(as(forged).get("/v1/sandboxes"), 401);
    }

    @Test
    void viewerReadsButCannotChangeAnything() {
        String sandbox = Api.newSandbox();
        String process = Api.startProcess(sandbox, "sleep", "1000").getString("id");

        as(Api.viewer()).get("/v1/sandboxes").then().statusCode(200);
        as(Api.viewer()).get("/v1/sandboxes/{id}", sandbox).then().statusCode(200);
        as(Api.viewer()).get("/v1/sandboxes/{id}/processes", sandbox).then().statusCode(200);
        as(Api.viewer()).get("/v1/sandboxes/{id}/processes/{p}", sandbox, process).then().statusCode(200);
        as(Api.viewer()).get("/v1/sandboxes/{id}/processes/{p}/logs", sandbox, process).then().statusCode(200);

        assertJsonError(as(Api.viewer()).contentType(ContentType.JSON).body(Map.of()).post("/v1/sandboxes"), 403);
        assertJsonError(Api.postProcess(Api.viewer(), sandbox, Map.of("command", List.of("true"))), 403);
        assertJsonError(as(Api.viewer()).delete("/v1/sandboxes/{id}/processes/{p}", sandbox, process), 403);
        assertJsonError(as(Api.viewer()).delete("/v1/sandboxes/{id}", sandbox), 403);
        assertJsonError(as(Api.viewer()).contentType(ContentType.JSON).body(Map.of("timeout_seconds", 60))
                .post("/v1/sandboxes/{id}/timeout", sandbox), 403);
        assertJsonError(as(Api.viewer()).get("/v1/api-keys"), 403);

        assertEquals("running", Api.sandbox(Api.viewer(), sandbox).getString("state"), "a refused DELETE changed nothing");
        assertEquals("running", Api.process(sandbox, process).getString("state"), "a refused kill changed nothing");
        assertEquals(1, Api.processes(Api.viewer(), sandbox).size(), "a refused POST created nothing");
    }

    @Test
    void developerRunsSandboxesAndProcessesButCannotManageKeys() {
        String sandbox = Api.newSandbox(Api.developer());
        String process = Api.startProcess(sandbox, "sleep", "1000").getString("id");
        as(Api.developer()).delete("/v1/sandboxes/{id}/processes/{p}", sandbox, process).then().statusCode(204);

        assertJsonError(as(Api.developer()).get("/v1/api-keys"), 403);
        assertJsonError(as(Api.developer()).contentType(ContentType.JSON)
                .body(Map.of("name", "escalate", "role", "admin")).post("/v1/api-keys"), 403);
        assertJsonError(as(Api.developer()).contentType(ContentType.JSON)
                .body(Map.of("name", "other")).post("/v1/teams"), 403);
        Api.deleteSandbox(Api.developer(), sandbox);
    }

    @Test
    void adminCreatesListsAndRevokesKeys() {
        JsonPath created = Api.createKey(Api.admin(), "ci-bot", "developer");
        String id = created.getString("id");
        String key = created.getString("key");
        assertNotNull(id);
        assertEquals("ci-bot", created.getString("name"));
        assertEquals("developer", created.getString("role"));
        assertNotNull(created.getString("team"));
        assertTrue(created.getLong("created_at") > 1_600_000_000L, "created_at in Unix seconds");
        assertTrue(created.getLong("created_at") < 10_000_000_000L, "created_at in Unix seconds, not ms");
        Matcher m = KEY.matcher(key);
        assertTrue(m.matches(), () -> "key " + key + " is not ask_<keyid>_<secret>");
        String secret = m.group(2);

        as(key).get("/v1/sandboxes").then().statusCode(200);

        Response list = as(Api.admin()).get("/v1/api-keys");
        list.then().statusCode(200).contentType(ContentType.JSON);
        String listed = list.asString();
        assertTrue(listed.contains(id), () -> "the new key is not listed: " + listed);
        assertFalse(listed.contains(secret), () -> "the list shows a secret: " + listed);
        assertFalse(listed.contains(key), () -> "the list shows a full key: " + listed);
        assertFalse(listed.contains(Api.admin()), () -> "the list shows the admin key: " + listed);

        as(Api.admin()).delete("/v1/api-keys/{id}", id).then().statusCode(204);
        assertJsonError(as(key).get("/v1/sandboxes"), 401);
        assertJsonError(as(key).contentType(ContentType.JSON).body(Map.of()).post("/v1/sandboxes"), 401);
    }

    @Test
    void keyCreationValidatesItsInput() {
        assertJsonError(as(Api.admin()).contentType(ContentType.JSON).body(Map.of("name", "x", "role", "root"))
                .post("/v1/api-keys"), 400);
        assertJsonError(as(Api.admin()).contentType(ContentType.JSON).body("{\"name\":")
                .post("/v1/api-keys"), 400);
        assertJsonError(as(Api.admin()).delete("/v1/api-keys/{id}", "does-not-exist"), 404);
    }

    @Test
    void teamsAreIsolatedWithoutLeakingExistence() {
        String sandbox = Api.newSandbox(Api.developer());
        String process = Api.startProcess(sandbox, "sleep", "1000").getString("id");

        JsonPath team = as(Api.admin()).contentType(ContentType.JSON).body(Map.of("name", "other-team"))
                .post("/v1/teams").then().statusCode(201).extract().jsonPath();
        assertNotNull(team.getString("id"));
        assertEquals("other-team", team.getString("name"));
        String otherAdmin = team.getString("admin_key");
        assertTrue(KEY.matcher(otherAdmin).matches(), () -> "admin_key " + otherAdmin);

        assertJsonError(as(otherAdmin).get("/v1/sandboxes/{id}", sandbox), 404);
        assertJsonError(as(otherAdmin).get("/v1/sandboxes/{id}/processes", sandbox), 404);
        assertJsonError(as(otherAdmin).get("/v1/sandboxes/{id}/processes/{p}", sandbox, process), 404);
        assertJsonError(as(otherAdmin).get("/v1/sandboxes/{id}/processes/{p}/logs", sandbox, process), 404);
        assertJsonError(as(otherAdmin).delete("/v1/sandboxes/{id}/processes/{p}", sandbox, process), 404);
        assertJsonError(Api.postProcess(otherAdmin, sandbox, Map.of("command", List.of("true"))), 404);
        assertJsonError(as(otherAdmin).delete("/v1/sandboxes/{id}", sandbox), 404);
        String theirList = as(otherAdmin).get("/v1/sandboxes").then().statusCode(200).extract().asString();
        assertFalse(theirList.contains(sandbox), () -> "another team lists our sandbox: " + theirList);
        assertFalse(as(otherAdmin).get("/v1/api-keys").asString().contains("e2e-developer"),
                "another team lists our keys");
        assertJsonError(as(otherAdmin).contentType(ContentType.JSON).body(Map.of("name", "third"))
                .post("/v1/teams"), 403);

        assertEquals("running", Api.process(sandbox, process).getString("state"), "the refused kill changed nothing");
        assertEquals("running", Api.sandbox(Api.viewer(), sandbox).getString("state"), "the refused delete changed nothing");

        String theirs = Api.newSandbox(otherAdmin);
        assertJsonError(as(Api.admin()).get("/v1/sandboxes/{id}", theirs), 404);
    }
}
