package io.tensorbox.e2e;

import static io.tensorbox.e2e.RuntimeApi.body;
import static io.tensorbox.e2e.RuntimeApi.run;
import static io.tensorbox.e2e.RuntimeApi.runOk;
import static io.tensorbox.e2e.RuntimeApi.shell;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.restassured.response.Response;
import io.tensorbox.e2e.RuntimeApi.RunResult;

/**
 * SPEC §5 sync run ({@code POST {runtime_url}/run}, seeds 001 and 003): argv and shell-line forms,
 * cwd, env, user, stdin with its end, exit codes, the deadline that kills the command and its
 * children inside the sandbox, the output cap, the event-stream form whose chunks arrive while the
 * command runs, and a caller that goes away killing the command.
 */
@TensorBoxTest
class RunIT {
    private static final Duration EVENT = Duration.ofSeconds(15);
    private static String shared;

    /** One sandbox for the tests of this class that do not depend on what else runs in it. */
    private static synchronized String sandbox() {
        if (shared == null) {
            shared = Api.newSandbox();
        }
        return shared;
    }

    @Test
    void seed003PythonPrintsTwo() {
        String sandbox = sandbox();
        Assumptions.assumeTrue(RuntimeApi.hasPython(sandbox), "no python3 on this runtime");
        RunResult r = run(sandbox, shell("python3 -c \"print(1 + 1)\""));
        assertEquals("2\n", r.stdout(), r::raw);
        assertEquals("", r.stderr(), r::raw);
        assertEquals(0, r.exitCode(), r::raw);
        assertFalse(r.timedOut(), r::raw);
        assertFalse(r.truncated(), r::raw);
        assertTrue(r.durationMs() >= 0 && r.durationMs() < 30_000, r::raw);
    }

    @Test
    void argvIsPassedAsIsWithoutAShell() {
        List<String> args = List.of("[%s]", "a b", "$HOME", "$(echo hacked)", "`id`", "*", ";|&", "'q'", "\"dq\"", "héllo ✓", "");
        RunResult r = run(sandbox(), body("cmd", "printf", "args", args));
        StringBuilder expected = new StringBuilder();
        args.subList(1, args.size()).forEach(a -> expected.append('[').append(a).append(']'));
        assertEquals(expected.toString(), r.stdout(), r::raw);
        assertEquals(0, r.exitCode(), r::raw);

        RunResult noArgs = run(sandbox(), body("cmd", "pwd", "args", List.of()));
        assertEquals(0, noArgs.exitCode(), "an empty args list runs the program without arguments: " + noArgs.raw());
    }

    @Test
    void aShellLineHasPipesAndOrAndRedirections() {
        String sandbox = sandbox();
        String file = RuntimeApi.fresh("redirected");
        assertEquals("a\nb\n", runOk(sandbox, "printf 'c\\nb\\na\\n' | sort | head -n 2"));
        assertEquals("yes\nno\n", runOk(sandbox, "true && echo yes && false || echo no"));
        RunResult r = run(sandbox, shell("echo hi > " + file + " && cat < " + file + " && echo err 1>&2 && rm " + file));
        assertEquals("hi\n", r.stdout(), r::raw);
        assertEquals("err\n", r.stderr(), r::raw);
        assertEquals(0, r.exitCode(), r::raw);
        RunResult exit = run(sandbox, shell("echo out; echo oops >&2; exit 3"));
        assertEquals(3, exit.exitCode(), exit::raw);
        assertEquals("out\n", exit.stdout(), exit::raw);
        assertEquals("oops\n", exit.stderr(), exit::raw);
    }

