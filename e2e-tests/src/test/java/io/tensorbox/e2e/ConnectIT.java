package io.tensorbox.e2e;

import static io.tensorbox.e2e.RuntimeApi.body;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.tensorbox.e2e.ConnectStream.Frame;
import io.tensorbox.e2e.RuntimeApi.TokenSandbox;

/**
 * SPEC §5, Connect RPC: E2B envd's {@code process.Process} service under {@code runtime_url}, spoken as
 * E2B's client speaks it. Start streams {@code start}, the output as base64 {@code data} and {@code end}
 * (exit code, status, error as Go's os.ProcessState spells them), then the end-of-stream frame; its
 * {@code Connect-Timeout-Ms} is the command's deadline over the whole tree; Connect follows a running
 * process by pid or tag, and dropping either stream leaves the process running; SendInput, CloseStdin
 * and SendSignal act on running processes only ({@code not_found} otherwise); a streaming call always
 * answers 200 and carries its error in the end-of-stream frame, a unary one answers the HTTP status of
 * its Connect code. What happened is checked through the Processes API (§4) and from outside.
 */
@TensorBoxTest
class ConnectIT {
    private static final Duration STREAM = Duration.ofSeconds(30);
    private static String shared;

    /** One sandbox for the tests that do not count what runs in it. */
    private static synchronized String sandbox() {
        if (shared == null) {
            shared = Api.newSandbox();
        }
        return shared;
    }

    private static Map<String, String> developer() {
        return RuntimeApi.bearer(Api.developer());
    }

    /** A StartRequest of argv {@code cmd args...}, with extra request fields (tag, stdin) as name/value pairs. */
    private static Map<String, Object> startRequest(String cmd, List<String> args, Object... fields) {
        Map<String, Object> request = body(fields);
        request.put("process", body("cmd", cmd, "args", args));
        return request;
    }

    private static Map<String, Object> byPid(long pid, Object... fields) {
        Map<String, Object> request = body(fields);
        request.put("process", Map.of("pid", pid));
        return request;
    }

    private static Map<String, Object> byTag(String tag, Object... fields) {
        Map<String, Object> request = body(fields);
        request.put("process", Map.of("tag", tag));
        return request;
    }

    private static ConnectStream start(String sandbox, Map<String, Object> request) {
        return ConnectStream.call(sandbox, "Start", developer(), request).assertStreaming();
    }

    private static ConnectStream connect(String sandbox, Map<String, Object> request) {
        return ConnectStream.call(sandbox, "Connect", RuntimeApi.bearer(Api.viewer()), request).assertStreaming();
    }

    // ---- what a stream said

    /** A stream read to its end and checked frame by frame: start, data, end, then the end-of-stream frame {@code {}}. */
    record Outcome(long pid, String output, JsonNode end, List<Frame> frames) {
        static Outcome of(List<Frame> frames) {
            String all = frames.toString();
            assertTrue(frames.size() >= 3, () -> "at least start, end and the end-of-stream frame: " + all);
            Frame first = frames.getFirst();
            assertEquals("start", first.kind(), () -> "the first frame is the start event: " + all);
            long pid = ConnectIT.pid(first);
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            JsonNode end = null;
            for (int i = 1; i < frames.size() - 1; i++) {
                Frame f = frames.get(i);
                assertFalse(f.endOfStream(), () -> "an end-of-stream frame before the last: " + all);
                assertTrue(end == null, () -> "a frame after the end event: " + all);
                switch (f.kind()) {
                    case "data" -> output.writeBytes(f.data());
                    case "end" -> end = f.body();
                    case "keepalive" -> { }
                    default -> throw new AssertionError("an unexpected event " + f + " in " + all);
                }
            }
            assertNotNull(end, () -> "no end event: " + all);
            Frame last = frames.getLast();
            assertTrue(last.endOfStream(), () -> "the last frame has flags 0x02: " + all);
            assertEquals("{}", last.message().toString(), () -> "a stream that ended well closes with {}: " + all);
            return new Outcome(pid, output.toString(StandardCharsets.UTF_8), end, frames);
        }

        int exitCode() {
            return intField(end, "exitCode");
        }

        boolean exited() {
            return boolField(end, "exited");
        }

        String status() {
            return stringField(end, "status");
        }

        String error() {
            return stringField(end, "error");
        }

