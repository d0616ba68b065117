package io.tensorbox.scheduler.process;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.tensorbox.common.Ids;
import io.tensorbox.common.LiveSandbox;
import io.tensorbox.common.SandboxSpec;
import io.tensorbox.common.SandboxState;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.tensorbox.scheduler.InternalCalls.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/** The leader's loop makes the runtime match the records of api-service. */
@QuarkusTest
@QuarkusTestResource(FakeApiService.class)
class ReconcileTest {

    @Test
    void pendingRecordWithoutSandboxIsCreatedAndReportedRunning() {
        String id = Ids.newSandboxId();
        FakeApiService.LIVE.put(id, new LiveSandbox(new SandboxSpec(id, "t1", "base", Map.of()), SandboxState.pending));

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                given().get("/internal/v1/sandboxes/{id}", id).then().body("state", equalTo("running")));
        await().atMost(Duration.ofSeconds(5)).until(() -> FakeApiService.SANDBOX_EVENTS.stream()
                .anyMatch(e -> e.id().equals(id) && e.state() == SandboxState.running));
    }

    @Test
    void runningRecordWhoseSandboxVanishedIsReportedStopped() {
        String id = Ids.newSandboxId();
        FakeApiService.LIVE.put(id, new LiveSandbox(new SandboxSpec(id, "t1", "base", Map.of()), SandboxState.running));

        await().atMost(Duration.ofSeconds(5)).until(() -> FakeApiService.SANDBOX_EVENTS.stream()
                .anyMatch(e -> e.id().equals(id) && e.state() == SandboxState.stopped));
        FakeApiService.LIVE.remove(id);
    }

    @Test
    void orphanWithoutRecordIsDeletedWithItsProcesses() {
        String id = Ids.newSandboxId();
        FakeApiService.LIVE.put(id, new LiveSandbox(new SandboxSpec(id, "t1", "base", Map.of()), SandboxState.running));
        given().contentType(ContentType.JSON).body(Map.of("id", id, "team", "t1", "template", "base", "env", Map.of()))
                .put("/internal/v1/sandboxes/{id}", id).then().statusCode(200);
        int pid = given().contentType(ContentType.JSON)
                .body(Map.of("id", Ids.newProcessId(), "command", List.of("sleep", "1000"), "env", List.of(), "cwd", ""))
                .post("/internal/v1/sandboxes/{id}/processes", id)
                .then().statusCode(200).extract().path("pid");

        FakeApiService.LIVE.remove(id);

        Path root = FakeApiService.home.resolve("sandboxes").resolve(id);
        await().atMost(Duration.ofSeconds(5)).until(() -> !Files.exists(root));
        await().atMost(Duration.ofSeconds(5)).until(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        assertThat(FakeApiService.SANDBOX_EVENTS).noneMatch(e -> e.id().equals(id) && e.state() == SandboxState.stopped);
    }
}
