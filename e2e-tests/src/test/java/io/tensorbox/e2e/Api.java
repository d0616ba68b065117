package io.tensorbox.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.awaitility.core.ConditionTimeoutException;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/** The public API as the tests use it: rest-assured against api-service only. */
public final class Api {
    public static final String PROCESS_ID = "proc_[0-9a-f]{24}";
    public static final String SANDBOX_ID = "sbx_[0-9a-f]{24}";

    private static final Map<String, String> keysByRole = new HashMap<>();

    private Api() {
    }

    public static TensorBoxCluster cluster() {
        return TensorBoxCluster.shared();
    }

    public static String admin() {
        return cluster().adminKey();
    }

    /** A key of team default with this role, created once per run by the bootstrap admin. */
    public static synchronized String key(String role) {
        if (role.equals("admin")) {
            return admin();
        }
        return keysByRole.computeIfAbsent(role, r -> createKey(admin(), "e2e-" + r, r).getString("key"));
    }

    public static String developer() {
        return key("developer");
    }

    public static String viewer() {
        return key("viewer");
    }

    public static RequestSpecification anonymous() {
        return given().baseUri(cluster().apiUrl());
    }

    public static RequestSpecification as(String key) {
        return anonymous().header("Authorization", "Bearer " + key);
    }

    public static JsonPath createKey(String adminKey, String name, String role) {
        return as(adminKey).contentType(ContentType.JSON).body(Map.of("name", name, "role", role))
                .post("/v1/api-keys")
                .then().statusCode(201).extract().jsonPath();
    }

    // ---- sandboxes

    public static JsonPath createSandbox(String key, Map<String, ?> body) {
        Response r = as(key).contentType(ContentType.JSON).body(body).post("/v1/sandboxes");
        assertEquals(201, r.statusCode(), () -> "POST /v1/sandboxes answered " + r.statusCode() + ": " + r.asString());
        JsonPath json = r.jsonPath();
        Sandboxes.track(key, json.getString("id"));
        return json;
    }

    /** A fresh running sandbox of the developer key's team. */
    public static String newSandbox() {
        return newSandbox(developer());
    }

    public static String newSandbox(String key) {
        JsonPath sandbox = createSandbox(key, Map.of());
        String id = sandbox.getString("id");
        if (!"running".equals(sandbox.getString("state"))) {
            awaitSandboxState(key, id, "running", Duration.ofSeconds(20));
        }
        return id;
    }

    public static JsonPath sandbox(String key, String id) {
        return as(key).get("/v1/sandboxes/{id}", id).then().statusCode(200).extract().jsonPath();
    }

    public static void awaitSandboxState(String key, String id, String state, Duration atMost) {
        await("sandbox " + id + " " + state).atMost(atMost).pollInterval(Duration.ofMillis(100))
                .until(() -> sandbox(key, id).getString("state"), state::equals);
    }

    public static void deleteSandbox(String key, String id) {
        as(key).delete("/v1/sandboxes/{id}", id).then().statusCode(204);
    }

    // ---- processes

    public static Response postProcess(String key, String sandboxId, Object body) {
        return as(key).contentType(ContentType.JSON).body(body).post("/v1/sandboxes/{id}/processes", sandboxId);
    }

    public static JsonPath startProcess(String sandboxId, String... command) {
        return startProcess(developer(), sandboxId, Map.of("command", List.of(command)));
    }

    public static JsonPath startProcess(String key, String sandboxId, Map<String, ?> body) {
        Response r = postProcess(key, sandboxId, body);
        assertEquals(201, r.statusCode(), () -> "POST processes " + body + " answered " + r.statusCode() + ": " + r.asString());
        return r.jsonPath();
    }

