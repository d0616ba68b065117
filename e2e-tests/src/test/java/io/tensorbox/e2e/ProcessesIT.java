package io.tensorbox.e2e;

import static io.tensorbox.e2e.Api.as;
import static io.tensorbox.e2e.Api.assertJsonError;
import static io.tensorbox.e2e.Api.developer;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/** SPEC §4 / seed 000: the Processes API, exactly. */
@TensorBoxTest
class ProcessesIT {
    private static final Set<String> RECORD_FIELDS = Set.of(
            "id", "sandbox_id", "command", "pid", "state", "exit_code", "started_at", "exited_at");

    @Test
    void startAnswersExactlyTheSeedRecord() {
        String sandbox = Api.newSandbox();
        long before = Instant.now().getEpochSecond();
        Response r = Api.postProcess(developer(), sandbox,
                Map.of("command", List.of("sleep", "1000"), "env", List.of("PORT=3000"), "cwd", ""));
        r.then().statusCode(201).contentType(ContentType.JSON);
        JsonPath p = r.jsonPath();

        assertEquals(RECORD_FIELDS, p.getMap("").keySet(), () -> "fields of " + r.asString());
        assertTrue(p.getString("id").matches(Api.PROCESS_ID), () -> "id " + p.getString("id"));
        assertEquals(sandbox, p.getString("sandbox_id"));
        assertEquals(List.of("sleep", "1000"), p.getList("command"));
        int pid = p.getInt("pid");
        assertTrue(pid > 0, "pid " + pid);
        assertEquals("running", p.getString("state"));
        assertTrue(p.get("exit_code") instanceof Integer, "exit_code is an int32 even while running");
        long started = p.getLong("started_at");
        assertTrue(started >= before - 1 && started <= Instant.now().getEpochSecond() + 1, "started_at in Unix seconds");
        assertEquals(0L, p.getLong("exited_at"));
        assertTrue(Api.cluster().pids().isAlive(sandbox, pid), "pid names the live process in the sandbox");

        JsonPath got = Api.process(sandbox, p.getString("id"));
        assertEquals(RECORD_FIELDS, got.getMap("").keySet());
        assertEquals(p.getMap(""), got.getMap(""), "GET answers the same record");
    }

    @Test
    void listIncludesExitedProcesses() {
        String sandbox = Api.newSandbox();
        String done = Api.runToCompletion(sandbox, "true").getString("id");
        String live = Api.startProcess(sandbox, "sleep", "1000").getString("id");

        Response r = as(Api.viewer()).get("/v1/sandboxes/{id}/processes", sandbox);
        r.then().statusCode(200).contentType(ContentType.JSON);
        List<Map<String, Object>> processes = r.jsonPath().getList("processes");
        assertEquals(2, processes.size(), r::asString);
        Map<String, Object> exited = processes.stream().filter(p -> done.equals(p.get("id"))).findFirst().orElseThrow();
        Map<String, Object> running = processes.stream().filter(p -> live.equals(p.get("id"))).findFirst().orElseThrow();
        assertEquals(RECORD_FIELDS, exited.keySet());
        assertEquals(RECORD_FIELDS, running.keySet());
        assertEquals("exited", exited.get("state"));
        assertEquals(0, exited.get("exit_code"));
        assertTrue(((Number) exited.get("exited_at")).longValue() >= ((Number) exited.get("started_at")).longValue());
        assertEquals("running", running.get("state"));
        assertEquals(0, ((Number) running.get("exited_at")).intValue());
    }

    @Test
    void envItemsReachTheProcess() {
        String sandbox = Api.newSandbox();
        String id = Api.startProcess(developer(), sandbox, Map.of(
                "command", List.of("sh", "-c", "echo \"$FOO|$BAR\""),
                "env", List.of("FOO=hello world", "BAR=a=b"))).getString("id");
        Api.awaitState(sandbox, id, "exited", Duration.ofSeconds(10));
        assertEquals("hello world|a=b\n", new String(Api.awaitLogs(sandbox, id, "hello world|a=b\n".getBytes())));
    }

