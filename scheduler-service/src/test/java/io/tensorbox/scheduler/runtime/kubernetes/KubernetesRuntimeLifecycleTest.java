package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.tensorbox.common.Ids;
import io.tensorbox.common.SandboxSpec;
import io.tensorbox.common.SandboxState;
import io.tensorbox.common.SandboxStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pod states as the informer sees them, with a fake kubelet writing what a node would. */
@EnableKubernetesMockClient(crud = true)
class KubernetesRuntimeLifecycleTest {

    KubernetesMockServer server;
    KubernetesClient client;
    KubernetesRuntime runtime;
    FakeKubelet kubelet;
    final List<SandboxStatus> changes = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        if (kubelet != null) {
            kubelet.close();
        }
        runtime.stop();
    }

    private String createSandbox() {
        runtime = TestRuntimes.runtime(client);
        runtime.onSandboxChange(changes::add);
        String id = Ids.newSandboxId();
        runtime.create(new SandboxSpec(id, "team_a", "base", Map.of()));
        return id;
    }

    @Test
    void readyPodMakesTheSandboxRunningAndTellsTheListener() {
        kubelet = FakeKubelet.ready(client, "test");
        String id = createSandbox();

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertEquals(SandboxState.running, runtime.status(id).state()));
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() ->
                assertEquals(List.of(new SandboxStatus(id, SandboxState.running, null)), changes));
        assertEquals(SandboxState.running, runtime.create(new SandboxSpec(id, "team_a", "base", Map.of())).state(),
                "creating a running sandbox again answers running");
    }

    @Test
    void podDeletedBehindOurBackStopsTheSandboxWithinTwoSeconds() {
        kubelet = FakeKubelet.ready(client, "test");
        String id = createSandbox();
        await().atMost(Duration.ofSeconds(5)).until(() -> runtime.status(id).state() == SandboxState.running);

        client.pods().inNamespace("test").withName(id.replace('_', '-')).delete();

        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
            SandboxStatus last = changes.get(changes.size() - 1);
            assertEquals(id, last.id());
            assertEquals(SandboxState.stopped, last.state());
            assertTrue(last.reason().contains("deleted outside TensorBox"), last.reason());
        });
        assertEquals(SandboxState.stopped, runtime.status(id).state());
    }

    @Test
    void ourOwnDeleteIsNoNewsForTheListener() {
        kubelet = FakeKubelet.ready(client, "test");
        String id = createSandbox();
        String other = Ids.newSandboxId();
        runtime.create(new SandboxSpec(other, "team_a", "base", Map.of()));
        await().atMost(Duration.ofSeconds(5)).until(() -> changes.size() == 2);

        runtime.delete(id);
        client.pods().inNamespace("test").withName(other.replace('_', '-')).delete();

        // the foreign delete of the other sandbox is reported; ours, which happened first, is not
        await().atMost(Duration.ofSeconds(2)).until(() -> changes.stream().anyMatch(c -> c.id().equals(other) && c.state() == SandboxState.stopped));
        assertTrue(changes.stream().noneMatch(c -> c.id().equals(id) && c.state() == SandboxState.stopped), changes.toString());
        assertEquals(SandboxState.stopped, runtime.status(id).state());
    }

    @Test
    void missingImageFailsTheSandboxWithTheReason() {
        kubelet = FakeKubelet.imageMissing(client, "test");
        String id = createSandbox();

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            SandboxStatus status = runtime.status(id);
            assertEquals(SandboxState.failed, status.state());
            assertTrue(status.reason().contains("ErrImageNeverPull"), status.reason());
        });
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() ->
                assertEquals(List.of(SandboxState.failed), changes.stream().map(SandboxStatus::state).toList()));
    }
}