    /** Runs {@code sh -c script} and waits until it has ended by itself with status 0. */
    public static JsonPath runToCompletion(String sandboxId, String script) {
        String id = startProcess(sandboxId, "sh", "-c", script).getString("id");
        JsonPath done = awaitEnded(sandboxId, id, Duration.ofSeconds(20));
        assertEquals("exited", done.getString("state"), () -> "sh -c '" + script + "' ended " + done.prettify());
        assertEquals(0, done.getInt("exit_code"), () -> "sh -c '" + script + "' ended " + done.prettify());
        return done;
    }

    public static JsonPath process(String key, String sandboxId, String processId) {
        Response r = as(key).get("/v1/sandboxes/{id}/processes/{proc}", sandboxId, processId);
        assertEquals(200, r.statusCode(), () -> "GET " + processId + " answered " + r.statusCode() + ": " + r.asString());
        return r.jsonPath();
    }

    public static JsonPath process(String sandboxId, String processId) {
        return process(viewer(), sandboxId, processId);
    }

    public static List<Map<String, Object>> processes(String key, String sandboxId) {
        return as(key).get("/v1/sandboxes/{id}/processes", sandboxId)
                .then().statusCode(200).contentType(ContentType.JSON)
                .extract().jsonPath().getList("processes");
    }

    /** Waits until the process is no longer {@code running} and returns its record. */
    public static JsonPath awaitEnded(String sandboxId, String processId, Duration atMost) {
        return awaitRecord(sandboxId, processId, "end", p -> !"running".equals(p.getString("state")), atMost);
    }

    public static JsonPath awaitState(String sandboxId, String processId, String state, Duration atMost) {
        return awaitRecord(sandboxId, processId, "state " + state, p -> state.equals(p.getString("state")), atMost);
    }

    private static JsonPath awaitRecord(String sandboxId, String processId, String what,
            java.util.function.Predicate<JsonPath> done, Duration atMost) {
        AtomicReference<JsonPath> last = new AtomicReference<>();
        try {
            await(what + " of " + processId).atMost(atMost).pollInterval(Duration.ofMillis(50)).until(() -> {
                JsonPath p = process(sandboxId, processId);
                last.set(p);
                return done.test(p);
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no " + what + " of " + processId + " within " + atMost + "; the record is "
                    + (last.get() == null ? "unknown" : last.get().prettify().replace("\n", " ")), e);
        }
        return last.get();
    }

    // ---- logs

    public static Response logsResponse(String key, String sandboxId, String processId) {
        return as(key).get("/v1/sandboxes/{id}/processes/{proc}/logs", sandboxId, processId);
    }

    public static byte[] logs(String sandboxId, String processId) {
        Response r = logsResponse(viewer(), sandboxId, processId);
        assertEquals(200, r.statusCode(), () -> "logs of " + processId + " answered " + r.statusCode() + ": " + r.asString());
        return r.asByteArray();
    }

    /** The log once the process has ended and its writer has caught up with the expected size. */
    public static byte[] awaitLogs(String sandboxId, String processId, byte[] expected) {
        return await("log of " + processId).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> logs(sandboxId, processId), b -> b.length >= expected.length);
    }

    // ---- errors

    /** Asserts the SPEC §2 error shape with one of the given statuses, and returns the code. */
    public static String assertJsonError(Response r, int... statuses) {
        int status = r.statusCode();
        assertTrue(Arrays.stream(statuses).anyMatch(s -> s == status),
                () -> "expected " + Arrays.toString(statuses) + " but got " + status + ": " + r.asString());
        String contentType = r.contentType();
        assertNotNull(contentType, "an error without a content type");
        assertTrue(contentType.startsWith("application/json"),
                () -> "error " + status + " is " + contentType + ", not JSON: " + r.asString());
        JsonPath json = r.jsonPath();
        String code = json.getString("error.code");
        String message = json.getString("error.message");
        assertNotNull(code, () -> "no error.code in " + r.asString());
        assertNotNull(message, () -> "no error.message in " + r.asString());
        assertFalse(code.isBlank(), () -> "blank error.code in " + r.asString());
        assertFalse(message.isBlank(), () -> "blank error.message in " + r.asString());
        return code;
    }
}