    @Test
    void commandIsArgvAndNothingIsInterpretedByAShell() {
        String sandbox = Api.newSandbox();
        List<String> args = List.of("a b", "'q'", "\"dq\"", "$HOME", "$(echo hacked)", "`id`", "héllo ✓", "*",
                "back\\slash", "semi;colon", "new\nline", "-n", "");
        List<String> command = new ArrayList<>(List.of("printf", "[%s]"));
        command.addAll(args);
        String id = Api.startProcess(developer(), sandbox, Map.of(
                "command", command,
                "env", List.of("ODD=$(echo no) 'x' \"y\" `z` ;|&"))).getString("id");
        Api.awaitState(sandbox, id, "exited", Duration.ofSeconds(10));
        StringBuilder expected = new StringBuilder();
        args.forEach(a -> expected.append('[').append(a).append(']'));
        byte[] want = expected.toString().getBytes(StandardCharsets.UTF_8);
        assertEquals(expected.toString(), new String(Api.awaitLogs(sandbox, id, want), StandardCharsets.UTF_8));
        assertEquals(command, Api.process(sandbox, id).getList("command"), "the record keeps the argv as given");

        String env = Api.startProcess(developer(), sandbox, Map.of(
                "command", List.of("sh", "-c", "printf '%s' \"$ODD\""),
                "env", List.of("ODD=$(echo no) 'x' \"y\" `z` ;|&"))).getString("id");
        Api.awaitState(sandbox, env, "exited", Duration.ofSeconds(10));
        String odd = "$(echo no) 'x' \"y\" `z` ;|&";
        assertEquals(odd, new String(Api.awaitLogs(sandbox, env, odd.getBytes()), StandardCharsets.UTF_8));
    }

    @Test
    void cwdMayContainSpacesAndQuotes() {
        String sandbox = Api.newSandbox();
        String mkdir = Api.startProcess(sandbox, "mkdir", "-p", "my dir/it's").getString("id");
        Api.awaitState(sandbox, mkdir, "exited", Duration.ofSeconds(10));
        String id = Api.startProcess(developer(), sandbox, Map.of("command", List.of("sh", "-c", "basename \"$PWD\""),
                "cwd", "my dir/it's")).getString("id");
        Api.awaitState(sandbox, id, "exited", Duration.ofSeconds(10));
        assertEquals("it's\n", new String(Api.awaitLogs(sandbox, id, "it's\n".getBytes())));
    }

    @Test
    void manyProcessesAtOnceAreAllSupervised() throws Exception {
        String sandbox = Api.newSandbox();
        int count = 16;
        var pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> started = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = i;
                started.add(pool.submit(() -> Api.startProcess(sandbox, "sh", "-c", "echo " + n + "; exit " + (n % 7))
                        .getString("id")));
            }
            List<String> ids = new ArrayList<>();
            for (var f : started) {
                ids.add(f.get(60, TimeUnit.SECONDS));
            }
            assertEquals(count, Set.copyOf(ids).size(), "distinct ids");
            for (int i = 0; i < count; i++) {
                JsonPath ended = Api.awaitEnded(sandbox, ids.get(i), Duration.ofSeconds(20));
                assertEquals("exited", ended.getString("state"));
                assertEquals(i % 7, ended.getInt("exit_code"));
                assertEquals(i + "\n", new String(Api.awaitLogs(sandbox, ids.get(i), (i + "\n").getBytes())));
            }
            assertEquals(count, Api.processes(Api.viewer(), sandbox).size());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void cwdIsRelativeToTheWorkspaceAndCannotEscapeIt() {
        String sandbox = Api.newSandbox();
        Api.runToCompletion(sandbox, "mkdir -p app/sub");
        String root = new String(Api.awaitLogs(sandbox, Api.runToCompletion(sandbox, "pwd").getString("id"), new byte[1])).trim();

        String id = Api.startProcess(developer(), sandbox, Map.of("command", List.of("pwd"), "cwd", "app/sub")).getString("id");
        Api.awaitState(sandbox, id, "exited", Duration.ofSeconds(10));
        String expected = root + "/app/sub\n";
        assertEquals(expected, new String(Api.awaitLogs(sandbox, id, expected.getBytes())));

        int before = Api.processes(Api.viewer(), sandbox).size();
        for (String bad : List.of("..", "../..", "app/../..", "/", "/tmp", root)) {
            assertJsonError(Api.postProcess(developer(), sandbox, Map.of("command", List.of("pwd"), "cwd", bad)), 400);
        }
        assertEquals(before, Api.processes(Api.viewer(), sandbox).size(), "refused requests created no process");
    }