        @Override
        public String toString() {
            return frames.toString();
        }
    }

    /** The pid of a start event: a positive integer. */
    static long pid(Frame start) {
        assertEquals("start", start.kind(), () -> "expected the start event, got " + start);
        JsonNode pid = start.body().get("pid");
        assertTrue(pid != null && pid.isIntegralNumber() && pid.asLong() > 0, () -> "a start event with a pid > 0: " + start);
        return pid.asLong();
    }

    // proto3 JSON leaves default values out: an absent field is 0, false or "".

    static int intField(JsonNode message, String name) {
        JsonNode v = message.get(name);
        assertTrue(v == null || v.isInt(), () -> name + " is an integer in " + message);
        return v == null ? 0 : v.asInt();
    }

    static boolean boolField(JsonNode message, String name) {
        JsonNode v = message.get(name);
        assertTrue(v == null || v.isBoolean(), () -> name + " is a boolean in " + message);
        return v != null && v.asBoolean();
    }

    static String stringField(JsonNode message, String name) {
        JsonNode v = message.get(name);
        assertTrue(v == null || v.isTextual(), () -> name + " is a string in " + message);
        return v == null ? "" : v.asText();
    }

    /** The only frame of a stream refused before it started: the end-of-stream frame with this Connect code. */
    static JsonNode assertStreamError(ConnectStream stream, String code) {
        List<Frame> frames = stream.rest(STREAM);
        assertEquals(1, frames.size(), () -> "a refused stream is one end-of-stream frame: " + frames);
        Frame f = frames.getFirst();
        assertTrue(f.endOfStream(), () -> "flags 0x02: " + f);
        JsonNode error = f.error().orElseThrow(() -> new AssertionError("no error in " + f));
        assertEquals(code, error.path("code").asText(), f::toString);
        assertFalse(error.path("message").asText().isBlank(), () -> "a message: " + f);
        return error;
    }

    /** Reads data frames until their output holds {@code expected}; returns that output. */
    private static String awaitOutput(ConnectStream stream, String expected) {
        StringBuilder output = new StringBuilder();
        long deadline = System.nanoTime() + STREAM.toNanos();
        while (!output.toString().contains(expected)) {
            Frame f = stream.next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (f.endOfStream() || !f.kind().equals("data")) {
                throw new AssertionError("waiting for '" + expected + "' after '" + output + "', the stream sent " + f);
            }
            output.append(new String(f.data(), StandardCharsets.UTF_8));
        }
        return output.toString();
    }

    // ---- unary calls

    static Response unary(String sandbox, String method, Map<String, String> headers, Object message) {
        return RuntimeApi.with(headers).contentType("application/json").body(message)
                .post("/v1/sandboxes/{id}/process.Process/" + method, sandbox);
    }

    /** A unary call that must succeed with the empty message. */
    static void assertEmptyOk(Response r, String what) {
        assertEquals(200, r.statusCode(), () -> what + " answered " + r.statusCode() + ": " + r.asString());
        assertTrue(r.contentType().startsWith("application/json"), () -> what + " answered " + r.contentType());
        assertEquals(Map.of(), r.jsonPath().getMap(""), () -> what + " answered " + r.asString());
    }

    /** A unary Connect error: the HTTP status of its code and {@code {"code","message"}}. */
    static void assertUnaryError(Response r, int status, String code) {
        assertEquals(status, r.statusCode(), r::asString);
        assertTrue(r.contentType().startsWith("application/json"), () -> "a Connect error is JSON: " + r.contentType());
        assertEquals(code, r.jsonPath().getString("code"), r::asString);
        assertFalse(r.jsonPath().getString("message").isBlank(), r::asString);
    }

    static void sendInput(String sandbox, Map<String, Object> process, String base64) {
        Map<String, Object> request = body("process", process, "input", Map.of("stdin", base64));
        assertEmptyOk(unary(sandbox, "SendInput", developer(), request), "SendInput");
    }

    static void sendSignal(String sandbox, long pid, String signal) {
        assertEmptyOk(unary(sandbox, "SendSignal", developer(), byPid(pid, "signal", signal)), "SendSignal " + signal);
    }

