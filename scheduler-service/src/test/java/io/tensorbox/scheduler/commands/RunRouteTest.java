package io.tensorbox.scheduler.commands;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.tensorbox.common.Ids;
import io.tensorbox.scheduler.InternalCalls;
import io.tensorbox.scheduler.process.FakeApiService;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

import static io.tensorbox.scheduler.InternalCalls.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * {@code POST /internal/v1/sandboxes/{sbx}/run} on the local runtime: real commands in a sandbox
 * directory, their events read as they arrive.
 */
@QuarkusTest
@QuarkusTestResource(FakeApiService.class)
class RunRouteTest {

    String sandbox;
    Path workspace;

    @BeforeEach
    void createSandbox() {
        sandbox = InternalCalls.createRunningSandbox(Map.of("SBX_VAR", "from-sandbox"));
        workspace = FakeApiService.home.resolve("sandboxes").resolve(sandbox).resolve("workspace");
    }

    static Map<String, Object> command(String cmd, Object... more) {
        Map<String, Object> body = new HashMap<>();
        body.put("cmd", cmd);
        for (int i = 0; i < more.length; i += 2) {
            body.put((String) more[i], more[i + 1]);
        }
        return body;
    }

    /** The events of a run that ends: start, output, exit. */
    List<SseClient.Event> events(Map<String, Object> body) throws Exception {
        try (SseClient run = SseClient.run(sandbox, body)) {
            assertThat(run.response().statusCode()).isEqualTo(200);
            assertThat(run.response().headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
            return run.rest();
        }
    }

    static String out(List<SseClient.Event> events, String stream) {
        return events.stream().filter(e -> e.name().equals(stream)).map(SseClient.Event::text).collect(Collectors.joining());
    }

    static SseClient.Event last(List<SseClient.Event> events) {
        return events.getLast();
    }

    @Test
    void argvFormRunsTheProgramWithItsArgumentsAndEnvironment() throws Exception {
        List<SseClient.Event> events = events(command("printf", "args", List.of("%s|%s|%s|%s\\n", "two words", "$HOME", "it's", "$SBX_VAR"),
                "env", Map.of("OWN", "x y")));

        assertThat(events.getFirst().name()).isEqualTo("start");
        assertThat(events.getFirst().json().get("pid").asInt()).isPositive();
        assertThat(out(events, "stdout")).isEqualTo("two words|$HOME|it's|$SBX_VAR\n");
        assertThat(last(events).name()).isEqualTo("exit");
        assertThat(last(events).json().get("exit_code").asInt()).isZero();
        assertThat(last(events).json().get("timed_out").asBoolean()).isFalse();
        assertThat(last(events).json().has("duration_ms")).isTrue();

        List<SseClient.Event> env = events(command("sh", "args", List.of("-c", "echo $OWN $SBX_VAR"), "env", Map.of("OWN", "x y")));
        assertThat(out(env, "stdout")).isEqualTo("x y from-sandbox\n");
    }

    @Test
    void aShellLineHasPipesAndAndRedirections() throws Exception {
        List<SseClient.Event> events = events(command(
                "echo hello | tr a-z A-Z && echo saved > out.txt && cat out.txt; echo oops >&2; exit 3"));

        assertThat(out(events, "stdout")).isEqualTo("HELLO\nsaved\n");
        assertThat(out(events, "stderr")).isEqualTo("oops\n");
        assertThat(workspace.resolve("out.txt")).hasContent("saved");
        assertThat(last(events).json().get("exit_code").asInt()).isEqualTo(3);
    }

    @Test
    void cwdIsRelativeToTheWorkspaceOrAbsoluteAndMustExist() throws Exception {
        Files.createDirectories(workspace.resolve("sub/dir"));
        assertThat(out(events(command("pwd", "cwd", "sub/dir")), "stdout")).isEqualTo(workspace.resolve("sub/dir") + "\n");
        assertThat(out(events(command("pwd", "cwd", "/tmp")), "stdout")).isEqualTo("/tmp\n");
        assertThat(out(events(command("pwd")), "stdout")).isEqualTo(workspace + "\n");

        List<SseClient.Event> missing = events(command("touch ran", "cwd", "no/such/dir"));
        assertThat(missing).hasSize(1);
        assertThat(missing.getFirst().name()).isEqualTo("error");
        assertThat(missing.getFirst().json().at("/error/code").asText()).isEqualTo("invalid_cwd");
        assertThat(missing.getFirst().json().at("/error/message").asText()).contains("no/such/dir");
        assertThat(workspace.resolve("ran")).doesNotExist();
    }

    @Test
    void stdinIsFedWithItsEndOfInput() throws Exception {
        List<SseClient.Event> events = events(command("wc", "args", List.of("-c"), "stdin", "héllo\n"));
        assertThat(out(events, "stdout").strip()).isEqualTo("7");

        List<SseClient.Event> none = events(command("cat"));
        assertThat(out(none, "stdout")).isEmpty();
        assertThat(last(none).json().get("exit_code").asInt()).isZero();
    }

    @Test
    void aMissingProgramExits127WithAShellsMessageInBothForms() throws Exception {
        List<SseClient.Event> argv = events(command("no-such-program-tbx", "args", List.of("x")));
        assertThat(argv.getFirst().name()).isEqualTo("start");
        assertThat(out(argv, "stderr")).contains("no-such-program-tbx: command not found");
        assertThat(last(argv).json().get("exit_code").asInt()).isEqualTo(127);

        List<SseClient.Event> shell = events(command("no-such-program-tbx x"));
        assertThat(out(shell, "stderr")).contains("no-such-program-tbx").contains("not found");
        assertThat(last(shell).json().get("exit_code").asInt()).isEqualTo(127);
    }

    @Test
    void atTheDeadlineTheCommandAndEverythingItStartedAreKilled() throws Exception {
        Path late = workspace.resolve("late");
        List<SseClient.Event> events = events(command("(sleep 1.5; echo too late > late) & echo started; sleep 30", "timeoutMs", 500));

        assertThat(out(events, "stdout")).isEqualTo("started\n");
        assertThat(last(events).json().get("exit_code").asInt()).isEqualTo(-1);
        assertThat(last(events).json().get("timed_out").asBoolean()).isTrue();
        assertThat(last(events).json().get("duration_ms").asLong()).isBetween(500L, 5000L);
        await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(3)).until(() -> !Files.exists(late));
    }