    @Test
    void cwdIsAbsoluteOrRelativeToTheWorkspaceAndMustExist() {
        String sandbox = sandbox();
        String root = RuntimeApi.workspaceRoot(sandbox);
        String dir = RuntimeApi.fresh("app");
        runOk(sandbox, "mkdir -p " + dir + "/sub");

        assertEquals(root + "\n", run(sandbox, body("cmd", "pwd")).stdout(), "no cwd: the workspace root");
        assertEquals(root + "/" + dir + "/sub\n", run(sandbox, body("cmd", "pwd", "cwd", dir + "/sub")).stdout(), "relative");
        assertEquals(root + "/" + dir + "\n", run(sandbox, body("cmd", "pwd", "cwd", root + "/" + dir)).stdout(), "absolute");
        assertEquals("/\n", run(sandbox, body("cmd", "pwd", "args", List.of(), "cwd", "/")).stdout(), "absolute, argv form");

        for (Map<String, Object> missing : List.of(
                body("cmd", "pwd", "cwd", dir + "/does/not/exist"),
                body("cmd", "pwd", "cwd", "/no/such/dir-tbx-e2e"),
                body("cmd", "pwd", "args", List.of(), "cwd", "does-not-exist"))) {
            Response r = run(Api.developer(), sandbox, missing);
            assertEquals("invalid_cwd", Api.assertJsonError(r, 400), () -> missing + ": " + r.asString());
            assertTrue(r.jsonPath().getString("error.message").contains("cwd"), () -> "the message names cwd: " + r.asString());
        }
    }

    @Test
    void envReachesTheCommandUninterpreted() {
        String sandbox = sandbox();
        String odd = "$(echo no) 'x' \"y\" `z` ;|&";
        Map<String, String> env = Map.of("FOO", "hello world", "BAR", "a=b", "ODD", odd);
        assertEquals("hello world|a=b\n", run(sandbox, body("cmd", "echo \"$FOO|$BAR\"", "env", env)).stdout());
        assertEquals(odd, run(sandbox, body("cmd", "printf '%s' \"$ODD\"", "env", env)).stdout());
        assertEquals("hello world\n", run(sandbox, body("cmd", "printenv", "args", List.of("FOO"), "env", env)).stdout());
    }

    @Test
    void theDefaultUserRunsTheCommandAndAnUnknownUserIsRefused() {
        String sandbox = sandbox();
        String user = RuntimeApi.defaultUser();
        assertEquals(user + "\n", run(sandbox, shell("id -un")).stdout(), "the default user");
        assertEquals(user + "\n", run(sandbox, body("cmd", "id -un", "user", user)).stdout(), "the default user by name");
        Response r = run(Api.developer(), sandbox, body("cmd", "id -un", "user", "nosuchusertbx"));
        assertEquals("invalid_user", Api.assertJsonError(r, 400), r::asString);
        assertTrue(r.jsonPath().getString("error.message").contains("user"), () -> "the message names user: " + r.asString());
    }

    @Test
    void stdinIsFedAndThenEnded() {
        String sandbox = sandbox();
        RunResult count = run(sandbox, body("cmd", "wc -c", "stdin", "hello\nworld\n", "timeoutMs", 20_000));
        assertEquals("12", count.stdout().trim(), count::raw);
        assertFalse(count.timedOut(), () -> "wc saw the end of its input: " + count.raw());

        String text = "héllo ✓\nline two\n";
        RunResult cat = run(sandbox, body("cmd", "cat", "args", List.of(), "stdin", text, "timeoutMs", 20_000));
        assertEquals(text, cat.stdout(), cat::raw);
        assertEquals(0, cat.exitCode(), cat::raw);

        RunResult none = run(sandbox, body("cmd", "cat", "timeoutMs", 20_000));
        assertFalse(none.timedOut(), () -> "without stdin a command reads end of input at once: " + none.raw());
        assertEquals("", none.stdout(), none::raw);
        assertEquals(0, none.exitCode(), none::raw);
    }

