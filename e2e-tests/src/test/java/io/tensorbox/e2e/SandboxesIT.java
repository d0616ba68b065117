package io.tensorbox.e2e;

import static io.tensorbox.e2e.Api.as;
import static io.tensorbox.e2e.Api.assertJsonError;
import static io.tensorbox.e2e.Api.developer;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/** SPEC §3 on the local runtime. */
@TensorBoxTest
class SandboxesIT {

    @Test
    void createAnswersTheFullRecord() {
        long before = Instant.now().getEpochSecond();
        JsonPath sbx = Api.createSandbox(developer(), Map.of(
                "template", "base",
                "timeout_seconds", 600,
                "env", Map.of("GREETING", "hi"),
                "metadata", Map.of("owner", "e2e", "purpose", "fields")));
        long after = Instant.now().getEpochSecond();

        String id = sbx.getString("id");
        assertTrue(id.matches(Api.SANDBOX_ID), () -> "id " + id);
        assertEquals("base", sbx.getString("template"));
        long created = sbx.getLong("created_at");
        assertTrue(created >= before - 1 && created <= after + 1, () -> "created_at " + created + " is Unix seconds of now");
        if (Api.cluster().runtime() == RuntimeKind.LOCAL) {
            assertEquals("running", sbx.getString("state"), "the local runtime starts a sandbox at once");
        } else {
            assertTrue(Set.of("pending", "running").contains(sbx.getString("state")), () -> "state of " + sbx.prettify());
            Api.awaitSandboxState(developer(), id, "running", Duration.ofSeconds(30));
        }
        long started = Api.sandbox(Api.viewer(), id).getLong("started_at");
        long running = Instant.now().getEpochSecond();
        assertTrue(started >= created && started <= running + 1, () -> "started_at " + started);
        long expires = sbx.getLong("expires_at");
        assertTrue(Math.abs(expires - (created + 600)) <= 2, () -> "expires_at " + expires + " is created_at + timeout");
        assertEquals(Map.of("owner", "e2e", "purpose", "fields"), sbx.getMap("metadata"));
        assertEquals(Api.cluster().apiUrl() + "/v1/sandboxes/" + id, sbx.getString("runtime_url"));
        String token = sbx.getString("access_token");
        assertNotNull(token);
        assertFalse(token.isBlank());

        JsonPath got = Api.sandbox(Api.viewer(), id);
        assertEquals(id, got.getString("id"));
        assertEquals("running", got.getString("state"));
        assertEquals(created, got.getLong("created_at"));
        assertEquals(expires, got.getLong("expires_at"));
        assertEquals(sbx.getMap("metadata"), got.getMap("metadata"));

        String env = new String(Api.awaitLogs(id,
                Api.runToCompletion(id, "echo \"$GREETING\"").getString("id"), "hi\n".getBytes()));
        assertEquals("hi\n", env, "the sandbox env reaches its processes");
    }

    @Test
    void everyFieldIsOptional() {
        JsonPath sbx = Api.createSandbox(developer(), Map.of());
        assertEquals("base", sbx.getString("template"));
        assertTrue(sbx.getLong("expires_at") > sbx.getLong("created_at"));
    }

    @Test
    void listFiltersByState() {
        String running = Api.newSandbox();
        String stopped = Api.newSandbox();
        Api.deleteSandbox(developer(), stopped);

        assertTrue(ids(as(Api.viewer()).get("/v1/sandboxes")).containsAll(List.of(running, stopped)),
                "the unfiltered list has both");
        List<String> runningOnes = ids(as(Api.viewer()).queryParam("state", "running").get("/v1/sandboxes"));
        assertTrue(runningOnes.contains(running));
        assertFalse(runningOnes.contains(stopped));
        List<String> stoppedOnes = ids(as(Api.viewer()).queryParam("state", "stopped").get("/v1/sandboxes"));
        assertTrue(stoppedOnes.contains(stopped));
        assertFalse(stoppedOnes.contains(running));
        assertJsonError(as(Api.viewer()).queryParam("state", "sleepy").get("/v1/sandboxes"), 400);
    }

    @Test
    void deleteStopsTheSandbox() {
        String id = Api.newSandbox();
        as(developer()).delete("/v1/sandboxes/{id}", id).then().statusCode(204);
        assertEquals("stopped", Api.sandbox(Api.viewer(), id).getString("state"));
        as(developer()).delete("/v1/sandboxes/{id}", id).then().statusCode(204);
        assertJsonError(as(developer()).delete("/v1/sandboxes/{id}", "sbx_000000000000000000000000"), 404);
        assertJsonError(as(developer()).get("/v1/sandboxes/{id}", "sbx_000000000000000000000000"), 404);
        assertJsonError(as(developer()).get("/v1/sandboxes/{id}", "not-an-id"), 404, 400);
    }

