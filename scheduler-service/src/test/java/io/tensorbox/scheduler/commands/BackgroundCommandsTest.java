package io.tensorbox.scheduler.commands;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.tensorbox.common.Ids;
import io.tensorbox.common.ProcessState;
import io.tensorbox.common.ProcessStatus;
import io.tensorbox.scheduler.InternalCalls;
import io.tensorbox.scheduler.process.FakeApiService;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.tensorbox.scheduler.InternalCalls.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * Background commands of the runtime API as processes of the supervisor, on the local runtime: a
 * shell line, a user, a deadline; and a stdin that can be closed.
 */
@QuarkusTest
@QuarkusTestResource(FakeApiService.class)
class BackgroundCommandsTest {

    String sandbox;
    Path workspace;
    Path logs;

    @BeforeEach
    void createSandbox() {
        sandbox = InternalCalls.createRunningSandbox(Map.of());
        workspace = FakeApiService.home.resolve("sandboxes").resolve(sandbox).resolve("workspace");
        logs = FakeApiService.home.resolve("sandboxes").resolve(sandbox).resolve("state/logs");
    }

    ProcessStatus start(List<String> command, boolean shell, String user, long timeoutMs) {
        Map<String, Object> body = new HashMap<>(Map.of("id", Ids.newProcessId(), "command", command, "env", List.of("OWN=own"),
                "cwd", "", "shell", shell, "timeoutMs", timeoutMs));
        body.put("user", user);
        return given().contentType(ContentType.JSON).body(body)
                .post("/internal/v1/sandboxes/{id}/processes", sandbox)
                .then().statusCode(200).extract().as(ProcessStatus.class);
    }

    ProcessStatus pushedExit(String processId, Duration within) {
        return await().atMost(within).until(
                () -> FakeApiService.PROCESS_EVENTS.stream().filter(e -> e.id().equals(processId)).findFirst().orElse(null),
                e -> e != null);
    }

    String log(String processId) throws Exception {
        return Files.readString(logs.resolve("proc-" + processId + ".log"));
    }

    void stdin(String processId, String data, int status) {
        given().contentType("application/octet-stream").body(data.getBytes(StandardCharsets.UTF_8))
                .post("/internal/v1/sandboxes/{id}/processes/{p}/stdin", sandbox, processId)
                .then().statusCode(status);
    }

    @Test
    void aShellLineAsTheLocalUserIsKilledWithItsChildrenAtItsDeadline() throws Exception {
        ProcessStatus started = start(List.of("echo $OWN | tr a-z A-Z && (sleep 1.5; touch late) & sleep 30"), true, "user", 700);
        assertThat(started.state()).isEqualTo(ProcessState.running);

        ProcessStatus exit = pushedExit(started.id(), Duration.ofSeconds(10));
        assertThat(exit.state()).isEqualTo(ProcessState.killed);
        assertThat(exit.exitCode()).isEqualTo(-1);
        assertThat(exit.exitedAtMs() - started.startedAtMs()).isBetween(600L, 5000L);
        assertThat(log(started.id())).isEqualTo("OWN\n");
        await().during(Duration.ofMillis(2000)).atMost(Duration.ofSeconds(3)).until(() -> !Files.exists(workspace.resolve("late")));
    }

    @Test
    void aShellLineThatEndsInTimeIsAnOrdinaryExit() throws Exception {
        ProcessStatus started = start(List.of("no-such-program-tbx; exit 4"), true, null, 10_000);
        ProcessStatus exit = pushedExit(started.id(), Duration.ofSeconds(10));
        assertThat(exit.state()).isEqualTo(ProcessState.exited);
        assertThat(exit.exitCode()).isEqualTo(4);
        assertThat(log(started.id())).contains("no-such-program-tbx").contains("not found");
    }