    @Test
    void aMissingCommandExits127InBothForms() {
        String sandbox = sandbox();
        RunResult line = run(sandbox, shell("no-such-command-tbx --flag"));
        assertEquals(127, line.exitCode(), line::raw);
        assertTrue(line.stderr().contains("no-such-command-tbx"), () -> "a shell's message on stderr: " + line.raw());

        RunResult argv = run(sandbox, body("cmd", "no-such-command-tbx", "args", List.of("--flag")));
        assertEquals(127, argv.exitCode(), argv::raw);
        assertFalse(argv.stderr().isBlank(), () -> "a message on stderr: " + argv.raw());
    }

    @Test
    void theDeadlineKillsTheCommandAndEveryDescendant() {
        String sandbox = sandbox();
        String root = RuntimeApi.workspaceRoot(sandbox);
        String late = root + "/" + RuntimeApi.fresh("late");
        String pidFile = root + "/" + RuntimeApi.fresh("pids");
        String control = root + "/" + RuntimeApi.fresh("control");

        // The marker check itself works: a command that is not killed writes its marker.
        runOk(sandbox, "touch " + control);
        RuntimeApi.awaitExists(sandbox, control, Duration.ofSeconds(5));

        long before = System.nanoTime();
        RunResult r = run(sandbox, body("cmd", "(sleep 2; touch " + late + ") & echo $$ $! > " + pidFile + "; sleep 30",
                "timeoutMs", 1000));
        long took = (System.nanoTime() - before) / 1_000_000;
        assertTrue(r.timedOut(), r::raw);
        assertEquals(-1, r.exitCode(), r::raw);
        assertTrue(r.durationMs() >= 900 && r.durationMs() < 10_000, () -> "duration_ms near the deadline: " + r.raw());
        assertTrue(took < 15_000, "the answer came " + took + " ms after the request, not after the command's 30 s");

        long[] pids = RuntimeApi.pids(new String(Api.cluster().files().read(sandbox, pidFile), StandardCharsets.UTF_8));
        RuntimeApi.awaitGone(sandbox, Duration.ofSeconds(5), "the shell and its background child after the deadline", pids);
        // The grandchild would have written its marker 2 s after the start; wait past that with a margin.
        RuntimeApi.assertNeverAppears(sandbox, late, Duration.ofSeconds(3), "a descendant of a timed-out command survived");
    }

    @Test
    void noDeadlineWhenTimeoutIsZero() {
        RunResult r = run(sandbox(), body("cmd", "sleep 1; echo done", "timeoutMs", 0));
        assertEquals("done\n", r.stdout(), r::raw);
        assertFalse(r.timedOut(), r::raw);
        assertEquals(0, r.exitCode(), r::raw);
    }

    @Test
    void outputPastTheCapIsDroppedAndTruncatedIsTrue() throws IOException {
        String sandbox = sandbox();
        int cap = 16 * 1024 * 1024;
        Response big = run(Api.developer(), sandbox, shell("head -c " + (17 * 1024 * 1024) + " /dev/zero | tr '\\0' a"));
        assertEquals(200, big.statusCode(), () -> "17 MiB of output answered " + big.statusCode());
        RunResult r = RunResult.of(big.asByteArray());
        assertTrue(r.truncated(), "17 MiB of stdout is over the 16 MiB cap");
        assertEquals(cap, r.stdout().length(), "stdout keeps exactly the cap");
        assertTrue(r.stdout().chars().allMatch(c -> c == 'a'), "stdout holds the first bytes of the output, unchanged");
        assertEquals("", r.stderr());
        assertEquals(0, r.exitCode());

        RunResult small = run(sandbox, shell("head -c 1000000 /dev/zero | tr '\\0' b"));
        assertFalse(small.truncated(), "1 MB is under the cap");
        assertEquals(1_000_000, small.stdout().length());
    }

    // ---- the event-stream form

