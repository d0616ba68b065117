package io.tensorbox.scheduler.ports;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.tensorbox.common.Ids;
import io.tensorbox.common.ProcessState;
import io.tensorbox.common.ProcessStatus;
import io.tensorbox.scheduler.InternalCalls;
import io.tensorbox.scheduler.process.FakeApiService;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.tensorbox.scheduler.InternalCalls.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * Port discovery on the local runtime with real processes: a listener started in the sandbox is
 * reported with its address and pid within 2 s, and gone within 2 s of its kill, without any call;
 * listeners of other host processes are never reported.
 */
@QuarkusTest
@QuarkusTestResource(FakeApiService.class)
@TestProfile(LocalPortDiscoveryTest.OwnApp.class)
class LocalPortDiscoveryTest {

    /**
     * An application of its own: on the local runtime every sandbox's watcher scans the host's
     * processes when a listener appears anywhere, and the sandboxes other test classes leave behind
     * would share the CPU the 2 s bound is measured with.
     */
    public static class OwnApp implements QuarkusTestProfile {
    }

    static final Duration WITHIN = Duration.ofSeconds(2);

    @Inject
    PortWatcher watcher;

    String sandbox;

    @BeforeEach
    void createSandbox() {
        sandbox = InternalCalls.createRunningSandbox(Map.of());
        await().atMost(Duration.ofSeconds(10)).until(() -> lastSet(sandbox).isPresent());
    }