    /** The List answer: the running processes with config, pid and tag. */
    static List<JsonNode> list(String sandbox) {
        Response r = unary(sandbox, "List", RuntimeApi.bearer(Api.viewer()), Map.of());
        assertEquals(200, r.statusCode(), () -> "List answered " + r.statusCode() + ": " + r.asString());
        try {
            JsonNode json = RuntimeApi.JSON.readTree(r.asByteArray());
            assertTrue(json.path("processes").isArray(), () -> "List answered " + json);
            List<JsonNode> processes = new ArrayList<>();
            json.get("processes").forEach(processes::add);
            return processes;
        } catch (IOException e) {
            throw new AssertionError("List answered something that is not JSON: " + r.asString(), e);
        }
    }

    static Optional<JsonNode> listed(String sandbox, long pid) {
        return list(sandbox).stream().filter(p -> p.path("pid").asLong() == pid).findFirst();
    }

    /** The process id of the newest process record (§4) with this pid. */
    static String recordOf(String sandbox, long pid) {
        return Api.processes(Api.viewer(), sandbox).stream()
                .filter(p -> ((Number) p.get("pid")).longValue() == pid)
                .max(Comparator.comparingLong(p -> ((Number) p.get("started_at")).longValue()))
                .map(p -> (String) p.get("id"))
                .orElseThrow(() -> new AssertionError("no process record with pid " + pid + " in " + sandbox));
    }

    /** Whether an argv {@code python3} runs in the sandbox (as Start runs it: no shell). */
    static boolean hasPython(String sandbox) {
        String id = Api.startProcess(sandbox, "python3", "-c", "pass").getString("id");
        JsonPath ended = Api.awaitEnded(sandbox, id, Duration.ofSeconds(30));
        return "exited".equals(ended.getString("state")) && ended.getInt("exit_code") == 0;
    }

    // ---- Start

    @Test
    void startStreamsStartDataEndAndTheEndOfStream() {
        String sandbox = sandbox();
        boolean python = hasPython(sandbox);
        List<String> argv = python ? List.of("python3", "-c", "print(1+1)") : List.of("sh", "-c", "echo 2");
        Outcome o;
        try (ConnectStream s = start(sandbox, startRequest(argv.getFirst(), argv.subList(1, argv.size())))) {
            o = Outcome.of(s.rest(STREAM));
        }
        assertEquals("2\n", o.output(), () -> argv + ": " + o);
        assertEquals(0, o.exitCode(), o::toString);
        assertTrue(o.exited(), o::toString);
        assertEquals("exit status 0", o.status(), o::toString);
        assertEquals("", o.error(), () -> "no error when it exited 0: " + o);

        // the pid is the process's: the Processes API has it, with the argv and the same end
        JsonPath record = Api.process(sandbox, recordOf(sandbox, o.pid()));
        assertEquals(argv, record.getList("command"), record::prettify);
        assertEquals("exited", record.getString("state"));
        assertEquals(0, record.getInt("exit_code"));
        assertEquals("2\n", new String(Api.logs(sandbox, record.getString("id")), StandardCharsets.UTF_8));
    }

    @Test
    void aNonZeroExitEndsWithItsCodeAndError() {
        String sandbox = sandbox();
        Outcome three;
        try (ConnectStream s = start(sandbox, startRequest("sh", List.of("-c", "exit 3")))) {
            three = Outcome.of(s.rest(STREAM));
        }
        assertEquals(3, three.exitCode(), three::toString);
        assertTrue(three.exited(), three::toString);
        assertEquals("exit status 3", three.status(), three::toString);
        assertEquals("exit status 3", three.error(), three::toString);
    }

    /** SPEC §5: a missing executable ends like a shell's, with 127 (the runtime API has one command model). */
    @Test
    void aMissingProgramEndsWith127() {
        String sandbox = sandbox();
        try (ConnectStream s = start(sandbox, startRequest("no-such-program-tbx", List.of("--flag")))) {
            List<Frame> frames = s.rest(STREAM);
            Frame last = frames.getLast();
            assertTrue(last.error().isEmpty(), () -> "a missing program is a process ending 127 like in a shell, "
                    + "not a failed call: " + frames);
            Outcome missing = Outcome.of(frames);
            assertEquals(127, missing.exitCode(), missing::toString);
            assertEquals("exit status 127", missing.error(), missing::toString);
            assertFalse(missing.output().isBlank(), () -> "a message says what is missing: " + missing);
        }
    }

