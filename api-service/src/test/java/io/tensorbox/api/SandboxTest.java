package io.tensorbox.api;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.restassured.RestAssured.given;
import static io.tensorbox.api.Api.as;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
class SandboxTest {

    @Inject
    AgroalDataSource db;

    @AfterEach
    void schedulerUp() {
        FakeRuntime.sandboxState = "running";
    }

    @Test
    void createAnswersExactlyTheDocumentedFieldsAndAsksTheScheduler() throws Exception {
        String key = Api.newTeam();
        long before = Instant.now().getEpochSecond();
        JsonPath created = as(key).body(Map.of("template", "python", "timeout_seconds", 600,
                        "env", Map.of("FOO", "bar"), "metadata", Map.of("owner", "ci")))
                .post("/v1/sandboxes").then().statusCode(201)
                .body("state", equalTo("running"))
                .body("template", equalTo("python"))
                .body("metadata.owner", equalTo("ci"))
                .body("access_token", matchesPattern("sat_[0-9a-f]{48}"))
                .extract().jsonPath();
        String id = created.getString("id");
        assertTrue(id.matches("sbx_[0-9a-f]{24}"), id);
        assertEquals(Set.of("id", "template", "state", "created_at", "started_at", "expires_at", "metadata",
                "runtime_url", "access_token"), created.getMap("").keySet());
        assertEquals("http://localhost:8080/v1/sandboxes/" + id, created.getString("runtime_url"));
        long createdAt = created.getLong("created_at");
        assertTrue(createdAt >= before && createdAt <= before + 5, "created_at in Unix seconds");
        assertEquals(createdAt + 600, created.getLong("expires_at"));
        assertTrue(created.getLong("started_at") >= createdAt);

        var spec = FakeRuntime.sandboxSpecs.stream().filter(s -> s.path("id").asText().equals(id)).findFirst().orElseThrow();
        assertEquals("python", spec.path("template").asText());
        assertEquals("bar", spec.path("env").path("FOO").asText());

        JsonPath got = as(key).get("/v1/sandboxes/" + id).then().statusCode(200).extract().jsonPath();
        assertEquals(Set.of("id", "template", "state", "created_at", "started_at", "expires_at", "metadata",
                "runtime_url"), got.getMap("").keySet(), "the access token is shown once");

        try (Connection c = db.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT access_token_hash FROM sandboxes WHERE id = ?")) {
            q.setString(1, id);
            ResultSet row = q.executeQuery();
            assertTrue(row.next());
            assertEquals(AuthTest.sha256(created.getString("access_token")), row.getString(1));
        }
    }

    @Test
    void emptyBodyGivesDefaults() {
        String key = Api.newTeam();
        JsonPath created = as(key).post("/v1/sandboxes").then().statusCode(201)
                .body("template", equalTo("base")).extract().jsonPath();
        assertEquals(300, created.getLong("expires_at") - created.getLong("created_at"));
    }

    @Test
    void listFiltersByStateAndGetDeleteWork() {
        String key = Api.newTeam();
        String a = Api.sandbox(key);
        String b = Api.sandbox(key);
        as(key).get("/v1/sandboxes").then().statusCode(200).body("sandboxes.id", containsInAnyOrder(a, b));
        as(key).delete("/v1/sandboxes/" + a).then().statusCode(204);
        assertTrue(FakeRuntime.deletedSandboxes.contains(a));
        as(key).get("/v1/sandboxes/" + a).then().statusCode(200).body("state", equalTo("stopped"));
        as(key).get("/v1/sandboxes?state=running").then().body("sandboxes.id", contains(b));
        as(key).get("/v1/sandboxes?state=stopped").then().body("sandboxes.id", contains(a));
        as(key).get("/v1/sandboxes?state=failed").then().body("sandboxes", empty());
        as(key).get("/v1/sandboxes?state=sleeping").then().statusCode(400).body("error.message", matchesPattern(".*'state'.*"));
        as(key).delete("/v1/sandboxes/" + a).then().statusCode(204);
        as(key).delete("/v1/sandboxes/sbx_000000000000000000000000").then().statusCode(404);
    }

    @Test
    void deletingASandboxKillsItsRunningProcesses() {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        String proc = as(key).body(Map.of("command", List.of("sleep", "100"))).post("/v1/sandboxes/" + sbx + "/processes")
                .then().statusCode(201).extract().path("id");
        as(key).delete("/v1/sandboxes/" + sbx).then().statusCode(204);
        as(key).get("/v1/sandboxes/" + sbx + "/processes/" + proc).then().statusCode(200)
                .body("state", equalTo("killed")).body("exit_code", equalTo(-1))
                .body("exited_at", greaterThanOrEqualTo((int) (Instant.now().getEpochSecond() - 5)));
    }

    @Test
    void invalidRequestsAre400NamingTheFieldAndCreateNothing() {
        String key = Api.newTeam();
        Map<String, String> cases = Map.of(
                "{\"timeout_seconds\": 0}", "timeout_seconds",
                "{\"timeout_seconds\": 86401}", "timeout_seconds",
                "{\"timeout_seconds\": \"60\"}", "timeout_seconds",
                "{\"timeout_seconds\": 1.5}", "timeout_seconds",
                "{\"template\": \"nope\"}", "template",
                "{\"template\": 3}", "template",
                "{\"env\": {\"1BAD\": \"x\"}}", "env",
                "{\"env\": [\"A=b\"]}", "env",
                "{\"metadata\": {\"k\": 1}}", "metadata",
                "{\"metadata\": \"x\"}", "metadata");
        cases.forEach((body, field) -> as(key).body(body).post("/v1/sandboxes").then()
                .statusCode(400)
                .body("error.code", equalTo("invalid_request"))
                .body("error.message", matchesPattern("(?s).*'" + field + "[.'\\[].*")));
        as(key).body("{not json").post("/v1/sandboxes").then().statusCode(400).body("error.code", equalTo("invalid_json"));
        as(key).body("[]").post("/v1/sandboxes").then().statusCode(400);
        RestAssured.given().header("Authorization", "Bearer " + key).contentType("text/plain").body("x")
                .post("/v1/sandboxes").then().statusCode(415).body("error.code", equalTo("unsupported_media_type"));
        as(key).get("/v1/sandboxes").then().body("sandboxes", empty());
    }