    @Test
    void eventsComeInWriteOrderStartFirstExitLast() {
        String sandbox = sandbox();
        try (SseClient sse = SseClient.post("/v1/sandboxes/" + sandbox + "/run", RuntimeApi.bearer(Api.developer()),
                shell("echo a; sleep 0.5; echo b >&2; sleep 0.5; echo c; exit 4"))) {
            sse.assertStreaming();
            SseClient.Event start = sse.next(EVENT);
            assertEquals("start", start.name(), "the first event");
            assertTrue(start.json().path("pid").isInt() && start.json().path("pid").asInt() > 1, () -> "start " + start);
            List<SseClient.Event> rest = sse.rest(EVENT);
            assertFalse(rest.isEmpty(), "events after start");
            SseClient.Event exit = rest.getLast();
            assertEquals("exit", exit.name(), () -> "the last event of " + rest);
            assertEquals(4, exit.json().path("exit_code").asInt(), exit::toString);
            assertTrue(exit.json().path("duration_ms").isIntegralNumber(), exit::toString);
            assertFalse(exit.json().path("timed_out").asBoolean(true), exit::toString);

            // Chunks of one stream may be split; the order of the streams' writes may not change.
            List<String> merged = new ArrayList<>();
            StringBuilder current = new StringBuilder();
            String name = null;
            for (SseClient.Event e : rest.subList(0, rest.size() - 1)) {
                assertTrue(e.name().equals("stdout") || e.name().equals("stderr"), () -> "unexpected event " + e);
                assertTrue(e.json().isTextual(), () -> "the data of " + e + " is a JSON string");
                if (!e.name().equals(name) && name != null) {
                    merged.add(name + ":" + current);
                    current.setLength(0);
                }
                name = e.name();
                current.append(e.json().asText());
            }
            merged.add(name + ":" + current);
            assertEquals(List.of("stdout:a\n", "stderr:b\n", "stdout:c\n"), merged);
        }
    }

    @Test
    void chunksArriveWhileTheCommandStillRuns() {
        String sandbox = sandbox();
        String gate = RuntimeApi.fresh("gate");
        runOk(sandbox, "mkfifo " + gate);
        try (SseClient sse = SseClient.post("/v1/sandboxes/" + sandbox + "/run", RuntimeApi.bearer(Api.developer()),
                body("cmd", "echo first; read line < " + gate + "; echo \"second $line\"", "timeoutMs", 60_000))) {
            sse.assertStreaming();
            assertEquals("start", sse.next(EVENT).name());
            SseClient.Event first = sse.next(EVENT);
            assertEquals("stdout", first.name(), first::toString);
            assertEquals("first\n", first.json().asText(), "the first chunk arrived before the command could end");

            // Only now can the command go on: it waits for a line on the gate.
            RunResult opened = run(sandbox, body("cmd", "echo go > " + gate, "timeoutMs", 10_000));
            assertEquals(0, opened.exitCode(), opened::raw);

            List<SseClient.Event> rest = sse.rest(EVENT);
            StringBuilder out = new StringBuilder();
            rest.stream().filter(e -> e.name().equals("stdout")).forEach(e -> out.append(e.json().asText()));
            assertEquals("second go\n", out.toString(), () -> "after the gate: " + rest);
            assertEquals("exit", rest.getLast().name(), () -> "the last event of " + rest);
            assertEquals(0, rest.getLast().json().path("exit_code").asInt(-2));
        }
    }

    @Test
    void theStreamSaysTimedOut() {
        try (SseClient sse = SseClient.post("/v1/sandboxes/" + sandbox() + "/run", RuntimeApi.bearer(Api.developer()),
                body("cmd", "sleep 30", "timeoutMs", 1000))) {
            sse.assertStreaming();
            assertEquals("start", sse.next(EVENT).name());
            List<SseClient.Event> rest = sse.rest(EVENT);
            SseClient.Event exit = rest.getLast();
            assertEquals("exit", exit.name(), () -> "events " + rest);
            assertEquals(-1, exit.json().path("exit_code").asInt(), exit::toString);
            assertTrue(exit.json().path("timed_out").asBoolean(false), exit::toString);
        }
    }

