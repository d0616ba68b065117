package io.tensorbox.scheduler.process;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.tensorbox.common.Ids;
import io.tensorbox.common.ProcessState;
import io.tensorbox.common.ProcessStatus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.tensorbox.scheduler.InternalCalls.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

/** The supervisor on the local runtime, through the scheduler's internal API: real processes, real files. */
@QuarkusTest
@QuarkusTestResource(FakeApiService.class)
class LocalProcessSupervisionTest {

    String sandbox;

    @BeforeEach
    void createSandbox() {
        sandbox = io.tensorbox.scheduler.InternalCalls.createRunningSandbox(Map.of("SBX_VAR", "from-sandbox"));
    }

    ProcessStatus start(List<String> command, List<String> env, String cwd) {
        return given().contentType(ContentType.JSON)
                .body(Map.of("id", Ids.newProcessId(), "command", command, "env", env, "cwd", cwd))
                .post("/internal/v1/sandboxes/{id}/processes", sandbox)
                .then().statusCode(200).extract().as(ProcessStatus.class);
    }

    ProcessStatus status(String processId) {
        return given().get("/internal/v1/sandboxes/{id}/processes/{p}", sandbox, processId)
                .then().statusCode(200).extract().as(ProcessStatus.class);
    }

    ProcessStatus pushedExit(String processId) {
        return await().atMost(Duration.ofSeconds(5)).until(
                () -> FakeApiService.PROCESS_EVENTS.stream().filter(e -> e.id().equals(processId)).findFirst().orElse(null),
                e -> e != null);
    }

    Path stateDir() {
        return FakeApiService.home.resolve("sandboxes").resolve(sandbox).resolve("state");
    }

    @Test
    void exitIsPushedWithCodeAndEnvironment() {
        ProcessStatus started = start(List.of("sh", "-c", "echo $SBX_VAR $OWN; exit 3"), List.of("OWN=own"), "");
        assertThat(started.state()).isEqualTo(ProcessState.running);
        assertThat(started.pid()).isPositive();

        ProcessStatus exit = pushedExit(started.id());
        assertThat(exit.state()).isEqualTo(ProcessState.exited);
        assertThat(exit.exitCode()).isEqualTo(3);
        assertThat(exit.exitedAtMs()).isGreaterThanOrEqualTo(started.startedAtMs());
        assertThat(status(started.id()).state()).isEqualTo(ProcessState.exited);
        assertThat(stateDir().resolve("logs/proc-" + started.id() + ".log")).hasContent("from-sandbox own");
    }

    @Test
    void argumentsReachTheProcessLiterallyThroughTheSupervisorChannel() {
        List<String> tricky = List.of("it's", "two words", "multi\nline", "$HOME", "`id`", "back\\slash", "'\"", "*", "");
        List<String> command = new java.util.ArrayList<>(List.of("printf", "[%s]"));
        command.addAll(tricky);
        ProcessStatus started = start(command, List.of("QUOTED=a 'b' \"c\" $d"), "");
        assertThat(pushedExit(started.id()).exitCode()).isZero();
        StringBuilder expected = new StringBuilder();
        tricky.forEach(a -> expected.append('[').append(a).append(']'));
        assertThat(stateDir().resolve("logs/proc-" + started.id() + ".log")).hasContent(expected.toString());

        ProcessStatus env = start(List.of("sh", "-c", "printf %s \"$QUOTED\""), List.of("QUOTED=a 'b' \"c\" $d"), "");
        assertThat(pushedExit(env.id()).exitCode()).isZero();
        assertThat(stateDir().resolve("logs/proc-" + env.id() + ".log")).hasContent("a 'b' \"c\" $d");
    }

