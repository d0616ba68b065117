package io.tensorbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.tensorbox.api.Api.as;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
class ProcessTest {

    @Test
    void anExitThatOvertakesTheStartAnswerIsKept() {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        String id = as(key).body(Map.of("command", List.of("exits-before-the-answer")))
                .post("/v1/sandboxes/" + sbx + "/processes").then().statusCode(201)
                .body("state", equalTo("exited")).body("exit_code", equalTo(3)).body("pid", equalTo(4242))
                .extract().path("id");
        as(key).get("/v1/sandboxes/" + sbx + "/processes/" + id).then()
                .body("state", equalTo("exited")).body("exit_code", equalTo(3));
    }

    @Test
    void malformedIdsAndOversizedBodiesAreJsonErrors() {
        String key = Api.newTeam();
        as(key).get("/v1/sandboxes/%00").then().statusCode(404).body("error.code", equalTo("sandbox_not_found"));
        as(key).delete("/v1/api-keys/%00").then().statusCode(404).body("error.code", equalTo("api_key_not_found"));
        String sbx = Api.sandbox(key);
        String huge = "{\"command\":[\"" + "a".repeat(2 * 1024 * 1024) + "\"]}";
        as(key).body(huge).post("/v1/sandboxes/" + sbx + "/processes").then().statusCode(413)
                .body("error.code", equalTo("payload_too_large"));
        as(key).get("/v1/sandboxes/" + sbx + "/processes").then().body("processes", org.hamcrest.Matchers.empty());
    }

    @Test
    void startAnswersTheSeedRecordAndSendsTheSpecToTheScheduler() {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        long before = Instant.now().getEpochSecond();
        JsonPath p = as(key).body(Map.of("command", List.of("pnpm", "dev", "--host", "0.0.0.0"),
                        "env", List.of("PORT=3000", "NODE_ENV=development"), "cwd", "./myapp/src/../"))
                .post("/v1/sandboxes/" + sbx + "/processes").then().statusCode(201)
                .body("sandbox_id", equalTo(sbx))
                .body("command", contains("pnpm", "dev", "--host", "0.0.0.0"))
                .body("pid", equalTo(4242))
                .body("state", equalTo("running"))
                .body("exit_code", equalTo(-1))
                .body("exited_at", equalTo(0))
                .extract().jsonPath();
        assertEquals(Set.of("id", "sandbox_id", "command", "pid", "state", "exit_code", "started_at", "exited_at"),
                p.getMap("").keySet());
        String id = p.getString("id");
        assertTrue(id.matches("proc_[0-9a-f]{24}"), id);
        long startedAt = p.getLong("started_at");
        assertTrue(startedAt >= before && startedAt <= before + 5, "started_at in Unix seconds: " + startedAt);

        JsonNode spec = FakeRuntime.processSpecs.stream().filter(s -> s.path("id").asText().equals(id))
                .findFirst().orElseThrow();
        assertEquals("myapp", spec.path("cwd").asText());
        assertEquals("PORT=3000", spec.path("env").path(0).asText());
        assertEquals("pnpm", spec.path("command").path(0).asText());

        as(key).get("/v1/sandboxes/" + sbx + "/processes/" + id).then().statusCode(200)
                .body("id", equalTo(id)).body("state", equalTo("running"));
        as(key).get("/v1/sandboxes/" + sbx + "/processes").then().statusCode(200)
                .body("processes.id", contains(id));
    }

    @Test
    void killSignalsTheSchedulerAndRecordsKilled() {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        String id = start(key, sbx, "sleep", "1000");
        as(key).delete("/v1/sandboxes/" + sbx + "/processes/" + id).then().statusCode(204);
        assertTrue(FakeRuntime.signals.contains(id + " KILL"));
        as(key).get("/v1/sandboxes/" + sbx + "/processes/" + id).then()
                .body("state", equalTo("killed")).body("exit_code", equalTo(-1));
        as(key).delete("/v1/sandboxes/" + sbx + "/processes/" + id).then().statusCode(204);
        assertEquals(1, FakeRuntime.signals.stream().filter(s -> s.startsWith(id)).count(), "an ended process is not signalled");
        as(key).delete("/v1/sandboxes/" + sbx + "/processes/proc_000000000000000000000000").then().statusCode(404)
                .body("error.code", equalTo("process_not_found"));
        as(key).get("/v1/sandboxes/" + sbx + "/processes/nonsense").then().statusCode(404);
    }

    @Test
    void viewerMayReadButNotStartOrKill() {
        String admin = Api.newTeam();
        String viewer = Api.key(admin, "viewer");
        String sbx = Api.sandbox(admin);
        String id = start(admin, sbx, "sleep", "5");
        as(viewer).body(Map.of("command", List.of("true"))).post("/v1/sandboxes/" + sbx + "/processes").then().statusCode(403);
        as(viewer).delete("/v1/sandboxes/" + sbx + "/processes/" + id).then().statusCode(403);
        as(viewer).get("/v1/sandboxes/" + sbx + "/processes").then().statusCode(200).body("processes.id", contains(id));
    }

