package io.tensorbox.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import org.awaitility.core.ConditionTimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * The runtime API of SPEC §5 as the tests drive it: {@code /run}, background {@code /commands}, and
 * what the tests need around them (a sandbox with its access token, markers a killed command must
 * never write, pids that must be gone). Checks that set up a test go through the Processes API (§4),
 * so a broken runtime route fails its own tests instead of the set-up of others.
 */
final class RuntimeApi {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Set<String> RUN_FIELDS = Set.of("stdout", "stderr", "exit_code", "duration_ms", "timed_out", "truncated");
    static final Set<String> COMMAND_FIELDS = Set.of("process_id", "pid", "cmd", "status", "exit_code");

    private RuntimeApi() {
    }

    /** A running sandbox and the access token its create answer returned. */
    record TokenSandbox(String id, String accessToken) {
    }

    static TokenSandbox newSandboxWithToken(String key) {
        JsonPath created = Api.createSandbox(key, Map.of());
        String id = created.getString("id");
        String token = created.getString("access_token");
        assertTrue(token != null && !token.isBlank(), () -> "no access_token in the create answer " + created.prettify());
        if (!"running".equals(created.getString("state"))) {
            Api.awaitSandboxState(key, id, "running", Duration.ofSeconds(60));
        }
        return new TokenSandbox(id, token);
    }

    static Map<String, String> bearer(String key) {
        return Map.of("Authorization", "Bearer " + key);
    }

    static Map<String, String> accessToken(String token) {
        return Map.of("X-Access-Token", token);
    }

    static RequestSpecification with(Map<String, String> headers) {
        RequestSpecification r = Api.anonymous();
        for (Map.Entry<String, String> h : headers.entrySet()) {
            r = r.header(h.getKey(), h.getValue());
        }
        return r;
    }

