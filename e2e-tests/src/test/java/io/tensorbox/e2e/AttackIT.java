package io.tensorbox.e2e;

import static io.restassured.RestAssured.given;
import static io.tensorbox.e2e.Api.as;
import static io.tensorbox.e2e.Api.assertJsonError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Test;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * The platform read as an attacker would: the internal routes of each service without the
 * service token, a sandbox that writes forged lines into its own supervisor state, and ids that
 * try to walk out of their directories. Every attempt must be refused with a JSON error and
 * change nothing.
 */
@TensorBoxTest
class AttackIT {
    private static final String TOKEN_HEADER = "X-Tensorbox-Internal-Token";

    /** One call to an internal route: who serves it, the method, the path, a body or null. */
    private record InternalCall(Service service, String method, String path, Object body) {
        Response send(RequestSpecification request) {
            RequestSpecification r = request.baseUri(Api.cluster().url(service));
            if (body != null) {
                r = r.contentType(ContentType.JSON).body(body);
            }
            return r.request(method, path);
        }
    }

    private static List<InternalCall> internalCalls(String sandbox, String process, String marker) {
        return List.of(
                new InternalCall(Service.API, "GET", "/internal/v1/sandboxes/live", null),
                new InternalCall(Service.API, "POST", "/internal/v1/events/process", Map.of("id", process,
                        "sandboxId", sandbox, "state", "exited", "pid", 1, "exitCode", 0, "startedAtMs", 1, "exitedAtMs", 2)),
                new InternalCall(Service.API, "POST", "/internal/v1/events/sandbox",
                        Map.of("id", sandbox, "state", "stopped", "reason", "forged")),
                new InternalCall(Service.SCHEDULER, "POST", "/internal/v1/sandboxes/" + sandbox + "/exec",
                        Map.of("argv", List.of("sh", "-c", "echo pwned > " + marker), "timeoutMs", 5000)),
                new InternalCall(Service.SCHEDULER, "POST", "/internal/v1/sandboxes/" + sandbox + "/exec/stream",
                        Map.of("argv", List.of("sh", "-c", "echo pwned > " + marker), "timeoutMs", 5000)),
                new InternalCall(Service.SCHEDULER, "POST", "/internal/v1/sandboxes/" + sandbox + "/processes",
                        Map.of("id", newProcessId(), "command", List.of("sh", "-c", "echo pwned > " + marker))),
                new InternalCall(Service.SCHEDULER, "POST", "/internal/v1/sandboxes/" + sandbox + "/processes/" + process
                        + "/signal", Map.of("signal", "KILL")),
                new InternalCall(Service.SCHEDULER, "DELETE", "/internal/v1/sandboxes/" + sandbox, null),
                new InternalCall(Service.SCHEDULER, "GET", "/internal/v1/sandboxes/" + sandbox + "/layout", null),
                new InternalCall(Service.LOG, "GET", "/internal/v1/sandboxes/" + sandbox + "/processes/" + process
                        + "/logs", null));
    }

    @Test
    void internalRoutesRefuseCallersWithoutTheServiceTokenAndChangeNothing() {
        String sandbox = Api.newSandbox();
        String process = Api.startProcess(sandbox, "sleep", "1000").getString("id");
        String marker = "attack-" + HexFormat.of().formatHex(randomBytes(6));

        for (InternalCall call : internalCalls(sandbox, process, marker)) {
            for (String token : new String[] {null, "", "wrong-" + Api.cluster().internalToken(),
                    Api.cluster().internalToken().substring(1), Api.admin()}) {
                RequestSpecification request = given();
                if (token != null) {
                    request = request.header(TOKEN_HEADER, token);
                }
                Response r = call.send(request);
                assertEquals(401, r.statusCode(), () -> call + " with token '" + token + "' answered "
                        + r.statusCode() + ": " + r.asString());
                assertJsonError(r, 401);
            }
            // An API key is a user, never a service.
            Response withKey = call.send(given().header("Authorization", "Bearer " + Api.admin()));
            assertJsonError(withKey, 401, 403);
        }

        assertEquals("running", Api.process(sandbox, process).getString("state"), "the forged calls killed the process");
        assertEquals("running", Api.sandbox(Api.viewer(), sandbox).getString("state"), "the forged calls stopped the sandbox");
        String check = Api.startProcess(sandbox, "sh", "-c", "test ! -e " + marker).getString("id");
        assertEquals(0, Api.awaitEnded(sandbox, check, Duration.ofSeconds(20)).getInt("exit_code"),
                "a refused exec ran anyway: " + marker + " exists in the workspace");
    }

    @Test
    void theServiceTokenOpensTheInternalRoutes() {
        String sandbox = Api.newSandbox();
        Response live = given().baseUri(Api.cluster().apiUrl()).header(TOKEN_HEADER, Api.cluster().internalToken())
                .get("/internal/v1/sandboxes/live");
        assertEquals(200, live.statusCode(), live::asString);
        assertTrue(live.asString().contains(sandbox), () -> "live records without " + sandbox + ": " + live.asString());

        Response layout = given().baseUri(Api.cluster().url(Service.SCHEDULER))
                .header(TOKEN_HEADER, Api.cluster().internalToken())
                .get("/internal/v1/sandboxes/{id}/layout", sandbox);
        assertEquals(200, layout.statusCode(), layout::asString);
    }

