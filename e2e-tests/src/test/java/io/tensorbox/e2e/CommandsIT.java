package io.tensorbox.e2e;

import static io.tensorbox.e2e.RuntimeApi.body;
import static io.tensorbox.e2e.RuntimeApi.shell;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.tensorbox.e2e.RuntimeApi.Started;

/**
 * SPEC §5 background commands: {@code POST /commands} makes an ordinary process record (§4) that is
 * listed while it runs, its output stream (WebSocket and SSE, from an offset or from the end, across
 * a log roll, many followers, disconnects that leave it running), stdin with its end, signals by
 * name and kills, each addressed by pid or by process id.
 */
@TensorBoxTest
class CommandsIT {
    private static final Duration STREAM = Duration.ofSeconds(20);
    private static String shared;

    /** One sandbox for the tests that do not count what runs in it. */
    private static synchronized String sandbox() {
        if (shared == null) {
            shared = Api.newSandbox();
        }
        return shared;
    }

    /** What a stream delivered: the output messages' data joined, and the exit code of the last message. */
    record Streamed(String output, Integer exitCode, List<String> messages) {
        static Streamed of(List<JsonNode> messages) {
            StringBuilder output = new StringBuilder();
            Integer exit = null;
            List<String> raw = new ArrayList<>();
            for (int i = 0; i < messages.size(); i++) {
                JsonNode m = messages.get(i);
                raw.add(m.toString());
                Set<String> fields = new java.util.HashSet<>();
                m.fieldNames().forEachRemaining(fields::add);
                String type = m.path("type").asText();
                if (type.equals("output")) {
                    assertEquals(Set.of("type", "data"), fields, () -> "an output message " + m);
                    assertTrue(m.get("data").isTextual(), () -> "data is a string: " + m);
                    assertNull(exit, () -> "output after the exit message: " + raw);
                    output.append(m.get("data").asText());
                } else if (type.equals("exit")) {
                    assertEquals(Set.of("type", "exit_code"), fields, () -> "an exit message " + m);
                    assertTrue(m.get("exit_code").isInt(), () -> "exit_code is an integer: " + m);
                    assertEquals(messages.size() - 1, i, () -> "exit is the last message: " + raw);
                    exit = m.get("exit_code").asInt();
                } else {
                    throw new AssertionError("an unknown message " + m + " in " + raw);
                }
            }
            return new Streamed(output.toString(), exit, raw);
        }
    }

    private static Streamed untilClosed(WsClient ws, Duration limit) {
        List<JsonNode> messages = new ArrayList<>();
        for (WsClient.Message m : ws.untilClosed(limit)) {
            if (!(m instanceof WsClient.Text text)) {
                throw new AssertionError("a stream sends text messages only, not " + m);
            }
            messages.add(text.json());
        }
        return Streamed.of(messages);
    }

    private static Streamed sseToEnd(SseClient sse, Duration limit) {
        List<JsonNode> messages = new ArrayList<>();
        for (SseClient.Event e : sse.rest(limit)) {
            JsonNode json = e.json();
            assertEquals(json.path("type").asText(), e.name(), () -> "the event is named after its message: " + e);
            messages.add(json);
        }
        return Streamed.of(messages);
    }

    /** Reads text messages until their output holds {@code expected}; returns that output. */
    private static String awaitOutput(WsClient ws, String expected) {
        StringBuilder output = new StringBuilder();
        long deadline = System.nanoTime() + STREAM.toNanos();
        while (!output.toString().contains(expected)) {
            WsClient.Message m = ws.next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (!(m instanceof WsClient.Text text) || !text.json().path("type").asText().equals("output")) {
                throw new AssertionError("waiting for '" + expected + "' after '" + output + "', the stream sent " + m);
            }
            output.append(text.json().path("data").asText());
        }
        return output.toString();
    }

    private static WsClient stream(String sandbox, Object pidOrId, String offset) {
        return WsClient.open(RuntimeApi.streamPath(sandbox, pidOrId, offset), RuntimeApi.bearer(Api.viewer())).assertConnected();
    }

    private static String log(String sandbox, String processId) {
        return new String(Api.logs(sandbox, processId), StandardCharsets.UTF_8);
    }

    private static String awaitLog(String sandbox, String processId, String expected) {
        return await("the log of " + processId + " holding " + expected.strip()).atMost(STREAM)
                .pollInterval(Duration.ofMillis(100)).until(() -> log(sandbox, processId), l -> l.contains(expected));
    }