    @Test
    void aRefusedCommandIsABadRequestInTheStreamFormToo() {
        try (SseClient sse = SseClient.post("/v1/sandboxes/" + sandbox() + "/run", RuntimeApi.bearer(Api.developer()),
                body("cmd", "pwd", "cwd", "does/not/exist"))) {
            assertEquals(400, sse.status(), () -> "a missing cwd answered " + sse.status() + " " + sse.contentType()
                    + ": " + sse.errorBody());
            assertTrue(sse.contentType().startsWith("application/json"), sse::contentType);
            assertTrue(sse.errorBody().contains("invalid_cwd"), sse::errorBody);
        }
    }

    // ---- a caller that goes away

    @Test
    void anEventStreamCallerThatGoesAwayKillsTheCommand() {
        String sandbox = sandbox();
        String root = RuntimeApi.workspaceRoot(sandbox);
        String late = root + "/" + RuntimeApi.fresh("late");
        String control = root + "/" + RuntimeApi.fresh("control");
        runOk(sandbox, "touch " + control);
        RuntimeApi.awaitExists(sandbox, control, Duration.ofSeconds(5));

        long shellPid;
        long started;
        try (SseClient sse = SseClient.post("/v1/sandboxes/" + sandbox + "/run", RuntimeApi.bearer(Api.developer()),
                body("cmd", "echo $$; sleep 3; touch " + late + "; sleep 60", "timeoutMs", 120_000))) {
            sse.assertStreaming();
            SseClient.Event start = sse.next(EVENT);
            assertEquals("start", start.name());
            started = start.json().path("pid").asLong();
            SseClient.Event pid = sse.next(EVENT);
            assertEquals("stdout", pid.name(), pid::toString);
            shellPid = Long.parseLong(pid.json().asText().trim());
            assertTrue(Api.cluster().pids().isAlive(sandbox, shellPid), "the command runs while the caller listens");
        }
        RuntimeApi.awaitGone(sandbox, Duration.ofSeconds(10), "the command after its caller went away", shellPid, started);
        RuntimeApi.assertNeverAppears(sandbox, late, Duration.ofSeconds(4), "the command went on after its caller left");
    }

    @Test
    void aJsonCallerThatGoesAwayKillsTheCommand() throws Exception {
        String sandbox = sandbox();
        String root = RuntimeApi.workspaceRoot(sandbox);
        String late = root + "/" + RuntimeApi.fresh("late");
        String pidFile = root + "/" + RuntimeApi.fresh("pid");
        String control = root + "/" + RuntimeApi.fresh("control");
        runOk(sandbox, "touch " + control);
        RuntimeApi.awaitExists(sandbox, control, Duration.ofSeconds(5));

        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(Api.cluster().apiUrl() + "/v1/sandboxes/" + sandbox + "/run"))
                .header("Authorization", "Bearer " + Api.developer())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(RuntimeApi.JSON.writeValueAsString(
                        body("cmd", "echo $$ > " + pidFile + "; sleep 3; touch " + late + "; sleep 60", "timeoutMs", 120_000))))
                .build();
        CompletableFuture<HttpResponse<String>> answer = client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        long shellPid;
        try {
            RuntimeApi.awaitExists(sandbox, pidFile, Duration.ofSeconds(15));
            shellPid = Long.parseLong(await("the pid in " + pidFile).atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> new String(Api.cluster().files().read(sandbox, pidFile), StandardCharsets.UTF_8).trim(),
                            s -> s.matches("[0-9]+")));
            assertFalse(answer.isDone(), () -> "/run answered before its command ended: " + answer.join().body());
            assertTrue(Api.cluster().pids().isAlive(sandbox, shellPid), "the command runs while the caller waits");
        } finally {
            answer.cancel(true);
            client.shutdownNow();
        }
        RuntimeApi.awaitGone(sandbox, Duration.ofSeconds(10), "the command after its caller went away", shellPid);
        RuntimeApi.assertNeverAppears(sandbox, late, Duration.ofSeconds(4), "the command went on after its caller left");
    }
}
