package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.Ids;
import io.tensorbox.common.SandboxSpec;
import io.tensorbox.common.SandboxState;
import io.tensorbox.common.SandboxStatus;
import io.tensorbox.scheduler.runtime.ExecHandle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The driver against the cluster {@code KUBECONFIG} names (e.g. {@code ../shared/kube}), with the
 * image {@code tensorbox/sandbox-base:dev} (override: {@code TENSORBOX_BASE_IMAGE}) already on the node.
 * Namespace {@code TENSORBOX_KUBERNETES_NAMESPACE}, default {@code default}. Cleans up its pods.
 */
@EnabledIfEnvironmentVariable(named = "KUBECONFIG", matches = ".+")
class RealClusterTest {

    static KubernetesClient client;
    static KubernetesRuntime runtime;
    static final List<SandboxStatus> changes = new CopyOnWriteArrayList<>();
    static final List<String> created = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void connect() {
        client = new KubernetesClientBuilder().build();
        String namespace = System.getenv().getOrDefault("TENSORBOX_KUBERNETES_NAMESPACE", "default");
        runtime = TestRuntimes.runtime(client, Map.of(
                "tensorbox.kubernetes.namespace", namespace,
                "tensorbox.base-image", System.getenv().getOrDefault("TENSORBOX_BASE_IMAGE", "tensorbox/sandbox-base:dev"),
                "tensorbox.templates.missing.image", "tensorbox/does-not-exist:1",
                "tensorbox.kubernetes.image-pull-policy", "IfNotPresent"));
        runtime.onSandboxChange(changes::add);
    }

    @AfterAll
    static void cleanUp() {
        created.forEach(runtime::delete);
        runtime.stop();
        client.close();
    }

    private static String running() {
        String id = Ids.newSandboxId();
        created.add(id);
        runtime.create(new SandboxSpec(id, "team_it", "base", Map.of("FROM_SPEC", "yes")));
        await().atMost(Duration.ofSeconds(90)).until(() -> runtime.status(id).state() == SandboxState.running);
        return id;
    }

    private static String[] exec(String id, ExecRequest request, int expectedExit) throws Exception {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        try (ExecHandle exec = runtime.exec(id, request, out, err)) {
            assertEquals(expectedExit, exec.exitCode().get(30, TimeUnit.SECONDS));
        }
        return new String[] {out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void sandboxRunsExecsAndStopsWhenItsPodIsDeletedBehindOurBack() throws Exception {
        String id = running();
        await().atMost(Duration.ofSeconds(2)).until(() -> changes.contains(new SandboxStatus(id, SandboxState.running, null)));

        String[] split = exec(id, new ExecRequest(List.of("sh", "-c", "echo out; echo err >&2; exit 3"), null, null, null, 10_000), 3);
        assertEquals("out\n", split[0]);
        assertEquals("err\n", split[1]);

        assertEquals("hello", exec(id, new ExecRequest(List.of("head", "-c", "5"), null, null,
                "hello".getBytes(StandardCharsets.UTF_8), 10_000), 0)[0]);

        exec(id, new ExecRequest(List.of("mkdir", "-p", "sub dir"), null, null, null, 10_000), 0);
        assertEquals("/home/user/sub dir\nx y\nyes\n", exec(id, new ExecRequest(List.of("sh", "-c", "pwd; echo \"$A\"; echo \"$FROM_SPEC\""),
                "sub dir", Map.of("A", "x y"), null, 10_000), 0)[0]);
        String[] big = exec(id, new ExecRequest(List.of("sh", "-c", "head -c 3000000 /dev/zero; head -c 1000000 /dev/zero >&2; exit 7"),
                null, null, null, 30_000), 7);
        assertEquals(3_000_000, big[0].length(), "all of stdout is written before the exit code completes");
        assertEquals(1_000_000, big[1].length());
        var layout = runtime.layout(id);
        exec(id, new ExecRequest(List.of("sh", "-c", "touch \"$0/w\" \"$1/s\"", layout.workspaceDir(), layout.stateDir()),
                null, null, null, 10_000), 0);

        client.pods().inNamespace(runtime.namespace()).withName(PodNames.podName(id)).delete();

        await().atMost(Duration.ofSeconds(2)).until(() -> changes.stream()
                .anyMatch(c -> c.id().equals(id) && c.state() == SandboxState.stopped));
        await().atMost(Duration.ofSeconds(30)).until(() -> client.pods().inNamespace(runtime.namespace())
                .withName(PodNames.podName(id)).get() == null);
    }

    @Test
    void deleteRemovesThePod() {
        String id = running();

        runtime.delete(id);

        assertEquals(SandboxState.stopped, runtime.status(id).state());
        await().atMost(Duration.ofSeconds(30)).until(() -> client.pods().inNamespace(runtime.namespace())
                .withName(PodNames.podName(id)).get() == null);
        assertTrue(changes.stream().noneMatch(c -> c.id().equals(id) && c.state() == SandboxState.stopped), changes.toString());
    }

    @Test
    void leadsTheReconcileLoopThroughALease() {
        var config = TestRuntimes.kubernetes(Map.of("tensorbox.kubernetes.namespace", runtime.namespace(),
                "tensorbox.kubernetes.leader-election.lease-name", "tensorbox-scheduler-it"));
        var leading = new java.util.concurrent.atomic.AtomicBoolean();
        try (var election = new ReconcileLeadership(runtime, config).start("real-cluster-test", () -> leading.set(true), () -> leading.set(false))) {
            await().atMost(Duration.ofSeconds(20)).untilTrue(leading);
            // held through at least one renewal (a PATCH of the Lease)
            await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).untilTrue(leading);
        }
        // released on close: another replica takes over at once, long before the 15 s lease would expire
        var next = new java.util.concurrent.atomic.AtomicBoolean();
        try (var election = new ReconcileLeadership(runtime, config).start("real-cluster-test-2", () -> next.set(true), () -> { })) {
            await().atMost(Duration.ofSeconds(5)).untilTrue(next);
        }
    }

    @Test
    void missingImageFailsTheSandbox() {
        String id = Ids.newSandboxId();
        created.add(id);
        runtime.create(new SandboxSpec(id, "team_it", "missing", Map.of()));

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            SandboxStatus status = runtime.status(id);
            assertEquals(SandboxState.failed, status.state(), String.valueOf(status.reason()));
            assertTrue(status.reason().contains("does-not-exist"), status.reason());
        });
    }
}