    @Test
    void connectTimeoutMsIsTheDeadlineOfTheWholeTree() {
        String sandbox = sandbox();
        String root = RuntimeApi.workspaceRoot(sandbox);
        String late = root + "/" + RuntimeApi.fresh("late");
        String control = root + "/" + RuntimeApi.fresh("control");
        // The marker check itself works: a command that is not killed writes its marker.
        Api.runToCompletion(sandbox, "touch " + control);
        RuntimeApi.awaitExists(sandbox, control, Duration.ofSeconds(5));

        long before = System.nanoTime();
        Map<String, String> headers = new java.util.HashMap<>(developer());
        headers.put("Connect-Timeout-Ms", "1000");
        Outcome o;
        try (ConnectStream s = ConnectStream.call(sandbox, "Start", headers,
                startRequest("sh", List.of("-c", "(sleep 3; touch " + late + ") & echo $!; sleep 30"))).assertStreaming()) {
            o = Outcome.of(s.rest(STREAM));
        }
        long took = (System.nanoTime() - before) / 1_000_000;
        assertTrue(took < 15_000, () -> "the stream ended " + took + " ms after the request, not near the 1 s deadline");
        assertEquals(-1, o.exitCode(), o::toString);
        assertFalse(o.exited(), o::toString);
        assertEquals("signal: killed", o.status(), o::toString);
        assertTrue(o.output().matches("[0-9]+\n"), () -> "the background child's pid: " + o);
        long child = Long.parseLong(o.output().trim());

        RuntimeApi.awaitGone(sandbox, Duration.ofSeconds(5), "the command and its child after the deadline", o.pid(), child);
        // The grandchild would have written its marker 3 s after the start; wait past that with a margin.
        RuntimeApi.assertNeverAppears(sandbox, late, Duration.ofSeconds(4), "a descendant of a timed-out Start survived");
        JsonPath record = Api.awaitEnded(sandbox, recordOf(sandbox, o.pid()), Duration.ofSeconds(10));
        assertEquals(-1, record.getInt("exit_code"), record::prettify);
    }

    // ---- stdin, Connect, List

    @Test
    void inputByTagReachesCatAConnectByTagSeesItAndCloseStdinEndsIt() {
        String sandbox = sandbox();
        String tag = RuntimeApi.fresh("cat");
        try (ConnectStream started = start(sandbox, startRequest("cat", List.of(), "tag", tag, "stdin", true))) {
            long pid = pid(started.next(STREAM));
            assertTrue(Api.cluster().pids().isAlive(sandbox, pid), "the start event's pid is the live process");
            JsonNode info = listed(sandbox, pid).orElseThrow(() -> new AssertionError("List lacks pid " + pid + ": " + list(sandbox)));
            assertEquals(tag, info.path("tag").asText(), info::toString);
            assertEquals("cat", info.path("config").path("cmd").asText(), info::toString);

            String connected;
            int sent;
            try (ConnectStream follower = connect(sandbox, byTag(tag))) {
                assertEquals(pid, pid(follower.next(STREAM)), "Connect by tag follows the tagged process");
                // Connect starts at the current end of the output at some moment after it opened: send lines until one comes through.
                AtomicInteger sends = new AtomicInteger();
                StringBuilder got = new StringBuilder();
                await("hi on a Connect by tag").atMost(STREAM).pollInterval(Duration.ofMillis(300)).until(() -> {
                    sendInput(sandbox, Map.of("tag", tag), "aGkK");
                    sends.incrementAndGet();
                    follower.poll(Duration.ofMillis(200)).ifPresent(f -> got.append(new String(f.data(), StandardCharsets.UTF_8)));
                    return got.length() > 0;
                });
                sent = sends.get();
                assertEquals("running", Api.process(sandbox, recordOf(sandbox, pid)).getString("state"),
                        "cat waits for more input while its stdin is open");

                assertEmptyOk(unary(sandbox, "CloseStdin", developer(), byTag(tag)), "CloseStdin");
                Outcome rest = Outcome.of(withStart(pid, follower.rest(STREAM)));
                connected = got + rest.output();
                assertEquals(0, rest.exitCode(), rest::toString);
                assertTrue(rest.exited(), rest::toString);
            }
            assertTrue(connected.matches("(hi\n)+") && connected.length() <= 3 * sent,
                    () -> "Connect shows the echoed input after it opened: '" + connected + "' of " + sent + " sends");

            Outcome all = Outcome.of(withStart(pid, started.rest(STREAM)));
            assertEquals("hi\n".repeat(sent), all.output(), "Start streams the whole output from its beginning");
            assertEquals(0, all.exitCode(), all::toString);

            assertTrue(listed(sandbox, pid).isEmpty(), () -> "an ended process is not listed: " + list(sandbox));
            JsonPath record = Api.process(sandbox, recordOf(sandbox, pid));
            assertEquals("exited", record.getString("state"), record::prettify);
            assertEquals(0, record.getInt("exit_code"), record::prettify);
            assertUnaryError(unary(sandbox, "SendInput", developer(),
                    body("process", Map.of("tag", tag), "input", Map.of("stdin", "aGkK"))), 404, "not_found");
        }
    }