    @Test
    void theLocalRuntimeRefusesAnyOtherUserBeforeStarting() {
        given().contentType(ContentType.JSON).body(Map.of("id", Ids.newProcessId(), "command", List.of("touch", "ran"),
                        "env", List.of(), "cwd", "", "user", "nobody"))
                .post("/internal/v1/sandboxes/{id}/processes", sandbox)
                .then().statusCode(400).body("error.code", equalTo("invalid_user"));
        given().contentType(ContentType.JSON).body(Map.of("id", Ids.newProcessId(), "command", List.of("a", "b"),
                        "env", List.of(), "cwd", "", "shell", true))
                .post("/internal/v1/sandboxes/{id}/processes", sandbox)
                .then().statusCode(400).body("error.code", equalTo("invalid_request"));
        assertThat(workspace.resolve("ran")).doesNotExist();
    }

    @Test
    void closingStdinEndsTheInputAfterWhatWasWrittenAndLaterWritesAreRefused() throws Exception {
        ProcessStatus cat = start(List.of("sh", "-c", "cat; echo end of input; exec sleep 30"), false, null, 0);
        stdin(cat.id(), "hello\n", 204);
        given().post("/internal/v1/sandboxes/{id}/processes/{p}/stdin/close", sandbox, cat.id()).then().statusCode(204);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(log(cat.id())).isEqualTo("hello\nend of input\n"));
        stdin(cat.id(), "too late\n", 409);
        given().contentType("application/octet-stream").body(new byte[] {'x'})
                .post("/internal/v1/sandboxes/{id}/processes/{p}/stdin", sandbox, cat.id())
                .then().body("error.code", equalTo("stdin_closed"));
        given().post("/internal/v1/sandboxes/{id}/processes/{p}/stdin/close", sandbox, cat.id()).then().statusCode(204);

        given().contentType(ContentType.JSON).body(Map.of("signal", "KILL"))
                .post("/internal/v1/sandboxes/{id}/processes/{p}/signal", sandbox, cat.id()).then().statusCode(204);
        pushedExit(cat.id(), Duration.ofSeconds(5));
        given().post("/internal/v1/sandboxes/{id}/processes/{p}/stdin/close", sandbox, cat.id())
                .then().statusCode(409).body("error.code", equalTo("process_not_running"));
        given().post("/internal/v1/sandboxes/{id}/processes/{p}/stdin/close", sandbox, Ids.newProcessId())
                .then().statusCode(404).body("error.code", equalTo("process_not_found"));
    }

    @Test
    void aProcessThatReadsItsInputToTheEndEndsByItself() throws Exception {
        ProcessStatus wc = start(List.of("wc", "-c"), false, null, 0);
        stdin(wc.id(), "12345", 204);
        given().post("/internal/v1/sandboxes/{id}/processes/{p}/stdin/close", sandbox, wc.id()).then().statusCode(204);

        ProcessStatus exit = pushedExit(wc.id(), Duration.ofSeconds(5));
        assertThat(exit.state()).isEqualTo(ProcessState.exited);
        assertThat(exit.exitCode()).isZero();
        assertThat(log(wc.id()).strip()).isEqualTo("5");
        stdin(wc.id(), "more", 409);
    }

    @Test
    void whatHoldsAProcesssStdinOpenGoesWithTheProcess() throws Exception {
        ProcessStatus sleeper = start(List.of("sleep", "30"), false, null, 0);
        Path fifo = FakeApiService.home.resolve("sandboxes").resolve(sandbox).resolve("state/procs").resolve(sleeper.id()).resolve("stdin");
        assertThat(holders(fifo)).isNotEmpty();

        given().contentType(ContentType.JSON).body(Map.of("signal", "KILL"))
                .post("/internal/v1/sandboxes/{id}/processes/{p}/signal", sandbox, sleeper.id()).then().statusCode(204);
        pushedExit(sleeper.id(), Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(5)).until(() -> holders(fifo).isEmpty());
    }

    /** The processes of this host with {@code fifo} open. */
    static List<Long> holders(Path fifo) throws java.io.IOException {
        try (var procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> {
                        try (var fds = Files.list(p.resolve("fd"))) {
                            return fds.anyMatch(fd -> {
                                try {
                                    return Files.readSymbolicLink(fd).equals(fifo);
                                } catch (java.io.IOException | RuntimeException gone) {
                                    return false;
                                }
                            });
                        } catch (java.io.IOException | RuntimeException gone) {
                            return false;
                        }
                    })
                    .map(p -> Long.parseLong(p.getFileName().toString())).toList();
        }
    }
}