    @AfterEach
    void deleteSandbox() {
        given().delete("/internal/v1/sandboxes/{id}", sandbox).then().statusCode(204);
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The latest set api-service received for the sandbox. */
    static Optional<List<ListeningPort>> lastSet(String sandboxId) {
        return FakeApiService.PORT_EVENTS.stream().filter(r -> r.sandboxId().equals(sandboxId))
                .reduce((a, b) -> b).map(PortsReport::ports);
    }

    ProcessStatus start(List<String> command) {
        return given().contentType(ContentType.JSON)
                .body(Map.of("id", Ids.newProcessId(), "command", command, "env", List.of(), "cwd", ""))
                .post("/internal/v1/sandboxes/{id}/processes", sandbox)
                .then().statusCode(200).extract().as(ProcessStatus.class);
    }

    void kill(ProcessStatus process) {
        given().contentType(ContentType.JSON).body(Map.of("signal", "SIGKILL"))
                .post("/internal/v1/sandboxes/{id}/processes/{p}/signal", sandbox, process.id())
                .then().statusCode(204);
    }

    /** Waits until the port takes connections: the moment it was bound, give or take a poll. */
    static void awaitBound(int port) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> {
            try (var s = new java.net.Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** The port's entry in the sandbox's set, within 2 s of its binding. */
    ListeningPort awaitListed(int port) {
        awaitBound(port);
        return await().atMost(WITHIN).pollInterval(Duration.ofMillis(50)).until(
                () -> lastSet(sandbox).orElse(List.of()).stream().filter(p -> p.port() == port).findFirst().orElse(null),
                p -> p != null);
    }

    void awaitGone(int port) {
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(50)).until(
                () -> lastSet(sandbox).orElse(List.of()).stream().noneMatch(p -> p.port() == port));
    }

    @Test
    void aListenerOnAllAddressesIsReportedWithItsPidAndGoneAfterItsKill() {
        int port = freePort();
        ProcessStatus server = start(List.of("python3", "-m", "http.server", Integer.toString(port), "--bind", "0.0.0.0"));
        assertThat(server.state()).isEqualTo(ProcessState.running);

        ListeningPort listed = awaitListed(port);
        assertThat(listed.address()).isEqualTo("0.0.0.0");
        assertThat(listed.pid()).isEqualTo(server.pid());

        kill(server);
        awaitGone(port);
        assertThat(watcher.watching(sandbox)).isTrue();
    }

    @Test
    void loopbackAndIpv6ListenersAreReportedWithTheirAddress() {
        int loopback = freePort();
        int any6 = freePort();
        ProcessStatus local = start(List.of("python3", "-m", "http.server", Integer.toString(loopback), "--bind", "127.0.0.1"));
        ProcessStatus v6 = start(List.of("python3", "-m", "http.server", Integer.toString(any6), "--bind", "::"));

        assertThat(awaitListed(loopback)).isEqualTo(new ListeningPort(loopback, "127.0.0.1", local.pid()));
        assertThat(awaitListed(any6)).isEqualTo(new ListeningPort(any6, "::", v6.pid()));

        kill(local);
        kill(v6);
        awaitGone(loopback);
        awaitGone(any6);
    }

    @Test
    void listenersOfOtherHostProcessesAndOtherSandboxesAreNeverReported() throws Exception {
        int hostPort = freePort();
        Process host = new ProcessBuilder("python3", "-m", "http.server", Integer.toString(hostPort), "--bind", "0.0.0.0")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String other = InternalCalls.createRunningSandbox(Map.of());
        try {
            awaitBound(hostPort);
            int otherPort = freePort();
            given().contentType(ContentType.JSON)
                    .body(Map.of("id", Ids.newProcessId(), "command",
                            List.of("python3", "-m", "http.server", Integer.toString(otherPort), "--bind", "0.0.0.0"), "env", List.of(), "cwd", ""))
                    .post("/internal/v1/sandboxes/{id}/processes", other).then().statusCode(200);
            // a listener of this sandbox, bound after the others: the set that holds it was taken with them all up
            int own = freePort();
            start(List.of("python3", "-m", "http.server", Integer.toString(own), "--bind", "0.0.0.0"));
            awaitListed(own);
            awaitBound(otherPort);
            await().atMost(WITHIN).until(() -> lastSet(other).orElse(List.of()).stream().anyMatch(p -> p.port() == otherPort));

            assertThat(FakeApiService.PORT_EVENTS.stream().filter(r -> r.sandboxId().equals(sandbox))
                    .flatMap(r -> r.ports().stream())).noneMatch(p -> p.port() == hostPort || p.port() == otherPort);
            assertThat(FakeApiService.PORT_EVENTS.stream().filter(r -> r.sandboxId().equals(other))
                    .flatMap(r -> r.ports().stream())).noneMatch(p -> p.port() == hostPort || p.port() == own);
        } finally {
            host.destroyForcibly();
            given().delete("/internal/v1/sandboxes/{id}", other).then().statusCode(204);
        }
    }

    @Test
    void aWatcherThatDiesIsStartedAgainAndSendsTheFullSetAgain() {
        int port = freePort();
        ProcessStatus server = start(List.of("python3", "-m", "http.server", Integer.toString(port), "--bind", "0.0.0.0"));
        awaitListed(port);
        long before = FakeApiService.PORT_EVENTS.stream().filter(r -> r.sandboxId().equals(sandbox)).count();
        String state = FakeApiService.home.resolve("sandboxes").resolve(sandbox).resolve("state").toString();

        // the watcher's loop: sh STATE/bin/tbx-<hash> ports STATE MARKER
        List<ProcessHandle> loops = ProcessHandle.allProcesses().filter(p -> p.info().arguments()
                .map(a -> a.length >= 3 && a[1].equals("ports") && a[2].equals(state)).orElse(false)).toList();
        assertThat(loops).isNotEmpty();
        loops.forEach(ProcessHandle::destroyForcibly);

        await().atMost(Duration.ofSeconds(5)).until(() -> FakeApiService.PORT_EVENTS.stream()
                .filter(r -> r.sandboxId().equals(sandbox)).count() > before);
        assertThat(lastSet(sandbox).orElseThrow()).extracting(ListeningPort::port).contains(port);
        kill(server);
        awaitGone(port);
    }

    @Test
    void theWatcherEndsWithItsSandbox() {
        String doomed = InternalCalls.createRunningSandbox(Map.of());
        await().atMost(Duration.ofSeconds(10)).until(() -> watcher.watching(doomed));
        given().delete("/internal/v1/sandboxes/{id}", doomed).then().statusCode(204);
        // the teardown stops the watcher; a pass of the reconcile loop that listed the sandbox just
        // before may still be arming it, and then ends it at its next look
        await().atMost(Duration.ofSeconds(10)).until(() -> !watcher.watching(doomed));
    }

    @Test
    void theAddressOfALocalSandboxIsTheLoopback() {
        given().get("/internal/v1/sandboxes/{id}/address", sandbox).then().statusCode(200).body("host", equalTo("127.0.0.1"));
        given().get("/internal/v1/sandboxes/{id}/address", Ids.newSandboxId()).then().statusCode(404)
                .body("error.code", equalTo("sandbox_not_found"));
    }
}