    /** A Connect stream's frames after its start event was read, with that event put back in front. */
    private static List<Frame> withStart(long pid, List<Frame> rest) {
        List<Frame> frames = new ArrayList<>();
        frames.add(new Frame(0, RuntimeApi.JSON.createObjectNode().set("event",
                RuntimeApi.JSON.createObjectNode().set("start", RuntimeApi.JSON.createObjectNode().put("pid", pid)))));
        frames.addAll(rest);
        return frames;
    }

    @Test
    void droppingTheStreamsLeavesTheProcessRunningUntilSigkill() {
        String sandbox = sandbox();
        long pid;
        try (ConnectStream started = start(sandbox, startRequest("sh", List.of("-c", "while :; do echo x; sleep 0.2; done")))) {
            pid = pid(started.next(STREAM));
            awaitOutput(started, "x\n");
            assertTrue(Api.cluster().pids().isAlive(sandbox, pid), "the start event's pid is the live process");
            try (ConnectStream follower = connect(sandbox, byPid(pid))) {
                assertEquals(pid, pid(follower.next(STREAM)));
                awaitOutput(follower, "x\n");
            }
        }
        String id = recordOf(sandbox, pid);
        try {
            await("the process after its streams were dropped").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> listed(sandbox, pid).isPresent() && "running".equals(Api.process(sandbox, id).getString("state")));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("the process did not run on after its streams were dropped: "
                    + Api.process(sandbox, id).prettify(), e);
        }
        assertTrue(Api.cluster().pids().isAlive(sandbox, pid));

