package io.tensorbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

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

    private static void event(String proc, String sbx, String state, int code, long exitedAtMs) {
        RestAssured.given().contentType("application/json")
                .body(Map.of("id", proc, "sandboxId", sbx, "state", state, "pid", 4242, "exitCode", code,
                        "startedAtMs", exitedAtMs - 1000, "exitedAtMs", exitedAtMs, "reason", ""))
                .post("/internal/v1/events/process").then().statusCode(204);
    }
}