    @Test
    void deletingASandboxKillsItsProcesses() {
        String id = Api.newSandbox();
        String first = Api.startProcess(id, "sleep", "1000").getString("id");
        String second = Api.startProcess(id, "sh", "-c", "sleep 1000").getString("id");
        long firstPid = Api.process(id, first).getLong("pid");
        long secondPid = Api.process(id, second).getLong("pid");

        Api.deleteSandbox(developer(), id);

        for (String proc : List.of(first, second)) {
            JsonPath ended = Api.awaitEnded(id, proc, Duration.ofSeconds(10));
            assertEquals("killed", ended.getString("state"), () -> proc + " after its sandbox was deleted: " + ended.prettify());
            assertEquals(-1, ended.getInt("exit_code"));
        }
        assertFalse(Api.cluster().pids().isAlive(id, firstPid), "the process is gone from the sandbox");
        assertFalse(Api.cluster().pids().isAlive(id, secondPid), "the process is gone from the sandbox");
    }

    @Test
    void expiredSandboxesStopByThemselves() {
        // Long enough for a pod to become Ready on kubernetes before it expires.
        JsonPath sbx = Api.createSandbox(developer(), Map.of("timeout_seconds", 8));
        String id = sbx.getString("id");
        assertTrue(sbx.getLong("expires_at") - sbx.getLong("created_at") <= 9);
        if (!"running".equals(sbx.getString("state"))) {
            Api.awaitSandboxState(developer(), id, "running", Duration.ofSeconds(7));
        }
        String proc = Api.startProcess(id, "sleep", "1000").getString("id");

        Api.awaitSandboxState(developer(), id, "stopped", Duration.ofSeconds(20));
        assertEquals("killed", Api.awaitEnded(id, proc, Duration.ofSeconds(10)).getString("state"),
                "an expired sandbox's processes are killed");
    }

    @Test
    void timeoutExtendsExpiry() {
        JsonPath sbx = Api.createSandbox(developer(), Map.of("timeout_seconds", 2));
        String id = sbx.getString("id");
        Response r = as(developer()).contentType(ContentType.JSON).body(Map.of("timeout_seconds", 3600))
                .post("/v1/sandboxes/{id}/timeout", id);
        assertTrue(r.statusCode() == 200 || r.statusCode() == 204, () -> "POST timeout answered " + r.statusCode() + ": " + r.asString());
        long expires = Api.sandbox(Api.viewer(), id).getLong("expires_at");
        assertTrue(expires >= Instant.now().getEpochSecond() + 3590, () -> "expires_at " + expires + " was extended by an hour");

        // The extension must hold: well past the original two seconds it is still running.
        long originalExpiry = sbx.getLong("expires_at");
        await("past the original expiry").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> Instant.now().getEpochSecond() > originalExpiry + 3);
        assertEquals("running", Api.sandbox(Api.viewer(), id).getString("state"));

        assertJsonError(as(developer()).contentType(ContentType.JSON).body(Map.of("timeout_seconds", -5))
                .post("/v1/sandboxes/{id}/timeout", id), 400);
        assertJsonError(as(developer()).contentType(ContentType.JSON).body(Map.of("timeout_seconds", 60))
                .post("/v1/sandboxes/{id}/timeout", "sbx_000000000000000000000000"), 404);
    }

    @Test
    void badCreateRequestsAreRefused() {
        int before = ids(as(Api.viewer()).get("/v1/sandboxes")).size();
        assertJsonError(as(developer()).contentType(ContentType.JSON).body(Map.of("template", "no-such-template"))
                .post("/v1/sandboxes"), 400, 404);
        assertJsonError(as(developer()).contentType(ContentType.JSON).body(Map.of("timeout_seconds", -1))
                .post("/v1/sandboxes"), 400);
        assertJsonError(as(developer()).contentType(ContentType.JSON).body(Map.of("timeout_seconds", "soon"))
                .post("/v1/sandboxes"), 400);
        assertJsonError(as(developer()).contentType(ContentType.JSON).body(Map.of("metadata", List.of("x")))
                .post("/v1/sandboxes"), 400);
        assertJsonError(as(developer()).contentType(ContentType.JSON).body("{\"template\":")
                .post("/v1/sandboxes"), 400);
        assertEquals(before, ids(as(Api.viewer()).get("/v1/sandboxes")).size(), "no sandbox was created");
    }

    private static List<String> ids(Response list) {
        assertEquals(200, list.statusCode(), list::asString);
        return Sandboxes.sandboxList(list.asString()).stream().map(n -> n.path("id").asText()).toList();
    }
}