    @Test
    void theOpenApiDocumentOfTheApiHasNoInternalRoute() {
        String doc = Api.anonymous().get("/q/openapi?format=json").then().statusCode(200).extract().asString();
        assertTrue(doc.contains("/v1/sandboxes"), "the public routes are documented");
        assertFalse(doc.contains("/internal"), () -> "internal routes are published: " + doc);
    }

    /**
     * A sandbox can write its own supervisor files. It appends a forged exit naming a process of
     * another team, and junk, to its events file; then a process of its own exits. Events are read
     * in order, so once that exit is recorded the forged lines were read too: the other team's
     * process must still run, and the sandbox's own exits must still be recorded.
     */
    @Test
    void aSandboxWritingForgedEventsCannotEndAnotherTeamsProcess() {
        String otherAdmin = as(Api.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", "victims-" + HexFormat.of().formatHex(randomBytes(4))))
                .post("/v1/teams").then().statusCode(201).extract().jsonPath().getString("admin_key");
        String victimSandbox = Api.newSandbox(otherAdmin);
        String victim = Api.startProcess(otherAdmin, victimSandbox, Map.of("command", List.of("sleep", "1000")))
                .getString("id");

        String attacker = Api.newSandbox();
        String state = Api.cluster().files().stateDirInSandbox(attacker);
        String script = """
                now=$(date +%s)000
                ev="$1/events"
                printf 'exit %s 0 %s 0\\n' "$2" "$now" >> "$ev"
                printf 'exit %s 0 %s 0 extra\\n' "$2" "$now" >> "$ev"
                printf 'exit ../../procs/%s 0 %s 0\\n' "$2" "$now" >> "$ev"
                printf 'exit %s 99999999999999999999 x 0\\n' "$2" >> "$ev"
                head -c 300000 /dev/zero | tr '\\0' 'x' >> "$ev"; echo >> "$ev"
                printf '\\001\\377 binary junk\\n' >> "$ev"
                """;
        String forger = Api.startProcess(Api.developer(), attacker,
                Map.of("command", List.of("sh", "-c", script, "forger", state, victim))).getString("id");
        assertEquals("exited", Api.awaitEnded(attacker, forger, Duration.ofSeconds(20)).getString("state"));
        // Its own later exit proves the watcher read past every forged line and is still working.
        String after = Api.startProcess(attacker, "sh", "-c", "exit 7").getString("id");
        assertEquals(7, Api.awaitEnded(attacker, after, Duration.ofSeconds(20)).getInt("exit_code"));

        var record = Api.process(otherAdmin, victimSandbox, victim);
        assertEquals("running", record.getString("state"), () -> "a forged event ended another team's process: "
                + record.prettify());
        assertTrue(Api.cluster().pids().isAlive(victimSandbox, record.getLong("pid")), "the victim's process is gone");
    }

    @Test
    void idsThatWalkOutOfTheirDirectoriesAreRefused() {
        String sandbox = Api.newSandbox();
        String process = Api.startProcess(sandbox, "sleep", "1000").getString("id");
        // (A bare ".." is a dot-segment every HTTP stack removes: ".../processes/.." is the sandbox itself.)
        for (String bad : List.of("..%2F..%2Fetc", "proc_..%2F..%2Fevents", "%2e%2e%2f%2e%2e", process + "%2F..",
                process.toUpperCase(), process + "0", "%20" + process)) {
            Response get = given().urlEncodingEnabled(false).baseUri(Api.cluster().apiUrl())
                    .header("Authorization", "Bearer " + Api.developer())
                    .get("/v1/sandboxes/" + sandbox + "/processes/" + bad);
            assertJsonError(get, 404, 400);
            Response logs = given().urlEncodingEnabled(false).baseUri(Api.cluster().apiUrl())
                    .header("Authorization", "Bearer " + Api.developer())
                    .get("/v1/sandboxes/" + sandbox + "/processes/" + bad + "/logs");
            assertJsonError(logs, 404, 400);
            Response kill = given().urlEncodingEnabled(false).baseUri(Api.cluster().apiUrl())
                    .header("Authorization", "Bearer " + Api.developer())
                    .delete("/v1/sandboxes/" + sandbox + "/processes/" + bad);
            assertJsonError(kill, 404, 400, 405);
            Response otherSandbox = given().urlEncodingEnabled(false).baseUri(Api.cluster().apiUrl())
                    .header("Authorization", "Bearer " + Api.developer())
                    .get("/v1/sandboxes/" + bad + "/processes");
            assertJsonError(otherSandbox, 404, 400);
        }
        // Even a caller holding the service token cannot name a path instead of a process.
        for (String bad : List.of("../../../etc", "proc_../x", "proc_0123456789abcdef01234567/../x")) {
            Response start = given().baseUri(Api.cluster().url(Service.SCHEDULER))
                    .header(TOKEN_HEADER, Api.cluster().internalToken()).contentType(ContentType.JSON)
                    .body(Map.of("id", bad, "command", List.of("true")))
                    .post("/internal/v1/sandboxes/{id}/processes", sandbox);
            assertJsonError(start, 400, 404);
        }
        List<String> procs = Api.cluster().files().listState(sandbox, "procs");
        assertTrue(procs.stream().allMatch(p -> p.matches(Api.PROCESS_ID)), () -> "unexpected entries in procs/: " + procs);
        assertEquals("running", Api.process(sandbox, process).getString("state"));
    }

    private static String newProcessId() {
        return "proc_" + HexFormat.of().formatHex(randomBytes(12));
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }
}
