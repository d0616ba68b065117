package io.tensorbox.scheduler.process;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.tensorbox.common.Ids;
import io.tensorbox.common.ProcessState;
import io.tensorbox.common.ProcessStatus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static io.tensorbox.scheduler.InternalCalls.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/** A sandbox's processes can write the supervisor's files; callers can send any id. Neither reaches further. */
@QuarkusTest
@QuarkusTestResource(FakeApiService.class)
class HostileSandboxTest {

    String sandbox;

    @BeforeEach
    void createSandbox() {
        sandbox = io.tensorbox.scheduler.InternalCalls.createRunningSandbox(Map.of());
    }

    ProcessStatus start(String id, List<String> command) {
        return given().contentType(ContentType.JSON)
                .body(Map.of("id", id, "command", command, "env", List.of(), "cwd", ""))
                .post("/internal/v1/sandboxes/{id}/processes", sandbox)
                .then().statusCode(200).extract().as(ProcessStatus.class);
    }

    Path stateDir() {
        return FakeApiService.home.resolve("sandboxes").resolve(sandbox).resolve("state");
    }

    @Test
    void forgedEventLinesAreDroppedAndEveryEventIsBoundToItsSandbox() {
        String elsewhere = Ids.newProcessId();
        String forger = start(Ids.newProcessId(), List.of("sh", "-c", """
                ev="$1/events"
                printf 'exit ../../procs/%s 0 1 0\\n' "$2" >> "$ev"
                printf 'exit %s 99999999999999999999 1 0\\n' "$2" >> "$ev"
                printf 'exit %s 0 1 0 extra\\n' "$2" >> "$ev"
                printf 'exit proc_%s 0 1 0\\n' "../../x" >> "$ev"
                head -c 300000 /dev/zero | tr '\\0' 'x' >> "$ev"; echo >> "$ev"
                printf '\\001\\377 binary junk\\n' >> "$ev"
                printf 'exit %s 0 1 0\\n' "$2" >> "$ev"
                """, "forger", stateDir().toString(), elsewhere)).id();
        String after = start(Ids.newProcessId(), List.of("sh", "-c", "exit 7")).id();

        await().atMost(Duration.ofSeconds(10)).until(() -> FakeApiService.PROCESS_EVENTS.stream()
                .anyMatch(e -> e.id().equals(after) && e.exitCode() == 7));
        List<ProcessStatus> fromHere = FakeApiService.PROCESS_EVENTS.stream()
                .filter(e -> e.sandboxId().equals(sandbox)).toList();
        assertThat(fromHere).extracting(ProcessStatus::id).containsExactlyInAnyOrder(forger, elsewhere, after);
        // A well-formed line naming any process is reported as this sandbox's, for api-service to check.
        assertThat(FakeApiService.PROCESS_EVENTS).filteredOn(e -> e.id().equals(elsewhere))
                .extracting(ProcessStatus::sandboxId).containsOnly(sandbox);
        assertThat(FakeApiService.PROCESS_EVENTS).allMatch(e -> Ids.PROCESS.matcher(e.id()).matches(), "process ids only");
    }

    @Test
    void concurrentStartsOfOneProcessRunItOnceAndAllAnswerItsPid() {
        String id = Ids.newProcessId();
        Path runs = FakeApiService.home.resolve("runs-" + id);
        List<ProcessStatus> answers;
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<CompletableFuture<ProcessStatus>> starts = IntStream.range(0, 4)
                    .mapToObj(i -> CompletableFuture.supplyAsync(
                            () -> start(id, List.of("sh", "-c", "echo run >> " + runs + "; exec sleep 60")), callers))
                    .toList();
            answers = starts.stream().map(CompletableFuture::join).toList();
        }

