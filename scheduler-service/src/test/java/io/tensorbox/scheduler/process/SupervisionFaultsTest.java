package io.tensorbox.scheduler.process;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.smallrye.common.annotation.Identifier;
import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.Ids;
import io.tensorbox.common.ProcessState;
import io.tensorbox.common.ProcessStatus;
import io.tensorbox.common.SandboxStatus;
import io.tensorbox.scheduler.config.SchedulerConfig;
import io.tensorbox.scheduler.runtime.RuntimeUnavailableException;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static io.tensorbox.scheduler.InternalCalls.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Supervision when things go wrong: a supervisor slower than the control deadline, a sandbox that
 * cannot be asked, a sandbox whose supervisor cannot be installed. A short control deadline, and a
 * reconcile loop that stays out of the way after its first pass.
 */
@QuarkusTest
@QuarkusTestResource(FakeApiService.class)
@TestProfile(SupervisionFaultsTest.Profile.class)
class SupervisionFaultsTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tensorbox.scheduler.control-timeout", "3s",
                    "tensorbox.scheduler.reconcile-interval", "1h");
        }
    }

    @Inject
    SchedulerConfig config;

    @Inject
    ExitWatcher exitWatcher;

    @Inject
    @Identifier("local")
    SandboxRuntime local;

    /**
     * A sandbox whose supervisors sleep before they do anything (its {@code setsid -f} starts them
     * late), so that a start outlasts the control deadline.
     */
    String sandboxWithSlowSupervisor(int seconds) throws IOException {
        Path bin = Files.createDirectories(FakeApiService.home.resolve("slow-setsid-" + seconds + "-" + System.nanoTime()));
        Path setsid = bin.resolve("setsid");
        Files.writeString(setsid, "#!/bin/sh\n"
                + "if [ \"$1\" = -f ]; then shift; exec /usr/bin/setsid -f sh -c 'sleep " + seconds + "; exec \"$@\"' slow \"$@\"; fi\n"
                + "exec /usr/bin/setsid \"$@\"\n");
        Files.setPosixFilePermissions(setsid, PosixFilePermissions.fromString("rwxr-xr-x"));
        return createSandbox(Map.of("PATH", bin + ":/usr/local/bin:/usr/bin:/bin"));
    }

    String createSandbox(Map<String, String> env) {
        return io.tensorbox.scheduler.InternalCalls.createRunningSandbox(env);
    }

    ProcessStatus status(String sandbox, String processId) {
        return given().get("/internal/v1/sandboxes/{id}/processes/{p}", sandbox, processId)
                .then().statusCode(200).extract().as(ProcessStatus.class);
    }

    ProcessStatus pushedExit(String sandbox, String processId) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> FakeApiService.PROCESS_EVENTS.stream()
                .filter(e -> e.id().equals(processId) && e.sandboxId().equals(sandbox)).findFirst().orElse(null), e -> e != null);
    }

    @Test
    void aStartThatOutlastsTheDeadlineIsAnsweredWithWhatTheSandboxDid() throws Exception {
        assertThat(config.controlTimeout()).isEqualTo(Duration.ofSeconds(3));
        String sandbox = sandboxWithSlowSupervisor(4);
        String id = Ids.newProcessId();
        Path runs = FakeApiService.home.resolve("runs-" + id);

        ProcessStatus started = given().contentType(ContentType.JSON)
                .body(Map.of("id", id, "command", List.of("sh", "-c", "echo run >> " + runs + "; exit 5"), "env", List.of(), "cwd", ""))
                .post("/internal/v1/sandboxes/{id}/processes", sandbox)
                .then().statusCode(200).extract().as(ProcessStatus.class);

        assertThat(started.state()).as("%s", started).isIn(ProcessState.running, ProcessState.exited);
        assertThat(started.pid()).isPositive();
        ProcessStatus exit = pushedExit(sandbox, id);
        assertThat(exit.exitCode()).isEqualTo(5);
        assertThat(Files.readAllLines(runs)).hasSize(1);
    }

    @Test
    void aStartWhoseSupervisorOutlastsTheSandboxsOwnDeadlineFailsAndNeverRunsLater() throws Exception {
        String sandbox = sandboxWithSlowSupervisor(8);
        String id = Ids.newProcessId();
        Path runs = FakeApiService.home.resolve("runs-" + id);

        ProcessStatus started = given().contentType(ContentType.JSON)
                .body(Map.of("id", id, "command", List.of("sh", "-c", "echo run >> " + runs), "env", List.of(), "cwd", ""))
                .post("/internal/v1/sandboxes/{id}/processes", sandbox)
                .then().statusCode(200).extract().as(ProcessStatus.class);
        assertThat(started.state()).isEqualTo(ProcessState.failed);
        assertThat(started.reason()).isEqualTo("the supervisor did not answer within 5 s");

        // Once awake, the supervisor finds the start given up and launches nothing.
        await().atMost(Duration.ofSeconds(15)).until(() -> ProcessHandle.allProcesses()
                .noneMatch(p -> String.join(" ", p.info().arguments().orElse(new String[0])).contains(id)));
        assertThat(runs).doesNotExist();
        assertThat(status(sandbox, id).state()).isEqualTo(ProcessState.failed);
    }

    @Test
    void aStartThatCannotBeConfirmedIsUnavailable() {
        String sandbox = createSandbox(Map.of());
        // Requests sent over the channel vanish, and the sandbox cannot be asked what became of them.
        SandboxRuntime deaf = (SandboxRuntime) Proxy.newProxyInstance(SandboxRuntime.class.getClassLoader(),
                new Class<?>[] {SandboxRuntime.class}, (proxy, method, args) -> {
                    if (method.getName().equals("openChannel")) {
                        return Proxy.newProxyInstance(SandboxRuntime.class.getClassLoader(),
                                new Class<?>[] {SandboxRuntime.Channel.class}, (p, m, a) -> switch (m.getName()) {
                                    case "stdin" -> OutputStream.nullOutputStream();
                                    case "exitCode" -> new CompletableFuture<Integer>();
                                    default -> null;
                                });
                    }
                    if ((method.getName().equals("exec") || method.getName().equals("spawn"))
                            && ((ExecRequest) args[1]).argv().toString().contains("settle")) {
                        throw new RuntimeUnavailableException("the sandbox's node is unreachable");
                    }
                    try {
                        return method.invoke(local, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        QuarkusMock.installMockForType(deaf, SandboxRuntime.class);

        given().contentType(ContentType.JSON)
                .body(Map.of("id", Ids.newProcessId(), "command", List.of("true"), "env", List.of(), "cwd", ""))
                .post("/internal/v1/sandboxes/{id}/processes", sandbox)
                .then().statusCode(503).contentType(ContentType.JSON)
                .body("error.message", org.hamcrest.Matchers.containsString("started"));
    }

    /** The local runtime, listing the given sandboxes first: resume meets them before any other. */
    static SandboxRuntime listingFirst(SandboxRuntime delegate, Set<String> first) {
        return (SandboxRuntime) Proxy.newProxyInstance(SandboxRuntime.class.getClassLoader(),
                new Class<?>[] {SandboxRuntime.class}, (proxy, method, args) -> {
                    if (method.getName().equals("list") && method.getParameterCount() == 0) {
                        List<SandboxStatus> all = new ArrayList<>(delegate.list());
                        all.sort(Comparator.comparing(s -> first.contains(s.id()) ? 0 : 1));
                        return all;
                    }
                    try {
                        return method.invoke(delegate, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** A sandbox on disk whose state directory is a file: its supervisor can be neither installed nor asked. */
    String brokenSandbox() throws IOException {
        String id = Ids.newSandboxId();
        Path root = FakeApiService.home.resolve("sandboxes").resolve(id);
        Files.createDirectories(root.resolve("workspace"));
        Files.writeString(root.resolve("state"), "not a directory");
        Files.writeString(root.resolve("sandbox.json"),
                "{\"id\":\"" + id + "\",\"team\":\"t1\",\"template\":\"base\",\"env\":{}}");
        return id;
    }

    @Test
    void aSandboxThatCannotBeFollowedHoldsUpNoOtherAndIsRetried() throws Exception {
        String good = createSandbox(Map.of());
        String broken = brokenSandbox();
        String otherBroken = brokenSandbox();
        try {
            exitWatcher.pause();
            // Exits while nobody follows are replayed from the events file once someone does.
            String exited = given().contentType(ContentType.JSON)
                    .body(Map.of("id", Ids.newProcessId(), "command", List.of("sh", "-c", "exit 7"), "env", List.of(), "cwd", ""))
                    .post("/internal/v1/sandboxes/{id}/processes", good)
                    .then().statusCode(200).extract().path("id");
            await().atMost(Duration.ofSeconds(10)).until(() -> status(good, exited).state() == ProcessState.exited);
            assertThat(FakeApiService.PROCESS_EVENTS).noneMatch(e -> e.id().equals(exited));

            QuarkusMock.installMockForType(listingFirst(local, Set.of(broken, otherBroken)), SandboxRuntime.class);
            exitWatcher.resume();

            ProcessStatus exit = pushedExit(good, exited);
            assertThat(exit.exitCode()).isEqualTo(7);

            // Repaired, the broken sandbox is followed at a later try.
            Path state = FakeApiService.home.resolve("sandboxes").resolve(broken).resolve("state");
            Files.delete(state);
            Files.createDirectories(state);
            String later = given().contentType(ContentType.JSON)
                    .body(Map.of("id", Ids.newProcessId(), "command", List.of("sh", "-c", "exit 9"), "env", List.of(), "cwd", ""))
                    .post("/internal/v1/sandboxes/{id}/processes", broken)
                    .then().statusCode(200).extract().path("id");
            assertThat(pushedExit(broken, later).exitCode()).isEqualTo(9);
        } finally {
            exitWatcher.resume();
            given().delete("/internal/v1/sandboxes/{id}", good);
            FakeApiService.LIVE.remove(good);
            local.delete(broken);
            local.delete(otherBroken);
        }
    }
}