    @Test
    void timeoutIsResetFromNowAndValidated() {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        long now = Instant.now().getEpochSecond();
        long expires = as(key).body(Map.of("timeout_seconds", 7200)).post("/v1/sandboxes/" + sbx + "/timeout")
                .then().statusCode(200).extract().jsonPath().getLong("expires_at");
        assertTrue(expires >= now + 7200 && expires <= now + 7205);
        as(key).body(Map.of("timeout_seconds", -1)).post("/v1/sandboxes/" + sbx + "/timeout").then().statusCode(400)
                .body("error.message", matchesPattern(".*'timeout_seconds'.*"));
        as(key).body("{}").post("/v1/sandboxes/" + sbx + "/timeout").then().statusCode(400);
        as(key).delete("/v1/sandboxes/" + sbx).then().statusCode(204);
        as(key).body(Map.of("timeout_seconds", 60)).post("/v1/sandboxes/" + sbx + "/timeout").then().statusCode(409);
    }

    @Test
    void sandboxPastItsTimeoutIsStopped() {
        String key = Api.newTeam();
        String sbx = as(key).body(Map.of("timeout_seconds", 1)).post("/v1/sandboxes").then().statusCode(201)
                .extract().path("id");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                as(key).get("/v1/sandboxes/" + sbx).then().body("state", equalTo("stopped")));
        assertTrue(FakeRuntime.deletedSandboxes.contains(sbx));
    }

    @Test
    void unreachableSchedulerGives503AndAFailedSandbox() {
        String key = Api.newTeam();
        FakeRuntime.sandboxState = null;
        as(key).body("{}").post("/v1/sandboxes").then().statusCode(503).body("error.code", equalTo("runtime_unavailable"));
        as(key).get("/v1/sandboxes").then().body("sandboxes.state", contains("failed"));
    }

    @Test
    void pendingSandboxBecomesRunningThenStoppedThroughSchedulerEvents() {
        String key = Api.newTeam();
        FakeRuntime.sandboxState = "pending";
        String sbx = as(key).body("{}").post("/v1/sandboxes").then().statusCode(201)
                .body("state", equalTo("pending")).body("started_at", equalTo(0)).extract().path("id");
        as(key).body(Map.of("command", List.of("true"))).post("/v1/sandboxes/" + sbx + "/processes").then().statusCode(409)
                .body("error.code", equalTo("sandbox_not_running"));
        event(sbx, "running");
        as(key).get("/v1/sandboxes/" + sbx).then().body("state", equalTo("running"))
                .body("started_at", not(equalTo(0)));
        event(sbx, "stopped");
        event(sbx, "running");
        as(key).get("/v1/sandboxes/" + sbx).then().body("state", equalTo("stopped"));
        as(key).get("/v1/sandboxes?state=running").then().body("sandboxes.id", not(hasItem(sbx)));
    }

    @Test
    void liveRecordsForTheReconcilerListPendingAndRunningWithTheirSpec() {
        String key = Api.newTeam();
        FakeRuntime.sandboxState = "pending";
        String pending = as(key).body(Map.of("env", Map.of("K", "v"))).post("/v1/sandboxes").then().statusCode(201)
                .extract().path("id");
        FakeRuntime.sandboxState = "running";
        String running = as(key).body("{}").post("/v1/sandboxes").then().statusCode(201).extract().path("id");
        String stopped = as(key).body("{}").post("/v1/sandboxes").then().statusCode(201).extract().path("id");
        as(key).delete("/v1/sandboxes/" + stopped).then().statusCode(204);

        Api.internal().get("/internal/v1/sandboxes/live").then().statusCode(200)
                .body("find { it.spec.id == '" + pending + "' }.state", equalTo("pending"))
                .body("find { it.spec.id == '" + pending + "' }.spec.env.K", equalTo("v"))
                .body("find { it.spec.id == '" + pending + "' }.spec.template", equalTo("base"))
                .body("find { it.spec.id == '" + running + "' }.state", equalTo("running"))
                .body("spec.id", not(hasItem(stopped)));
    }

    @Test
    void malformedSandboxEventsAre400AndChangeNothing() {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        for (String body : List.of("{\"id\":\"../" + sbx + "\",\"state\":\"stopped\"}",
                "{\"state\":\"stopped\"}",
                "{\"id\":\"" + sbx + "\"}",
                "{\"id\":\"" + sbx + "\",\"state\":\"gone\"}",
                "{\"id\":\"" + sbx + " \",\"state\":\"stopped\"}")) {
            Api.internal().body(body).post("/internal/v1/events/sandbox").then().statusCode(400)
                    .body("error.code", org.hamcrest.Matchers.startsWith("invalid_"));
        }
        as(key).get("/v1/sandboxes/" + sbx).then().body("state", equalTo("running"));
        // an unknown sandbox is ignored
        Api.internal().body(Map.of("id", "sbx_ffffffffffffffffffffffff", "state", "stopped"))
                .post("/internal/v1/events/sandbox").then().statusCode(204);
    }

    private static void event(String sbx, String state) {
        Api.internal().body(Map.of("id", sbx, "state", state, "reason", "test"))
                .post("/internal/v1/events/sandbox").then().statusCode(204);
    }
}