    @Test
    void failedStartIsStillARecord() {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        as(key).body(Map.of("command", List.of("no-such-command"))).post("/v1/sandboxes/" + sbx + "/processes")
                .then().statusCode(201).body("state", equalTo("failed")).body("exit_code", equalTo(-1))
                .body("exited_at", org.hamcrest.Matchers.greaterThan(0));
    }

    @Test
    void stoppedSandboxIs409() {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        as(key).delete("/v1/sandboxes/" + sbx).then().statusCode(204);
        as(key).body(Map.of("command", List.of("true"))).post("/v1/sandboxes/" + sbx + "/processes").then()
                .statusCode(409).body("error.code", equalTo("sandbox_not_running"));
        as(key).get("/v1/sandboxes/" + sbx + "/processes").then().body("processes", empty());
    }

    @Test
    void invalidRequestsAre400NamingTheFieldAndStartNothing() {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        int specsBefore = FakeRuntime.processSpecs.size();
        Map<String, String> cases = Map.ofEntries(
                Map.entry("{}", "command"),
                Map.entry("{\"command\": []}", "command"),
                Map.entry("{\"command\": \"ls -la\"}", "command"),
                Map.entry("{\"command\": [1, 2]}", "command[0]"),
                Map.entry("{\"command\": [\"ls\", null]}", "command[1]"),
                Map.entry("{\"command\": [\"\"]}", "command[0]"),
                Map.entry("{\"command\": [\"ls\"], \"env\": [\"NOEQUALS\"]}", "env[0]"),
                Map.entry("{\"command\": [\"ls\"], \"env\": [\"A=1\", \"1A=2\"]}", "env[1]"),
                Map.entry("{\"command\": [\"ls\"], \"env\": {\"A\": \"1\"}}", "env"),
                Map.entry("{\"command\": [\"ls\"], \"cwd\": \"/etc\"}", "cwd"),
                Map.entry("{\"command\": [\"ls\"], \"cwd\": \"../x\"}", "cwd"),
                Map.entry("{\"command\": [\"ls\"], \"cwd\": \"a/../../x\"}", "cwd"),
                Map.entry("{\"command\": [\"ls\"], \"cwd\": 5}", "cwd"));
        cases.forEach((body, field) -> as(key).body(body).post("/v1/sandboxes/" + sbx + "/processes").then()
                .statusCode(400)
                .body("error.message", matchesPattern("(?s).*'" + java.util.regex.Pattern.quote(field) + "'.*")));
        as(key).get("/v1/sandboxes/" + sbx + "/processes").then().body("processes", empty());
        assertEquals(specsBefore, FakeRuntime.processSpecs.size());
    }

    @Test
    void exitEventsAreAppliedOnceInSecondsAndUnknownIdsIgnored() {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        String exits = start(key, sbx, "make", "test");
        long exitedMs = Instant.now().toEpochMilli();
        event(exits, sbx, "exited", 3, exitedMs);
        event(exits, sbx, "exited", 0, exitedMs + 5000);
        event(exits, sbx, "killed", -1, exitedMs + 9000);
        as(key).get("/v1/sandboxes/" + sbx + "/processes/" + exits).then()
                .body("state", equalTo("exited")).body("exit_code", equalTo(3))
                .body("exited_at", equalTo((int) (exitedMs / 1000)));

        String killed = start(key, sbx, "sleep", "100");
        event(killed, sbx, "killed", 137, exitedMs);
        as(key).get("/v1/sandboxes/" + sbx + "/processes/" + killed).then()
                .body("state", equalTo("killed")).body("exit_code", equalTo(-1));

        event("proc_ffffffffffffffffffffffff", sbx, "exited", 0, exitedMs);
        as(key).get("/v1/sandboxes/" + sbx + "/processes").then().body("processes.id", containsInAnyOrder(exits, killed));
    }

    static String start(String key, String sbx, String... argv) {
        return as(key).body(Map.of("command", List.of(argv))).post("/v1/sandboxes/" + sbx + "/processes")
                .then().statusCode(201).extract().path("id");
    }

    @Test
    void anExitEventNamingAnotherSandboxChangesNothing() {
        String victimKey = Api.newTeam();
        String victimSandbox = Api.sandbox(victimKey);
        String victim = start(victimKey, victimSandbox, "sleep", "1000");
        String attackerSandbox = Api.sandbox(Api.newTeam());
        long now = Instant.now().toEpochMilli();

        event(victim, attackerSandbox, "killed", -1, now);
        event(victim, attackerSandbox, "exited", 0, now);
        as(victimKey).get("/v1/sandboxes/" + victimSandbox + "/processes/" + victim).then()
                .body("state", equalTo("running")).body("exit_code", equalTo(-1)).body("exited_at", equalTo(0));

        event(victim, victimSandbox, "exited", 0, now);
        as(victimKey).get("/v1/sandboxes/" + victimSandbox + "/processes/" + victim).then()
                .body("state", equalTo("exited")).body("exit_code", equalTo(0));
    }