    @Test
    void exitIsRecordedWithItsCodeWithinASecond() {
        String sandbox = Api.newSandbox();
        // The process prints its own end time (ms) just before it exits.
        String id = Api.startProcess(sandbox, "sh", "-c", "sleep 1; date +%s%3N; exit 3").getString("id");
        JsonPath ended = Api.awaitEnded(sandbox, id, Duration.ofSeconds(10));
        long seenAt = System.currentTimeMillis();

        assertEquals("exited", ended.getString("state"));
        assertEquals(3, ended.getInt("exit_code"));
        long endedAt = Long.parseLong(new String(Api.awaitLogs(sandbox, id, "1700000000000\n".getBytes())).trim());
        assertTrue(seenAt - endedAt <= 1000 + 100,
                "recorded " + (seenAt - endedAt) + " ms after the process ended (SPEC: within a second)");
        long exitedAt = ended.getLong("exited_at");
        assertTrue(Math.abs(exitedAt - endedAt / 1000) <= 1, () -> "exited_at " + exitedAt + " vs end " + endedAt);
        assertTrue(exitedAt >= ended.getLong("started_at") + 1, "it ran at least the second it slept");
    }

    @Test
    void deleteKillsARunningProcess() {
        String sandbox = Api.newSandbox();
        JsonPath p = Api.startProcess(sandbox, "sleep", "1000");
        String id = p.getString("id");
        int pid = p.getInt("pid");

        as(developer()).delete("/v1/sandboxes/{id}/processes/{p}", sandbox, id).then().statusCode(204);
        JsonPath killed = Api.awaitEnded(sandbox, id, Duration.ofSeconds(5));
        assertEquals("killed", killed.getString("state"));
        assertEquals(-1, killed.getInt("exit_code"));
        assertTrue(killed.getLong("exited_at") > 0);
        await("the process gone from the sandbox").atMost(Duration.ofSeconds(5))
                .until(() -> !Api.cluster().pids().isAlive(sandbox, pid));

        as(developer()).delete("/v1/sandboxes/{id}/processes/{p}", sandbox, id).then().statusCode(204);
        assertEquals("killed", Api.process(sandbox, id).getString("state"), "a second DELETE changes nothing");
    }

    @Test
    void deleteKillsTheWholeProcessGroup() {
        String sandbox = Api.newSandbox();
        String id = Api.startProcess(sandbox, "sh", "-c", "sleep 1000 & echo $!; wait").getString("id");
        int child = Integer.parseInt(new String(Api.awaitLogs(sandbox, id, "1\n".getBytes())).trim());
        as(developer()).delete("/v1/sandboxes/{id}/processes/{p}", sandbox, id).then().statusCode(204);
        assertEquals("killed", Api.awaitEnded(sandbox, id, Duration.ofSeconds(5)).getString("state"));
        await("background child gone").atMost(Duration.ofSeconds(5))
                .until(() -> !Api.cluster().pids().isAlive(sandbox, child));
    }

    @Test
    void aSignalFromInsideTheSandboxIsAKill() {
        String sandbox = Api.newSandbox();
        String id = Api.startProcess(sandbox, "sh", "-c", "kill -9 $$").getString("id");
        JsonPath ended = Api.awaitEnded(sandbox, id, Duration.ofSeconds(5));
        assertEquals("killed", ended.getString("state"));
        assertEquals(-1, ended.getInt("exit_code"));
    }

    @Test
    void deleteOfAnExitedProcessIsNoContentAndKeepsItsRecord() {
        String sandbox = Api.newSandbox();
        String id = Api.startProcess(sandbox, "sh", "-c", "exit 5").getString("id");
        Api.awaitState(sandbox, id, "exited", Duration.ofSeconds(5));
        as(developer()).delete("/v1/sandboxes/{id}/processes/{p}", sandbox, id).then().statusCode(204);
        JsonPath after = Api.process(sandbox, id);
        assertEquals("exited", after.getString("state"));
        assertEquals(5, after.getInt("exit_code"));
    }

    @Test
    void unknownProcessesAreNotFound() {
        String sandbox = Api.newSandbox();
        String unknown = "proc_000000000000000000000000";
        assertJsonError(as(Api.viewer()).get("/v1/sandboxes/{id}/processes/{p}", sandbox, unknown), 404);
        assertJsonError(as(developer()).delete("/v1/sandboxes/{id}/processes/{p}", sandbox, unknown), 404);
        assertJsonError(as(Api.viewer()).get("/v1/sandboxes/{id}/processes/{p}", sandbox, "garbage"), 404, 400);
        assertJsonError(as(Api.viewer()).get("/v1/sandboxes/{id}/processes", "sbx_000000000000000000000000"), 404);
        assertJsonError(Api.postProcess(developer(), "sbx_000000000000000000000000",
                Map.of("command", List.of("true"))), 404);

        String other = Api.newSandbox();
        String theirs = Api.startProcess(other, "sleep", "1000").getString("id");
        assertJsonError(as(Api.viewer()).get("/v1/sandboxes/{id}/processes/{p}", sandbox, theirs), 404);
        assertJsonError(as(developer()).delete("/v1/sandboxes/{id}/processes/{p}", sandbox, theirs), 404);
        assertEquals("running", Api.process(other, theirs).getString("state"));
    }