    /** A body built from name/value pairs, in order (nulls left out). */
    static Map<String, Object> body(Object... nameValues) {
        Map<String, Object> body = new LinkedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            if (nameValues[i + 1] != null) {
                body.put((String) nameValues[i], nameValues[i + 1]);
            }
        }
        return body;
    }

    static Map<String, Object> shell(String line) {
        return body("cmd", line);
    }

    // ---- /run

    /** The answer of a buffered run, read strictly. */
    record RunResult(String stdout, String stderr, int exitCode, long durationMs, boolean timedOut, boolean truncated,
                     String raw) {
        static RunResult of(byte[] body) {
            JsonNode json;
            try {
                json = JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("/run answered something that is not JSON: "
                        + new String(body, 0, Math.min(body.length, 500), StandardCharsets.UTF_8), e);
            }
            String raw = json.toString();
            String shown = raw.length() > 1000 ? raw.substring(0, 1000) + "..." : raw;
            Set<String> fields = new java.util.HashSet<>();
            json.fieldNames().forEachRemaining(fields::add);
            assertEquals(RUN_FIELDS, fields, () -> "the fields of the /run answer " + shown);
            assertTrue(json.get("stdout").isTextual() && json.get("stderr").isTextual(), () -> "stdout/stderr strings: " + shown);
            assertTrue(json.get("exit_code").isInt(), () -> "exit_code an integer: " + shown);
            assertTrue(json.get("duration_ms").isIntegralNumber(), () -> "duration_ms an integer: " + shown);
            assertTrue(json.get("timed_out").isBoolean() && json.get("truncated").isBoolean(), () -> "booleans: " + shown);
            return new RunResult(json.get("stdout").asText(), json.get("stderr").asText(), json.get("exit_code").asInt(),
                    json.get("duration_ms").asLong(), json.get("timed_out").asBoolean(), json.get("truncated").asBoolean(),
                    shown);
        }
    }

    static Response run(String key, String sandbox, Object body) {
        return Api.as(key).contentType(ContentType.JSON).accept(ContentType.JSON).body(body)
                .post("/v1/sandboxes/{id}/run", sandbox);
    }

    /** {@code POST /run} as the developer, which must answer 200. */
    static RunResult run(String sandbox, Object body) {
        Response r = run(Api.developer(), sandbox, body);
        assertEquals(200, r.statusCode(), () -> "POST /run " + body + " answered " + r.statusCode() + ": " + r.asString());
        assertTrue(r.contentType().startsWith("application/json"), () -> "/run answered " + r.contentType());
        return RunResult.of(r.asByteArray());
    }

    /** A shell line run to its end that must exit 0; its stdout. */
    static String runOk(String sandbox, String line) {
        RunResult r = run(sandbox, shell(line));
        assertEquals(0, r.exitCode(), () -> "'" + line + "' ended " + r.raw());
        return r.stdout();
    }

    // ---- background commands

    record Started(int pid, String processId) {
    }

    static Response startCommand(String key, String sandbox, Object body) {
        return Api.as(key).contentType(ContentType.JSON).body(body).post("/v1/sandboxes/{id}/commands", sandbox);
    }

    /** {@code POST /commands} as the developer, which must answer 201 with exactly {@code pid} and {@code process_id}. */
    static Started start(String sandbox, Object body) {
        Response r = startCommand(Api.developer(), sandbox, body);
        assertEquals(201, r.statusCode(), () -> "POST /commands " + body + " answered " + r.statusCode() + ": " + r.asString());
        JsonPath json = r.jsonPath();
        assertEquals(Set.of("pid", "process_id"), json.getMap("").keySet(), () -> "the fields of " + r.asString());
        String id = json.getString("process_id");
        assertTrue(id.matches(Api.PROCESS_ID), () -> "process_id " + id);
        int pid = json.getInt("pid");
        assertTrue(pid > 1, () -> "pid " + pid);
        return new Started(pid, id);
    }

    static Started startShell(String sandbox, String line) {
        return start(sandbox, shell(line));
    }

    static List<Map<String, Object>> commands(String key, String sandbox, boolean all) {
        Response r = Api.as(key).get("/v1/sandboxes/{id}/commands" + (all ? "?all=true" : ""), sandbox);
        assertEquals(200, r.statusCode(), () -> "GET /commands answered " + r.statusCode() + ": " + r.asString());
        return r.jsonPath().getList("commands");
    }

    static Response stdin(String key, String sandbox, Object pidOrId, Object body) {
        return Api.as(key).contentType(ContentType.JSON).body(body)
                .post("/v1/sandboxes/{id}/commands/{pid}/stdin", sandbox, String.valueOf(pidOrId));
    }

    static Response signal(String key, String sandbox, Object pidOrId, String signal) {
        return Api.as(key).contentType(ContentType.JSON).body(Map.of("signal", signal))
                .post("/v1/sandboxes/{id}/commands/{pid}/signal", sandbox, String.valueOf(pidOrId));
    }

    static Response kill(String key, String sandbox, Object pidOrId) {
        return Api.as(key).delete("/v1/sandboxes/{id}/commands/{pid}", sandbox, String.valueOf(pidOrId));
    }

    static String streamPath(String sandbox, Object pidOrId, String offset) {
        return "/v1/sandboxes/" + sandbox + "/commands/" + pidOrId + "/stream" + (offset == null ? "" : "?offset=" + offset);
    }

    // ---- the sandbox seen through the Processes API (§4) and from outside

    /** The workspace root as a command sees it (the working directory of a process without cwd). */
    static String workspaceRoot(String sandbox) {
        String id = Api.runToCompletion(sandbox, "pwd").getString("id");
        return new String(Api.awaitLogs(sandbox, id, new byte[2]), StandardCharsets.UTF_8).trim();
    }

    /**
     * Whether {@code python3} runs where a shell-line command runs (seed 003's examples need it): bash
     * as a login shell where there is bash, else sh.
     */
    static boolean hasPython(String sandbox) {
        String id = Api.startProcess(sandbox, "sh", "-c",
                "if command -v bash >/dev/null 2>&1; then exec bash -l -c 'python3 -c pass'; else exec python3 -c pass; fi")
                .getString("id");
        return Api.awaitEnded(sandbox, id, Duration.ofSeconds(30)).getInt("exit_code") == 0;
    }

    /**
     * The user a command runs as by default: the template's default user ({@code user} on the base
     * image) on kubernetes; on the local runtime the user running TensorBox (SPEC §5).
     */
    static String defaultUser() {
        return Api.cluster().runtime() == RuntimeKind.KUBERNETES ? "user" : System.getProperty("user.name");
    }

    static String fresh(String prefix) {
        byte[] b = new byte[6];
        ThreadLocalRandom.current().nextBytes(b);
        return prefix + "-" + HexFormat.of().formatHex(b);
    }

    /** Waits until {@code absolutePath} exists in the sandbox (a marker a command writes). */
    static void awaitExists(String sandbox, String absolutePath, Duration limit) {
        try {
            await(absolutePath + " in " + sandbox).atMost(limit).pollInterval(Duration.ofMillis(100))
                    .until(() -> Api.cluster().files().exists(sandbox, absolutePath));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(absolutePath + " did not appear in " + sandbox + " within " + limit, e);
        }
    }

    /**
     * Asserts that {@code absolutePath} stays absent for all of {@code period}: a killed command's
     * descendant would have written it within that period had it survived.
     */
    static void assertNeverAppears(String sandbox, String absolutePath, Duration period, String why) {
        try {
            await(why).during(period).atMost(period.plusSeconds(5)).pollInterval(Duration.ofMillis(250))
                    .until(() -> !Api.cluster().files().exists(sandbox, absolutePath));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(why + ": " + absolutePath + " appeared in " + sandbox, e);
        }
    }

    /** Waits until none of the pids is a live process of the sandbox. */
    static void awaitGone(String sandbox, Duration limit, String why, long... pids) {
        for (long pid : pids) {
            try {
                await(why).atMost(limit).pollInterval(Duration.ofMillis(100))
                        .until(() -> !Api.cluster().pids().isAlive(sandbox, pid));
            } catch (ConditionTimeoutException e) {
                throw new AssertionError(why + ": pid " + pid + " still runs in " + sandbox + " after " + limit, e);
            }
        }
    }

    /** The pids written one per line (or space separated) by a command. */
    static long[] pids(String text) {
        return java.util.Arrays.stream(text.trim().split("\\s+")).mapToLong(Long::parseLong).toArray();
    }
}