    @Test
    void malformedEventsAre400AndChangeNothing() {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        String proc = start(key, sbx, "sleep", "1000");
        List<String> bodies = List.of(
                "{\"id\":\"../../procs/" + proc + "\",\"sandboxId\":\"" + sbx + "\",\"state\":\"exited\"}",
                "{\"id\":\"" + proc + "\",\"state\":\"exited\"}",
                "{\"id\":\"" + proc + "\",\"sandboxId\":\"sbx_x\",\"state\":\"exited\"}",
                "{\"id\":\"" + proc + "\",\"sandboxId\":\"" + sbx.toUpperCase() + "\",\"state\":\"exited\"}",
                "{\"id\":\"" + proc + "\",\"sandboxId\":\"" + sbx + "\"}",
                "{\"id\":\"" + proc + "\",\"sandboxId\":\"" + sbx + "\",\"state\":\"running\"}",
                "{\"id\":\"" + proc + "\",\"sandboxId\":\"" + sbx + "\",\"state\":\"sleeping\"}",
                "{\"id\":\"" + proc + "\",\"sandboxId\":\"" + sbx + "\",\"state\":\"exited\",\"exitCode\":300}",
                "{\"id\":\"" + proc + "\",\"sandboxId\":\"" + sbx + "\",\"state\":\"exited\",\"exitedAtMs\":-5}",
                "[]");
        for (String body : bodies) {
            Api.internal().body(body).post("/internal/v1/events/process").then().statusCode(400)
                    .body("error.code", org.hamcrest.Matchers.startsWith("invalid_"));
        }
        as(key).get("/v1/sandboxes/" + sbx + "/processes/" + proc).then().body("state", equalTo("running"));
    }

    @Test
    void aStartThatCouldNotBeConfirmedIsFailedButItsLaterExitIsRecorded() {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        as(key).body(Map.of("command", List.of("start-unconfirmed"))).post("/v1/sandboxes/" + sbx + "/processes")
                .then().statusCode(503).body("error.code", equalTo("runtime_unavailable"));
        String id = as(key).get("/v1/sandboxes/" + sbx + "/processes").then()
                .body("processes.state", contains("failed")).extract().path("processes[0].id");

        // the scheduler had started it after all: its exit is reported later
        long exitedMs = Instant.now().toEpochMilli();
        event(id, sbx, "exited", 7, exitedMs);
        as(key).get("/v1/sandboxes/" + sbx + "/processes/" + id).then()
                .body("state", equalTo("exited")).body("exit_code", equalTo(7)).body("pid", equalTo(4242))
                .body("exited_at", equalTo((int) (exitedMs / 1000)));
        event(id, sbx, "killed", -1, exitedMs + 5000);
        as(key).get("/v1/sandboxes/" + sbx + "/processes/" + id).then().body("state", equalTo("exited"));

        // a start the scheduler answered as failed stays failed
        String failed = as(key).body(Map.of("command", List.of("no-such-command")))
                .post("/v1/sandboxes/" + sbx + "/processes").then().statusCode(201).extract().path("id");
        event(failed, sbx, "exited", 0, exitedMs);
        as(key).get("/v1/sandboxes/" + sbx + "/processes/" + failed).then().body("state", equalTo("failed"));
    }

    @Test
    void aChunkedBodyPastTheLimitIs413Json() throws Exception {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        int specsBefore = FakeRuntime.processSpecs.size();
        byte[] huge = ("{\"command\":[\"" + "a".repeat(3 * 1024 * 1024) + "\"]}").getBytes(StandardCharsets.UTF_8);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + RestAssured.port + "/v1/sandboxes/" + sbx + "/processes"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                // no length: sent chunked
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(huge))).build(),
                HttpResponse.BodyHandlers.ofString());
        String answer = response.body().substring(0, Math.min(300, response.body().length()));
        assertEquals(413, response.statusCode(), answer);
        assertTrue(response.body().contains("\"payload_too_large\""), answer);
        as(key).get("/v1/sandboxes/" + sbx + "/processes").then().body("processes", empty());
        assertEquals(specsBefore, FakeRuntime.processSpecs.size());
        // a body within the limit still goes through chunked
        byte[] small = "{\"command\":[\"true\"]}".getBytes(StandardCharsets.UTF_8);
        assertEquals(201, http.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + RestAssured.port + "/v1/sandboxes/" + sbx + "/processes"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(small))).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    private static void event(String proc, String sbx, String state, int code, long exitedAtMs) {
        Api.internal()
                .body(Map.of("id", proc, "sandboxId", sbx, "state", state, "pid", 4242, "exitCode", code,
                        "startedAtMs", exitedAtMs - 1000, "exitedAtMs", exitedAtMs, "reason", ""))
                .post("/internal/v1/events/process").then().statusCode(204);
    }
}