    @Test
    void aCommandKilledByASignalExitsMinusOneWithoutTimingOut() throws Exception {
        SseClient.Event exit = last(events(command("kill -TERM $$", "timeoutMs", 10_000)));
        assertThat(exit.json().get("exit_code").asInt()).isEqualTo(-1);
        assertThat(exit.json().get("timed_out").asBoolean()).isFalse();
    }

    @Test
    void outputArrivesAsItIsWrittenNotAtTheEnd() throws Exception {
        Path gate = workspace.resolve("gate");
        assertThat(new ProcessBuilder("mkfifo", gate.toString()).start().waitFor()).isZero();

        try (SseClient run = SseClient.run(sandbox, command("echo first; read line < gate; echo \"second $line\""))) {
            assertThat(run.next().name()).isEqualTo("start");
            SseClient.Event first = run.next();
            assertThat(first.name()).isEqualTo("stdout");
            assertThat(first.text()).isEqualTo("first\n");

            // the command is blocked on the gate until now: the first chunk came before its end
            try (OutputStream open = Files.newOutputStream(gate)) {
                open.write("go\n".getBytes(StandardCharsets.UTF_8));
            }
            List<SseClient.Event> rest = run.rest();
            assertThat(out(rest, "stdout")).isEqualTo("second go\n");
            assertThat(last(rest).name()).isEqualTo("exit");
        }
    }

    @Test
    void aCallerThatGoesAwayKillsTheCommandAndItsChildren() throws Exception {
        String marker = "59." + ThreadLocalRandom.current().nextLong(100_000_000L, 1_000_000_000L);
        long pid;
        try (SseClient run = SseClient.run(sandbox, command("(sleep " + marker + " &); sleep " + marker + "; echo never", "timeoutMs", 0))) {
            SseClient.Event start = run.next();
            assertThat(start.name()).isEqualTo("start");
            pid = start.json().get("pid").asLong();
            assertThat(ProcessHandle.of(pid)).isPresent();
            await().atMost(Duration.ofSeconds(10)).until(() -> sleeping(marker) == 2);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> sleeping(marker) == 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    }

    @Test
    void theLocalRuntimeKnowsOnlyTheUserRunningTensorBox() throws Exception {
        given().contentType(ContentType.JSON).body(command("touch ran", "user", "nobody"))
                .post("/internal/v1/sandboxes/{id}/run", sandbox)
                .then().statusCode(400).contentType(ContentType.JSON)
                .body("error.code", equalTo("invalid_user")).body("error.message", containsString("nobody"));
        assertThat(workspace.resolve("ran")).doesNotExist();

        for (String user : List.of("user", System.getProperty("user.name"))) {
            List<SseClient.Event> events = events(command("id", "args", List.of("-un"), "user", user));
            assertThat(out(events, "stdout")).isEqualTo(System.getProperty("user.name") + "\n");
        }
    }

    @Test
    void refusalsBeforeAnythingRunsArePlainJson() {
        given().contentType(ContentType.JSON).body(Map.of("args", List.of("x")))
                .post("/internal/v1/sandboxes/{id}/run", sandbox)
                .then().statusCode(400).body("error.code", equalTo("invalid_request")).body("error.message", containsString("cmd"));
        given().contentType(ContentType.JSON).body(command("env", "env", Map.of("BAD-NAME", "x")))
                .post("/internal/v1/sandboxes/{id}/run", sandbox)
                .then().statusCode(400).body("error.message", containsString("BAD-NAME"));
        given().contentType(ContentType.JSON).body("{\"cmd\": ")
                .post("/internal/v1/sandboxes/{id}/run", sandbox)
                .then().statusCode(400).contentType(ContentType.JSON);
        given().contentType(ContentType.JSON).body(command("true"))
                .post("/internal/v1/sandboxes/{id}/run", Ids.newSandboxId())
                .then().statusCode(404).body("error.code", equalTo("sandbox_not_found"));
        given().contentType(ContentType.JSON).body(command("true"))
                .post("/internal/v1/sandboxes/{id}/run", "../../etc")
                .then().statusCode(404);
        RestAssured.given().contentType(ContentType.JSON).body(command("true"))
                .post("/internal/v1/sandboxes/{id}/run", sandbox)
                .then().statusCode(401).contentType(ContentType.JSON);
    }

    /** How many {@code sleep <duration>} processes run on this host. */
    static long sleeping(String duration) throws IOException {
        try (var procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> {
                        try {
                            String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                            return List.of(cmdline.split("\0")).equals(List.of("sleep", duration));
                        } catch (IOException | RuntimeException gone) {
                            return false;
                        }
                    })
                    .count();
        }
    }
}