        try (ConnectStream follower = connect(sandbox, byPid(pid))) {
            assertEquals(pid, pid(follower.next(STREAM)));
            awaitOutput(follower, "x\n");
            sendSignal(sandbox, pid, "SIGNAL_SIGKILL");
            Outcome o = Outcome.of(withStart(pid, follower.rest(STREAM)));
            assertEquals(-1, o.exitCode(), o::toString);
            assertFalse(o.exited(), o::toString);
            assertEquals("signal: killed", o.status(), o::toString);
        }
        JsonPath killed = Api.awaitEnded(sandbox, id, Duration.ofSeconds(10));
        assertEquals("killed", killed.getString("state"), killed::prettify);
        assertEquals(-1, killed.getInt("exit_code"));
        RuntimeApi.awaitGone(sandbox, Duration.ofSeconds(5), "the loop after SIGKILL", pid);
        assertTrue(listed(sandbox, pid).isEmpty(), () -> "a killed process is not listed: " + list(sandbox));
    }

    @Test
    void sigtermKillsAndALaterSignalIsNotFound() {
        String sandbox = sandbox();
        try (ConnectStream started = start(sandbox, startRequest("sleep", List.of("1000")))) {
            long pid = pid(started.next(STREAM));
            sendSignal(sandbox, pid, "SIGNAL_SIGTERM");
            Outcome o = Outcome.of(withStart(pid, started.rest(STREAM)));
            assertEquals(-1, o.exitCode(), o::toString);
            assertFalse(o.exited(), o::toString);
            assertFalse(o.error().isEmpty(), () -> "a signal's end has an error: " + o);

            JsonPath record = Api.awaitEnded(sandbox, recordOf(sandbox, pid), Duration.ofSeconds(10));
            assertEquals("killed", record.getString("state"), record::prettify);
            assertEquals(-1, record.getInt("exit_code"));
            RuntimeApi.awaitGone(sandbox, Duration.ofSeconds(5), "sleep after SIGTERM", pid);

            assertUnaryError(unary(sandbox, "SendSignal", developer(), byPid(pid, "signal", "SIGNAL_SIGTERM")), 404, "not_found");
            assertUnaryError(unary(sandbox, "CloseStdin", developer(), byPid(pid)), 404, "not_found");
            try (ConnectStream late = ConnectStream.call(sandbox, "Connect", developer(), byPid(pid)).assertStreaming()) {
                assertStreamError(late, "not_found");
            }
        }
    }

    @Test
    void stdinFalseLetsCatExitAtOnce() {
        String sandbox = sandbox();
        try (ConnectStream s = start(sandbox, startRequest("cat", List.of(), "stdin", false))) {
            Outcome o = Outcome.of(s.rest(Duration.ofSeconds(15)));
            assertEquals("", o.output(), o::toString);
            assertEquals(0, o.exitCode(), o::toString);
            assertTrue(o.exited(), o::toString);
            JsonPath record = Api.process(sandbox, recordOf(sandbox, o.pid()));
            assertEquals("exited", record.getString("state"), record::prettify);
            assertEquals(0, record.getInt("exit_code"));
        }
    }

    // ---- errors

    @Test
    void errorsEndTheStreamWithTheirConnectCode() {
        TokenSandbox mine = RuntimeApi.newSandboxWithToken(Api.developer());
        TokenSandbox other = RuntimeApi.newSandboxWithToken(Api.developer());
        String sleeper = Api.startProcess(mine.id(), "sleep", "100000").getString("id");
        int sleepPid = Api.process(mine.id(), sleeper).getInt("pid");
        int before = Api.processes(Api.viewer(), mine.id()).size();

        Map<String, Object> missingCwd = Map.of("process", Map.of("cmd", "pwd", "cwd", "does/not/exist"));
        try (ConnectStream s = ConnectStream.call(mine.id(), "Start", developer(), missingCwd).assertStreaming()) {
            JsonNode error = assertStreamError(s, "invalid_argument");
            assertTrue(error.path("message").asText().contains("cwd"), () -> "the message names the field: " + error);
        }

        Map<String, String> othersToken = RuntimeApi.accessToken(other.accessToken());
        try (ConnectStream s = ConnectStream.call(mine.id(), "Start", othersToken,
                startRequest("sh", List.of("-c", "echo pwned"))).assertStreaming()) {
            assertStreamError(s, "not_found");
        }
        try (ConnectStream s = ConnectStream.call(mine.id(), "Connect", othersToken, byPid(sleepPid)).assertStreaming()) {
            assertStreamError(s, "not_found");
        }
        assertUnaryError(unary(mine.id(), "List", othersToken, Map.of()), 404, "not_found");
        assertUnaryError(unary(mine.id(), "SendSignal", othersToken, byPid(sleepPid, "signal", "SIGNAL_SIGKILL")), 404, "not_found");

        try (ConnectStream s = ConnectStream.call(mine.id(), "Start", Map.of(),
                startRequest("sh", List.of("-c", "echo pwned"))).assertStreaming()) {
            assertStreamError(s, "unauthenticated");
        }
        assertUnaryError(unary(mine.id(), "List", Map.of(), Map.of()), 401, "unauthenticated");
        assertUnaryError(unary(mine.id(), "SendSignal", Map.of(), byPid(sleepPid, "signal", "SIGNAL_SIGKILL")), 401, "unauthenticated");

        assertEquals("running", Api.process(mine.id(), sleeper).getString("state"), "a refused SendSignal changed nothing");
        assertEquals(before, Api.processes(Api.viewer(), mine.id()).size(), "the refused Starts started nothing");

        // the sandbox's own token may do what the other one could not
        try (ConnectStream s = ConnectStream.call(mine.id(), "Start", RuntimeApi.accessToken(mine.accessToken()),
                startRequest("sh", List.of("-c", "echo mine"))).assertStreaming()) {
            Outcome o = Outcome.of(s.rest(STREAM));
            assertEquals("mine\n", o.output(), o::toString);
            assertEquals(0, o.exitCode(), o::toString);
        }
        assertTrue(list(mine.id()).stream().anyMatch(p -> p.path("pid").asLong() == sleepPid), "List shows the sleeper");
    }
}