    private static Map<String, Object> entry(List<Map<String, Object>> commands, String processId) {
        return commands.stream().filter(c -> processId.equals(c.get("process_id"))).findFirst().orElse(null);
    }

    // ---- start and list

    @Test
    void aBackgroundCommandIsListedWhileItRunsAndIsAnOrdinaryProcess() {
        String sandbox = Api.newSandbox();
        String line = "echo started; sleep 1000";
        Started started = RuntimeApi.startShell(sandbox, line);
        assertTrue(Api.cluster().pids().isAlive(sandbox, started.pid()), "pid names the live process in the sandbox");

        List<Map<String, Object>> running = RuntimeApi.commands(Api.viewer(), sandbox, false);
        assertEquals(1, running.size(), () -> "the running commands " + running);
        Map<String, Object> c = running.getFirst();
        assertEquals(RuntimeApi.COMMAND_FIELDS, c.keySet(), () -> "the fields of " + c);
        assertEquals(started.processId(), c.get("process_id"));
        assertEquals(started.pid(), c.get("pid"));
        assertEquals(line, c.get("cmd"));
        assertEquals("running", c.get("status"));
        assertNull(c.get("exit_code"), "exit_code is null while it runs");

        JsonPath record = Api.process(sandbox, started.processId());
        assertEquals("running", record.getString("state"), "the Processes API sees it");
        assertEquals(started.pid(), record.getInt("pid"));
        assertEquals("started\n", awaitLog(sandbox, started.processId(), "started\n"), "its log is the §4 log");

        RuntimeApi.kill(Api.developer(), sandbox, started.pid()).then().statusCode(204);
        assertEquals("killed", Api.awaitEnded(sandbox, started.processId(), Duration.ofSeconds(10)).getString("state"));
        assertEquals(List.of(), RuntimeApi.commands(Api.viewer(), sandbox, false), "no longer listed once it ended");
        Map<String, Object> killed = entry(RuntimeApi.commands(Api.viewer(), sandbox, true), started.processId());
        assertTrue(killed != null, "all=true lists it");
        assertEquals("killed", killed.get("status"));
        assertEquals(-1, killed.get("exit_code"));
    }

    @Test
    void anExitedCommandIsListedOnlyWithAll() {
        String sandbox = Api.newSandbox();
        Started started = RuntimeApi.start(sandbox, body("cmd", "sh", "args", List.of("-c", "exit 5")));
        JsonPath ended = Api.awaitEnded(sandbox, started.processId(), Duration.ofSeconds(20));
        assertEquals("exited", ended.getString("state"));
        assertEquals(5, ended.getInt("exit_code"));

        assertEquals(List.of(), RuntimeApi.commands(Api.viewer(), sandbox, false));
        Response explicit = Api.as(Api.viewer()).get("/v1/sandboxes/{id}/commands?all=false", sandbox);
        assertEquals(List.of(), explicit.then().statusCode(200).extract().jsonPath().getList("commands"));
        List<Map<String, Object>> all = RuntimeApi.commands(Api.viewer(), sandbox, true);
        assertEquals(1, all.size(), () -> "all=true: " + all);
        Map<String, Object> c = all.getFirst();
        assertEquals(RuntimeApi.COMMAND_FIELDS, c.keySet());
        assertEquals("sh -c exit 5", c.get("cmd"), "an argv command is shown joined by spaces");
        assertEquals("exited", c.get("status"));
        assertEquals(5, c.get("exit_code"));
        Api.assertJsonError(Api.as(Api.viewer()).get("/v1/sandboxes/{id}/commands?all=maybe", sandbox), 400);
    }