    @Test
    void aMissingExecutableFails() {
        String sandbox = Api.newSandbox();
        Response r = Api.postProcess(developer(), sandbox, Map.of("command", List.of("no-such-command-tbx")));
        assertEquals(201, r.statusCode(), r::asString);
        String id = r.jsonPath().getString("id");
        assertEquals("failed", Api.awaitEnded(sandbox, id, Duration.ofSeconds(5)).getString("state"));
    }

    @Test
    void aMissingCwdFails() {
        String sandbox = Api.newSandbox();
        Response r = Api.postProcess(developer(), sandbox, Map.of("command", List.of("pwd"), "cwd", "does/not/exist"));
        assertEquals(201, r.statusCode(), r::asString);
        String id = r.jsonPath().getString("id");
        assertEquals("failed", Api.awaitEnded(sandbox, id, Duration.ofSeconds(5)).getString("state"));
    }

    @Test
    void aStoppedSandboxRefusesProcesses() {
        String sandbox = Api.newSandbox();
        Api.deleteSandbox(developer(), sandbox);
        assertJsonError(Api.postProcess(developer(), sandbox, Map.of("command", List.of("true"))), 409);
        assertEquals(0, Api.processes(Api.viewer(), sandbox).size());
    }

    @Test
    void badInputIsRefusedAndCreatesNothing() {
        String sandbox = Api.newSandbox();
        Api.runToCompletion(sandbox, "true");
        int before = Api.processes(Api.viewer(), sandbox).size();

        List<String> problems = new ArrayList<>();
        for (String body : List.of(
                "{}",
                "{\"command\":null}",
                "{\"command\":[]}",
                "{\"command\":\"sleep 1000\"}",
                "{\"command\":[\"sleep\",1000]}",
                "{\"command\":[\"sleep\",null]}",
                "{\"command\":[\"sleep\",[\"1000\"]]}",
                "{\"command\":[\"\"]}",
                "{\"command\":[\"sleep\",\"1000\"],\"env\":[\"NOEQUALS\"]}",
                "{\"command\":[\"sleep\",\"1000\"],\"env\":[\"=value\"]}",
                "{\"command\":[\"sleep\",\"1000\"],\"env\":[1]}",
                "{\"command\":[\"sleep\",\"1000\"],\"env\":{\"K\":\"v\"}}",
                "{\"command\":[\"sleep\",\"1000\"],\"cwd\":5}",
                "{\"command\":[\"sleep\",\"1000\"]",
                "not json",
                "",
                "[]")) {
            Response r = as(developer()).contentType(ContentType.JSON).body(body)
                    .post("/v1/sandboxes/{id}/processes", sandbox);
            try {
                assertJsonError(r, 400);
            } catch (AssertionError e) {
                problems.add("body " + body + ": " + e.getMessage());
            }
        }
        for (ContentType type : List.of(ContentType.TEXT, ContentType.XML, ContentType.URLENC)) {
            Response r = as(developer()).contentType(type).body("command=sleep")
                    .post("/v1/sandboxes/{id}/processes", sandbox);
            try {
                assertJsonError(r, 400, 415);
            } catch (AssertionError e) {
                problems.add("content type " + type + ": " + e.getMessage());
            }
        }
        assertEquals(List.of(), problems, "every bad request answers a JSON 400");
        assertEquals(before, Api.processes(Api.viewer(), sandbox).size(), "no process was created");
    }

    @Test
    void errorMessagesNameTheField() {
        String sandbox = Api.newSandbox();
        assertTrue(message(Api.postProcess(developer(), sandbox, Map.of())).contains("command"));
        assertTrue(message(Api.postProcess(developer(), sandbox,
                Map.of("command", List.of("true"), "env", List.of("NOEQUALS")))).contains("env"));
        assertTrue(message(Api.postProcess(developer(), sandbox,
                Map.of("command", List.of("true"), "cwd", ".."))).contains("cwd"));
    }

    private static String message(Response r) {
        assertJsonError(r, 400);
        return r.jsonPath().getString("error.message");
    }
}