    @Test
    void killThroughTheApiIsKilledWithMinusOne() {
        ProcessStatus started = start(List.of("sleep", "1000"), List.of(), "");
        given().contentType(ContentType.JSON).body(Map.of("signal", "SIGKILL"))
                .post("/internal/v1/sandboxes/{id}/processes/{p}/signal", sandbox, started.id())
                .then().statusCode(204);
        ProcessStatus exit = pushedExit(started.id());
        assertThat(exit.state()).isEqualTo(ProcessState.killed);
        assertThat(exit.exitCode()).isEqualTo(-1);
        assertThat(ProcessHandle.of(started.pid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    @Test
    void signalFromInsideTheSandboxIsAKillToo() {
        ProcessStatus started = start(List.of("sh", "-c", "kill -9 $$"), List.of(), "");
        ProcessStatus exit = pushedExit(started.id());
        assertThat(exit.state()).isEqualTo(ProcessState.killed);
        assertThat(exit.exitCode()).isEqualTo(-1);
    }

    @Test
    void badWorkingDirectoryAndMissingCommandFail() {
        ProcessStatus badCwd = start(List.of("true"), List.of(), "no/such/dir");
        assertThat(badCwd.state()).isEqualTo(ProcessState.failed);
        assertThat(badCwd.reason()).contains("no/such/dir");
        ProcessStatus missing = start(List.of("no-such-command-tbx"), List.of(), "");
        assertThat(missing.state()).isEqualTo(ProcessState.failed);
        assertThat(missing.reason()).contains("command not found");
        assertThat(status(missing.id()).state()).isEqualTo(ProcessState.failed);
    }

    @Test
    void stdinReachesTheProcessWhichNeverSeesEndOfInput() {
        ProcessStatus cat = start(List.of("cat"), List.of(), "");
        given().contentType("application/octet-stream").body("hello\n".getBytes())
                .post("/internal/v1/sandboxes/{id}/processes/{p}/stdin", sandbox, cat.id())
                .then().statusCode(204);
        Path log = stateDir().resolve("logs/proc-" + cat.id() + ".log");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(log).hasContent("hello"));
        assertThat(status(cat.id()).state()).isEqualTo(ProcessState.running);
        given().contentType(ContentType.JSON).body(Map.of("signal", "KILL"))
                .post("/internal/v1/sandboxes/{id}/processes/{p}/signal", sandbox, cat.id())
                .then().statusCode(204); // nothing of this test outlives it
    }

    @Test
    void logRollsAtExactlyTenMebibytesWithoutLosingAByte() throws Exception {
        Path source = Files.createTempFile("tbx-random", ".bin");
        byte[] data = new byte[10 * 1024 * 1024 + 12345];
        new Random(42).nextBytes(data);
        Files.write(source, data);
        ProcessStatus writer = start(List.of("cat", source.toString()), List.of(), "");
        assertThat(pushedExit(writer.id()).exitCode()).isZero();

        Path log = stateDir().resolve("logs/proc-" + writer.id() + ".log");
        Path rolled = stateDir().resolve("logs/proc-" + writer.id() + ".log.1");
        assertThat(Files.size(rolled)).isEqualTo(10L * 1024 * 1024);
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        both.write(Files.readAllBytes(rolled));
        both.write(Files.readAllBytes(log));
        assertThat(both.toByteArray()).isEqualTo(data);
    }

    @Test
    void streamedExecDeliversStdout() {
        byte[] body = given().contentType(ContentType.JSON)
                .body(Map.of("argv", List.of("sh", "-c", "printf 'a\\000b'; echo err >&2")))
                .post("/internal/v1/sandboxes/{id}/exec/stream", sandbox)
                .then().statusCode(200).extract().asByteArray();
        assertThat(body).containsExactly('a', 0, 'b');
    }

    @Test
    void aStreamedExecEndsWhenItsCallerGoesAway() throws Exception {
        Path marker = FakeApiService.home.resolve("streamer-" + sandbox);
        String script = "echo $$ > " + marker + "; while :; do echo tick; sleep 0.05; done";
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                        "http://localhost:" + io.restassured.RestAssured.port + "/internal/v1/sandboxes/" + sandbox + "/exec/stream"))
                .header("Content-Type", "application/json")
                .header(io.tensorbox.common.internal.InternalToken.HEADER, io.tensorbox.scheduler.InternalCalls.TOKEN)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(
                                Map.of("argv", List.of("sh", "-c", script)))))
                .build();
        var client = java.net.http.HttpClient.newHttpClient();
        var body = client.send(request, java.net.http.HttpResponse.BodyHandlers.ofInputStream()).body();
        assertThat(new String(body.readNBytes(5))).isEqualTo("tick\n");
        long pid = Long.parseLong(Files.readString(marker).strip());
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isTrue();

        body.close();
        client.close();

        await().atMost(Duration.ofSeconds(10)).until(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    @Test
    void bufferedExecSplitsStreamsAndHonoursTheDeadline() {
        given().contentType(ContentType.JSON)
                .body(Map.of("argv", List.of("sh", "-c", "echo out; echo err >&2; exit 5")))
                .post("/internal/v1/sandboxes/{id}/exec", sandbox)
                .then().statusCode(200)
                .body("stdout", equalTo("b3V0Cg==")).body("stderr", equalTo("ZXJyCg==")).body("exitCode", equalTo(5)); // output is bytes, base64 in JSON
        given().contentType(ContentType.JSON)
                .body(Map.of("argv", List.of("sleep", "30"), "timeoutMs", 300))
                .post("/internal/v1/sandboxes/{id}/exec", sandbox)
                .then().statusCode(200).body("timedOut", equalTo(true)).body("durationMs", greaterThan(250));
    }

    @Test
    void deletingTheSandboxKillsItsProcesses() {
        ProcessStatus sleeper = start(List.of("sleep", "1000"), List.of(), "");
        given().delete("/internal/v1/sandboxes/{id}", sandbox).then().statusCode(204);
        await().atMost(Duration.ofSeconds(5)).until(() -> !ProcessHandle.of(sleeper.pid()).map(ProcessHandle::isAlive).orElse(false));
        given().get("/internal/v1/sandboxes/{id}", sandbox).then().statusCode(200).body("state", equalTo("stopped"));
        given().get("/internal/v1/sandboxes/{id}/processes", sandbox).then().statusCode(404)
                .body("error.code", equalTo("sandbox_not_found"));
    }

    @Test
    void unknownProcessAndBadInputAreJsonErrors() {
        given().get("/internal/v1/sandboxes/{id}/processes/{p}", sandbox, Ids.newProcessId())
                .then().statusCode(404).body("error.code", equalTo("process_not_found"));
        given().contentType(ContentType.JSON).body(Map.of("signal", "SIGNOPE"))
                .post("/internal/v1/sandboxes/{id}/processes/{p}/signal", sandbox, Ids.newProcessId())
                .then().statusCode(400).body("error.code", equalTo("invalid_signal"));
        given().contentType(ContentType.JSON).body(Map.of("id", Ids.newProcessId(), "command", List.of()))
                .post("/internal/v1/sandboxes/{id}/processes", sandbox)
                .then().statusCode(400).body("error.message", org.hamcrest.Matchers.containsString("command"));
    }
}