    @Test
    void seed003HttpServerKeepsRunningAfterTheCallerLeaves() throws Exception {
        String sandbox = Api.newSandbox();
        Assumptions.assumeTrue(RuntimeApi.hasPython(sandbox), "no python3 on this runtime");
        // The seed's port in a pod; the local runtime shares the host's network, where 3000 may be taken.
        int port = Api.cluster().runtime() == RuntimeKind.KUBERNETES ? 3000 : freePort();
        Started server = RuntimeApi.startShell(sandbox, "python3 -m http.server " + port + " --bind 0.0.0.0");

        String fetch = "python3 -c \"import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:" + port
                + "/').status)\"";
        await("the seed's http.server answering").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> RuntimeApi.run(sandbox, body("cmd", fetch, "timeoutMs", 10_000)).stdout(), "200\n"::equals);
        Map<String, Object> listed = entry(RuntimeApi.commands(Api.viewer(), sandbox, false), server.processId());
        assertTrue(listed != null && "running".equals(listed.get("status")), () -> "still running: " + listed);
        assertTrue(Api.cluster().pids().isAlive(sandbox, server.pid()));
        RuntimeApi.kill(Api.developer(), sandbox, server.processId()).then().statusCode(204);
        assertEquals("killed", Api.awaitEnded(sandbox, server.processId(), Duration.ofSeconds(10)).getString("state"));
    }

    @Test
    void theStdinOfTheBodyIsFedAndThenClosed() {
        String sandbox = sandbox();
        Started started = RuntimeApi.start(sandbox, body("cmd", "wc -c", "stdin", "abc"));
        JsonPath ended = Api.awaitEnded(sandbox, started.processId(), Duration.ofSeconds(20));
        assertEquals("exited", ended.getString("state"), "wc read the end of its input");
        assertEquals("3\n", awaitLog(sandbox, started.processId(), "\n"), "wc counted the 3 bytes of stdin");
    }

    @Test
    void aMissingCwdIsABadRequestAndStartsNothing() {
        String sandbox = Api.newSandbox();
        Response r = RuntimeApi.startCommand(Api.developer(), sandbox, body("cmd", "pwd", "cwd", "does/not/exist"));
        assertEquals("invalid_cwd", Api.assertJsonError(r, 400), r::asString);
        assertEquals(List.of(), RuntimeApi.commands(Api.viewer(), sandbox, true), "nothing was started");
    }

    // ---- the output stream

    @Test
    void aWebSocketStreamFromOffsetZeroDeliversAllOutputAndTheExitCode() {
        String sandbox = sandbox();
        Started started = RuntimeApi.startShell(sandbox, "echo one; echo two >&2; echo three; exit 7");
        try (WsClient ws = stream(sandbox, started.pid(), "0")) {
            Streamed s = untilClosed(ws, STREAM);
            assertEquals("one\ntwo\nthree\n", s.output(), () -> "stdout and stderr both as output: " + s.messages());
            assertEquals(7, s.exitCode(), () -> "the exit message: " + s.messages());
        }
    }

    @Test
    void theEventStreamFormSendsTheSameMessages() {
        String sandbox = sandbox();
        Started started = RuntimeApi.startShell(sandbox, "echo one; echo two >&2; exit 6");
        try (SseClient sse = SseClient.get(RuntimeApi.streamPath(sandbox, started.processId(), "0"),
                RuntimeApi.bearer(Api.viewer()))) {
            sse.assertStreaming();
            Streamed s = sseToEnd(sse, STREAM);
            assertEquals("one\ntwo\n", s.output(), s.messages()::toString);
            assertEquals(6, s.exitCode(), s.messages()::toString);
        }
    }

    @Test
    void withoutAnOffsetOnlyNewOutputIsStreamed() {
        String sandbox = sandbox();
        Started started = RuntimeApi.startShell(sandbox, "echo old; cat");
        awaitLog(sandbox, started.processId(), "old\n");
        try (WsClient ws = stream(sandbox, started.processId(), null)) {
            // The stream starts at the end of the log at some moment after it opened: feed lines until they come through.
            AtomicInteger tick = new AtomicInteger();
            StringBuilder got = new StringBuilder();
            await("new output on a stream without offset").atMost(STREAM).pollInterval(Duration.ofMillis(300)).until(() -> {
                RuntimeApi.stdin(Api.developer(), sandbox, started.pid(), Map.of("data", "tick-" + tick.incrementAndGet() + "\n"))
                        .then().statusCode(204);
                try {
                    WsClient.Message m = ws.next(Duration.ofMillis(200));
                    got.append(((WsClient.Text) m).json().path("data").asText());
                } catch (AssertionError nothingYet) {
                    // next tick
                }
                return got.toString().contains("tick-");
            });
            RuntimeApi.kill(Api.developer(), sandbox, started.pid()).then().statusCode(204);
            Streamed rest = untilClosed(ws, STREAM);
            String all = got + rest.output();
            assertFalse(all.contains("old"), () -> "output from before the stream opened: " + all);
            assertTrue(all.matches("(tick-[0-9]+\n)*(tick-[0-9]+)?"), () -> "only the new lines: " + all);
            assertEquals(-1, rest.exitCode(), () -> "a killed command's exit: " + rest.messages());
        }
    }

    @Test
    void twoClientsFollowOneProcess() {
        String sandbox = sandbox();
        String gate = RuntimeApi.fresh("gate");
        Api.runToCompletion(sandbox, "mkfifo " + gate);
        Started started = RuntimeApi.startShell(sandbox, "echo start; read l < " + gate + "; echo \"end $l\"; exit 3");
        try (WsClient byPid = stream(sandbox, started.pid(), "0");
             WsClient byId = stream(sandbox, started.processId(), "0")) {
            String a = awaitOutput(byPid, "start\n");
            String b = awaitOutput(byId, "start\n");
            Api.runToCompletion(sandbox, "echo go > " + gate);
            Streamed restA = untilClosed(byPid, STREAM);
            Streamed restB = untilClosed(byId, STREAM);
            assertEquals("start\nend go\n", a + restA.output(), restA.messages()::toString);
            assertEquals("start\nend go\n", b + restB.output(), restB.messages()::toString);
            assertEquals(3, restA.exitCode());
            assertEquals(3, restB.exitCode());
        }
    }

    @Test
    void aClientThatDisconnectsLeavesTheProcessRunning() {
        String sandbox = sandbox();
        Started started = RuntimeApi.startShell(sandbox, "echo hi; cat");
        try (WsClient ws = stream(sandbox, started.pid(), "0")) {
            awaitOutput(ws, "hi\n");
            ws.abort();
        }
        try (WsClient ws = stream(sandbox, started.pid(), "0")) {
            awaitOutput(ws, "hi\n");
            ws.sendClose();
        }
        try (SseClient sse = SseClient.get(RuntimeApi.streamPath(sandbox, started.pid(), "0"), RuntimeApi.bearer(Api.viewer()))) {
            sse.assertStreaming();
            assertEquals("output", sse.next(STREAM).name());
        }
        await("the process after its followers left").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> "running".equals(Api.process(sandbox, started.processId()).getString("state")));
        assertTrue(Api.cluster().pids().isAlive(sandbox, started.pid()));

        try (WsClient ws = stream(sandbox, started.pid(), null)) {
            RuntimeApi.stdin(Api.developer(), sandbox, started.pid(), Map.of("data", "still here\n")).then().statusCode(204);
            awaitLog(sandbox, started.processId(), "still here\n");
            RuntimeApi.kill(Api.developer(), sandbox, started.pid()).then().statusCode(204);
            assertEquals(-1, untilClosed(ws, STREAM).exitCode());
        }
    }

    @Test
    void aStreamFromTheEndHasEverythingWrittenOnceItAnswered() {
        String sandbox = sandbox();
        Started started = RuntimeApi.startShell(sandbox, "echo before; cat");
        awaitLog(sandbox, started.processId(), "before\n");
        for (int i = 0; i < 5; i++) {
            // connect(pid) of the SDKs: no offset, then write at once; the answer came after the start was fixed
            try (SseClient sse = SseClient.get(RuntimeApi.streamPath(sandbox, started.pid(), null), RuntimeApi.bearer(Api.viewer()))) {
                sse.assertStreaming();
                RuntimeApi.stdin(Api.developer(), sandbox, started.pid(), Map.of("data", "line-" + i + "\n")).then().statusCode(204);
                SseClient.Event first = sse.next(STREAM);
                assertEquals("line-" + i + "\n", first.json().path("data").asText(), "only what came after, all of it: " + first);
            }
        }
        RuntimeApi.kill(Api.developer(), sandbox, started.pid()).then().statusCode(204);
    }

    @Test
    void aStreamAcrossALogRollLosesAndRepeatsNothing() {
        String sandbox = sandbox();
        int size = LogsIT.TEN_MIB + 12_345;
        String expected = "start\n" + new String(java.util.Arrays.copyOf(LogsIT.seq(2_000_000), size), StandardCharsets.US_ASCII);
        String gate = RuntimeApi.fresh("gate");
        Api.runToCompletion(sandbox, "mkfifo " + gate);
        Started started = RuntimeApi.startShell(sandbox, "echo start; read l < " + gate + "; seq 1 2000000 | head -c " + size);
        try (WsClient ws = stream(sandbox, started.pid(), "0")) {
            String first = awaitOutput(ws, "start\n");
            Api.runToCompletion(sandbox, "echo go > " + gate);
            Streamed rest = untilClosed(ws, Duration.ofSeconds(120));
            String all = first + rest.output();
            assertEquals(expected.length(), all.length(), "every byte once across the roll");
            if (!expected.equals(all)) {
                int i = 0;
                while (expected.charAt(i) == all.charAt(i)) {
                    i++;
                }
                int at = i;
                throw new AssertionError("the stream differs from the output at byte " + at + ": expected '"
                        + expected.substring(at, Math.min(at + 40, expected.length())) + "' got '"
                        + all.substring(at, Math.min(at + 40, all.length())) + "'");
            }
            assertEquals(0, rest.exitCode());
        }
    }

    // ---- stdin, signals, kill

    @Test
    void stdinReachesCatAndItsEndLetsCatExit() {
        String sandbox = sandbox();
        Started started = RuntimeApi.start(sandbox, body("cmd", "cat", "args", List.of()));
        RuntimeApi.stdin(Api.developer(), sandbox, started.pid(), Map.of("data", "hello\n")).then().statusCode(204);
        RuntimeApi.stdin(Api.developer(), sandbox, started.processId(), Map.of("data", "wörld ✓\n")).then().statusCode(204);
        awaitLog(sandbox, started.processId(), "wörld ✓\n");
        assertEquals("running", Api.process(sandbox, started.processId()).getString("state"), "cat waits for more");
        RuntimeApi.stdin(Api.developer(), sandbox, started.pid(), Map.of("eof", true)).then().statusCode(204);
        JsonPath ended = Api.awaitEnded(sandbox, started.processId(), Duration.ofSeconds(10));
        assertEquals("exited", ended.getString("state"));
        assertEquals(0, ended.getInt("exit_code"));
        assertEquals("hello\nwörld ✓\n", log(sandbox, started.processId()));

        Started second = RuntimeApi.start(sandbox, body("cmd", "cat"));
        RuntimeApi.stdin(Api.developer(), sandbox, second.processId(), Map.of("data", "last\n", "eof", true))
                .then().statusCode(204);
        assertEquals("exited", Api.awaitEnded(sandbox, second.processId(), Duration.ofSeconds(10)).getString("state"));
        assertEquals("last\n", awaitLog(sandbox, second.processId(), "\n"));
    }

    @Test
    void stdinToAnEndedCommandIsAConflict() {
        String sandbox = sandbox();
        Started started = RuntimeApi.startShell(sandbox, "true");
        Api.awaitEnded(sandbox, started.processId(), Duration.ofSeconds(20));
        Api.assertJsonError(RuntimeApi.stdin(Api.developer(), sandbox, started.pid(), Map.of("data", "late\n")), 409);
        Api.assertJsonError(RuntimeApi.stdin(Api.developer(), sandbox, started.processId(), Map.of("eof", true)), 409);
    }

    @Test
    void sigtermAndIntEndASleep() {
        String sandbox = sandbox();
        Started term = RuntimeApi.start(sandbox, body("cmd", "sleep", "args", List.of("1000")));
        RuntimeApi.signal(Api.developer(), sandbox, term.pid(), "SIGTERM").then().statusCode(204);
        JsonPath ended = Api.awaitEnded(sandbox, term.processId(), Duration.ofSeconds(10));
        assertEquals("killed", ended.getString("state"));
        assertEquals(-1, ended.getInt("exit_code"));
        RuntimeApi.awaitGone(sandbox, Duration.ofSeconds(5), "sleep after SIGTERM", term.pid());

        Started interrupt = RuntimeApi.start(sandbox, body("cmd", "sleep", "args", List.of("1000")));
        RuntimeApi.signal(Api.developer(), sandbox, interrupt.processId(), "INT").then().statusCode(204);
        assertEquals("killed", Api.awaitEnded(sandbox, interrupt.processId(), Duration.ofSeconds(10)).getString("state"));
        RuntimeApi.signal(Api.developer(), sandbox, interrupt.processId(), "SIGTERM").then().statusCode(204);
    }

    @Test
    void sigstopPausesAndSigcontResumes() {
        String sandbox = sandbox();
        Started cat = RuntimeApi.start(sandbox, body("cmd", "cat", "args", List.of()));
        RuntimeApi.signal(Api.developer(), sandbox, cat.pid(), "SIGSTOP").then().statusCode(204);
        await("cat stopped").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> Api.cluster().pids().state(sandbox, cat.pid()), "T"::equals);

        RuntimeApi.stdin(Api.developer(), sandbox, cat.pid(), Map.of("data", "while stopped\n")).then().statusCode(204);
        await("a stopped cat echoes nothing").during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(250)).until(() -> log(sandbox, cat.processId()).isEmpty());
        assertEquals("running", Api.process(sandbox, cat.processId()).getString("state"), "a stopped process is running");

        RuntimeApi.signal(Api.developer(), sandbox, cat.processId(), "SIGCONT").then().statusCode(204);
        awaitLog(sandbox, cat.processId(), "while stopped\n");
        assertFalse("T".equals(Api.cluster().pids().state(sandbox, cat.pid())), "cat runs again");
        RuntimeApi.kill(Api.developer(), sandbox, cat.pid()).then().statusCode(204);
    }

    @Test
    void anUnknownSignalIsABadRequest() {
        String sandbox = sandbox();
        Started sleep = RuntimeApi.start(sandbox, body("cmd", "sleep", "args", List.of("1000")));
        for (Object bad : List.of("SIGFOO", "", "SIG", 9)) {
            Response r = Api.as(Api.developer()).contentType(io.restassured.http.ContentType.JSON)
                    .body(Map.of("signal", bad)).post("/v1/sandboxes/{id}/commands/{pid}/signal", sandbox, sleep.pid());
            Api.assertJsonError(r, 400);
            assertTrue(r.jsonPath().getString("error.message").contains("signal"), () -> bad + ": " + r.asString());
        }
        assertEquals("running", Api.process(sandbox, sleep.processId()).getString("state"), "refused signals changed nothing");
        RuntimeApi.kill(Api.developer(), sandbox, sleep.pid()).then().statusCode(204);
    }

    @Test
    void deleteKillsTheProcessGroupByPidOrByProcessId() {
        String sandbox = sandbox();
        Started parent = RuntimeApi.startShell(sandbox, "sleep 1000 & echo $!; wait");
        long child = Long.parseLong(awaitLog(sandbox, parent.processId(), "\n").trim());
        RuntimeApi.kill(Api.developer(), sandbox, parent.pid()).then().statusCode(204);
        JsonPath killed = Api.awaitEnded(sandbox, parent.processId(), Duration.ofSeconds(10));
        assertEquals("killed", killed.getString("state"));
        assertEquals(-1, killed.getInt("exit_code"));
        RuntimeApi.awaitGone(sandbox, Duration.ofSeconds(5), "the command's group after DELETE", parent.pid(), child);
        RuntimeApi.kill(Api.developer(), sandbox, parent.pid()).then().statusCode(204);

        Started byId = RuntimeApi.start(sandbox, body("cmd", "sleep", "args", List.of("1000")));
        RuntimeApi.kill(Api.developer(), sandbox, byId.processId()).then().statusCode(204);
        assertEquals("killed", Api.awaitEnded(sandbox, byId.processId(), Duration.ofSeconds(10)).getString("state"));
        RuntimeApi.kill(Api.developer(), sandbox, byId.processId()).then().statusCode(204);
    }

    @Test
    void unknownCommandsAreNotFound() {
        String sandbox = sandbox();
        String other = Api.newSandbox();
        Started theirs = RuntimeApi.start(other, body("cmd", "sleep", "args", List.of("1000")));
        for (String unknown : List.of("999999999", "proc_000000000000000000000000", "garbage", theirs.processId())) {
            Api.assertJsonError(RuntimeApi.stdin(Api.developer(), sandbox, unknown, Map.of("data", "x")), 404);
            Api.assertJsonError(RuntimeApi.signal(Api.developer(), sandbox, unknown, "SIGKILL"), 404);
            Api.assertJsonError(RuntimeApi.kill(Api.developer(), sandbox, unknown), 404);
            try (SseClient sse = SseClient.get(RuntimeApi.streamPath(sandbox, unknown, "0"), RuntimeApi.bearer(Api.viewer()))) {
                assertEquals(404, sse.status(), () -> "stream of " + unknown + ": " + sse.status() + " " + sse.errorBody());
            }
        }
        assertEquals("running", Api.process(other, theirs.processId()).getString("state"), "the other sandbox's command runs on");
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