        assertThat(answers).extracting(ProcessStatus::state).containsOnly(ProcessState.running);
        assertThat(answers).extracting(ProcessStatus::pid).containsOnly(answers.getFirst().pid());
        // "running" means the pid is known, not that the shell has written its line yet.
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(runs) && Files.size(runs) > 0);
        // A second run would append its own line: the file must stay one line.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .untilAsserted(() -> assertThat(runs).hasContent("run"));
        given().contentType(ContentType.JSON).body(Map.of("signal", "KILL"))
                .post("/internal/v1/sandboxes/{id}/processes/{p}/signal", sandbox, id).then().statusCode(204);
    }

    @Test
    void idsThatAreNotProcessIdsAreRefusedBeforeTheyReachTheSandbox() throws Exception {
        for (String bad : List.of("../../../etc", "proc_../x", "proc_0123456789abcdef01234567/../x",
                "PROC_0123456789ABCDEF01234567", "proc_0123456789abcdef0123456", " proc_0123456789abcdef01234567")) {
            given().contentType(ContentType.JSON)
                    .body(Map.of("id", bad, "command", List.of("true")))
                    .post("/internal/v1/sandboxes/{id}/processes", sandbox)
                    .then().statusCode(400).contentType(ContentType.JSON).body("error.code", equalTo("invalid_request"));
        }
        for (String bad : List.of("proc_..", "proc_0123456789ABCDEF01234567", "proc_0123456789abcdef012345678")) {
            given().get("/internal/v1/sandboxes/{id}/processes/{p}", sandbox, bad)
                    .then().statusCode(404).body("error.code", equalTo("process_not_found"));
            given().contentType(ContentType.JSON).body(Map.of("signal", "KILL"))
                    .post("/internal/v1/sandboxes/{id}/processes/{p}/signal", sandbox, bad)
                    .then().statusCode(404).body("error.code", equalTo("process_not_found"));
            given().contentType("application/octet-stream").body(new byte[] {'x'})
                    .post("/internal/v1/sandboxes/{id}/processes/{p}/stdin", sandbox, bad)
                    .then().statusCode(404).body("error.code", equalTo("process_not_found"));
        }
        given().get("/internal/v1/sandboxes/{id}/processes", "sbx_..")
                .then().statusCode(404).body("error.code", equalTo("sandbox_not_found"));
        try (Stream<Path> procs = Files.list(stateDir().resolve("procs"))) {
            assertThat(procs).isEmpty();
        }
        try (Stream<Path> state = Files.list(stateDir())) {
            assertThat(state.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("bin", "procs", "logs", "events");
        }
    }

    @Test
    void aProcessWhosePidFileIsGarbageIsReportedLostAndNeverSignalled() throws Exception {
        ProcessStatus sleeper = start(Ids.newProcessId(), List.of("sleep", "60"));
        Files.writeString(stateDir().resolve("procs").resolve(sleeper.id()).resolve("pid"), "not a pid\n");

        given().get("/internal/v1/sandboxes/{id}/processes/{p}", sandbox, sleeper.id())
                .then().statusCode(200).body("state", equalTo("killed")).body("pid", equalTo(0));
        given().contentType(ContentType.JSON).body(Map.of("signal", "TERM"))
                .post("/internal/v1/sandboxes/{id}/processes/{p}/signal", sandbox, sleeper.id())
                .then().statusCode(503).contentType(ContentType.JSON);
        given().get("/internal/v1/sandboxes/{id}/processes", sandbox).then().statusCode(200);
        assertThat(ProcessHandle.of(sleeper.pid()).map(ProcessHandle::isAlive).orElse(false)).isTrue();
        ProcessHandle.of(sleeper.pid()).ifPresent(ProcessHandle::destroyForcibly);
    }

    @Test
    void aFollowThatEndsIsResumedWhereItStoppedWithoutSendingEarlierExitsAgain() {
        String first = start(Ids.newProcessId(), List.of("sh", "-c", "exit 3")).id();
        await().atMost(Duration.ofSeconds(10)).until(() -> FakeApiService.PROCESS_EVENTS.stream().anyMatch(e -> e.id().equals(first)));

        // The follow ends, as it does when its connection drops.
        String events = stateDir().resolve("events").toString();
        List<ProcessHandle> followers = await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.allProcesses()
                .filter(p -> p.info().command().orElse("").endsWith("/tail")
                        && List.of(p.info().arguments().orElse(new String[0])).contains(events))
                .toList(), l -> !l.isEmpty());
        followers.forEach(ProcessHandle::destroy);

        String second = start(Ids.newProcessId(), List.of("sh", "-c", "exit 4")).id();
        await().atMost(Duration.ofSeconds(10)).until(() -> FakeApiService.PROCESS_EVENTS.stream().anyMatch(e -> e.id().equals(second)));
        assertThat(FakeApiService.PROCESS_EVENTS).filteredOn(e -> e.id().equals(first)).hasSize(1);
    }
}
