package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.OutputStreamMessage;
import io.fabric8.kubernetes.client.server.mock.StatusStreamMessage;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.Ids;
import io.tensorbox.common.ProcessStatus;
import io.tensorbox.common.SandboxState;
import io.tensorbox.common.SandboxStatus;
import io.tensorbox.scheduler.ports.ListeningPort;
import io.tensorbox.scheduler.ports.PortWatcher;
import io.tensorbox.scheduler.ports.PortsReport;
import io.tensorbox.scheduler.process.ApiEventsClient;
import io.tensorbox.scheduler.process.EventPublisher;
import io.tensorbox.scheduler.process.Supervisor;
import io.tensorbox.scheduler.runtime.ExecGuards;
import io.tensorbox.scheduler.sandbox.SandboxResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Port discovery and the address route on the kubernetes runtime, against the mock API server: the
 * watcher is one {@code pods/exec} of the same script as on the local runtime (no owner marker: the
 * pod's network namespace is its own), its snapshots become reports to api-service, and the address
 * is the pod's IP from its status.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesPortsTest {

    KubernetesMockServer server;
    KubernetesClient client;
    KubernetesRuntime runtime;
    PortWatcher watcher;
    final List<PortsReport> reports = new CopyOnWriteArrayList<>();
    final List<String> markers = new CopyOnWriteArrayList<>();
    String id;

    /** api-service, taking port reports only. */
    final class Api implements ApiEventsClient {
        @Override
        public void processEnded(ProcessStatus status) {
        }

        @Override
        public void sandboxChanged(SandboxStatus status) {
        }

        @Override
        public void portsChanged(PortsReport report) {
            reports.add(report);
        }
    }

    @BeforeEach
    void setUp() {
        runtime = TestRuntimes.runtime(client);
        EventPublisher events = new EventPublisher(new Api(), 100);
        events.start();
        watcher = new PortWatcher(runtime, events, new PortWatcher.Commands() {
            @Override
            public List<String> prepare(String sandboxId, String marker) {
                // the supervisor's install is an exec of its own, tested with the supervisor
                markers.add(String.valueOf(marker));
                return Supervisor.portsCommand(runtime.layout(sandboxId), marker);
            }

            @Override
            public void lost(String sandboxId) {
            }
        });
        id = Ids.newSandboxId();
    }

    @AfterEach
    void tearDown() {
        watcher.pause();
    }

    private void pod(String sandboxId, boolean ready, String podIp) {
        client.pods().inNamespace("test").resource(new PodBuilder()
                .withNewMetadata().withName(PodNames.podName(sandboxId)).addToLabels(PodNames.SANDBOX_ID, sandboxId)
                .addToLabels(PodNames.MANAGED_BY, PodNames.MANAGER).endMetadata()
                .withNewSpec().addNewContainer().withName("sandbox").withImage("example/sandbox:1").endContainer().endSpec()
                .withNewStatus().withPhase(ready ? "Running" : "Pending").withPodIP(podIp)
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition().endStatus()
                .build()).create();
        SandboxState expected = ready ? SandboxState.running : SandboxState.pending;
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.status(sandboxId).state() == expected);
    }

    private String execPath(List<String> argv) {
        return "/api/v1/namespaces/test/pods/" + PodNames.podName(id) + "/exec?"
                + argv.stream().map(a -> "command=" + URLEncoder.encode(a, StandardCharsets.UTF_8).replace("+", "%20")).collect(Collectors.joining("&"))
                + "&container=sandbox&stdin=true&stdout=true&stderr=true";
    }

    @Test
    void theWatcherIsOneExecOfTheScriptWithoutMarkerAndItsSnapshotsAreReported() {
        pod(id, true, "10.1.2.3");
        String state = runtime.layout(id).stateDir();
        List<String> command = Supervisor.portsCommand(runtime.layout(id), null);
        assertThat(command).containsExactly("sh", command.get(1), "ports", state, "");
        assertThat(command.get(1)).matches(java.util.regex.Pattern.quote(state) + "/bin/tbx-[0-9a-f]{16}");
        // the exact exec (the watchdog around the script) is what the mock answers
        server.expect().get().withPath(execPath(ExecGuards.endingWithCaller(command)))
                .andUpgradeToWebSocket().open(ExecFrames.inOrder(
                        new OutputStreamMessage("tbx-ports 2\np 4 00000000:0BB8 7\n"),
                        new OutputStreamMessage("p 6 00000000000000000000000001000000:1F90 0\ntbx-ports-end\ntbx-ports 1\n"),
                        new OutputStreamMessage("p 4 00000000:0BB8 7\ntbx-ports-end\ntbx-ports 1\np 4 0000"),
                        new StatusStreamMessage(0)))
                .done().once();

        watcher.resume();
        await().atMost(Duration.ofSeconds(10)).until(() -> !markers.isEmpty());
        assertThat(markers).as("a pod's socket table is its own: no owner marker").containsOnly("null");

        PortsReport first = new PortsReport(id, List.of(new ListeningPort(3000, "0.0.0.0", 7), new ListeningPort(8080, "::1", 0)));
        PortsReport second = new PortsReport(id, List.of(new ListeningPort(3000, "0.0.0.0", 7)));
        await().atMost(Duration.ofSeconds(10)).until(() -> !reports.isEmpty() && reports.getLast().equals(second));
        // the first set is sent unless the second replaced it in the queue (only the latest set matters)
        assertThat(reports).isIn(List.of(first, second), List.of(second));
        // the frame cut off by the exec's end is never a set
        int received = reports.size();
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> reports.size() == received);
    }

    @Test
    void theAddressIsThePodIpAndOnlyOfARunningSandbox() {
        pod(id, true, "10.1.2.3");
        SandboxResource resource = new SandboxResource(runtime, null, null);
        assertThat(resource.address(id)).isEqualTo(Map.of("host", "10.1.2.3"));

        String pending = Ids.newSandboxId();
        pod(pending, false, null);
        assertThatThrownBy(() -> resource.address(pending)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(409);
            assertThat(e.code()).isEqualTo("sandbox_not_running");
        });

        assertThatThrownBy(() -> resource.address(Ids.newSandboxId())).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(404);
            assertThat(e.code()).isEqualTo("sandbox_not_found");
        });
    }
}
