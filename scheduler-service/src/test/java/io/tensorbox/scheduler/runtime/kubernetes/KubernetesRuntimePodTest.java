package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.tensorbox.common.Ids;
import io.tensorbox.common.SandboxSpec;
import io.tensorbox.common.SandboxState;
import io.tensorbox.scheduler.runtime.SandboxLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@EnableKubernetesMockClient(crud = true)
class KubernetesRuntimePodTest {

    KubernetesMockServer server;
    KubernetesClient client;
    KubernetesRuntime runtime;

    @AfterEach
    void stopInformer() {
        if (runtime != null) {
            runtime.stop();
        }
    }

    @Test
    void podOfTheBaseTemplateIsLabelledHardenedAndKeptAlive() {
        runtime = TestRuntimes.runtime(client, Map.of("tensorbox.base-image", "example/sandbox:1"));
        String id = Ids.newSandboxId();

        var status = runtime.create(new SandboxSpec(id, "team_a", null, Map.of("GREETING", "hi")));

        assertEquals(SandboxState.pending, status.state());
        Pod pod = client.pods().inNamespace("test").withName(id.replace('_', '-')).get();
        assertEquals(Map.of("app.kubernetes.io/managed-by", "tensorbox", "tensorbox.io/sandbox-id", id,
                "tensorbox.io/team", "team_a", "tensorbox.io/template", "base"), pod.getMetadata().getLabels());
        assertEquals(id, pod.getMetadata().getAnnotations().get("tensorbox.io/sandbox-id"));
        var spec = pod.getSpec();
        assertEquals(false, spec.getAutomountServiceAccountToken());
        assertEquals("Never", spec.getRestartPolicy());
        assertNull(spec.getRuntimeClassName());
        var container = spec.getContainers().get(0);
        assertEquals("sandbox", container.getName());
        assertEquals("example/sandbox:1", container.getImage());
        assertEquals("IfNotPresent", container.getImagePullPolicy());
        assertEquals(PodSpecs.KEEP_ALIVE, container.getCommand());
        assertEquals(false, container.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals("/home/user", container.getWorkingDir());
        assertEquals("GREETING", container.getEnv().get(0).getName());
        assertEquals("hi", container.getEnv().get(0).getValue());
        assertEquals(Map.of("workspace", "/home/user", "tensorbox-state", "/tmp/.tensorbox"),
                Map.of(container.getVolumeMounts().get(0).getName(), container.getVolumeMounts().get(0).getMountPath(),
                        container.getVolumeMounts().get(1).getName(), container.getVolumeMounts().get(1).getMountPath()));
        assertTrue(spec.getVolumes().stream().allMatch(v -> v.getEmptyDir() != null));
        assertEquals(new SandboxLayout("/home/user", "/tmp/.tensorbox"), runtime.layout(id));
    }

    @Test
    void baseSandboxesAreBoundedByDefaultAndRequestLessThanTheirLimit() {
        runtime = TestRuntimes.runtime(client, Map.of());
        String id = Ids.newSandboxId();
        runtime.create(new SandboxSpec(id, "team", "base", Map.of()));

        var resources = client.pods().inNamespace("test").withName(id.replace('_', '-')).get()
                .getSpec().getContainers().get(0).getResources();
        assertEquals(Map.of("cpu", new Quantity("1"), "memory", new Quantity("1Gi")), resources.getLimits());
        assertEquals(Map.of("cpu", new Quantity("100m"), "memory", new Quantity("256Mi")), resources.getRequests());
    }

    @Test
    void requestsCanBeSetApartFromLimits() {
        runtime = TestRuntimes.runtime(client, Map.of(
                "tensorbox.templates.big.cpu", "4",
                "tensorbox.templates.big.cpu-request", "500m",
                "tensorbox.templates.big.memory", "8Gi"));
        String id = Ids.newSandboxId();
        runtime.create(new SandboxSpec(id, "team", "big", Map.of()));

        var resources = client.pods().inNamespace("test").withName(id.replace('_', '-')).get()
                .getSpec().getContainers().get(0).getResources();
        assertEquals(Map.of("cpu", new Quantity("4"), "memory", new Quantity("8Gi")), resources.getLimits());
        assertEquals(Map.of("cpu", new Quantity("500m"), "memory", new Quantity("8Gi")), resources.getRequests());
    }

    @Test
    void templateSetsResourcesEnvWorkspaceAndPlacement() {
        runtime = TestRuntimes.runtime(client, Map.ofEntries(
                Map.entry("tensorbox.templates.python.image", "example/python:3"),
                Map.entry("tensorbox.templates.python.cpu", "500m"),
                Map.entry("tensorbox.templates.python.memory", "256Mi"),
                Map.entry("tensorbox.templates.python.env.PYTHONUNBUFFERED", "1"),
                Map.entry("tensorbox.templates.python.workspace-dir", "/root/workspace"),
                Map.entry("tensorbox.templates.python.user", "1000"),
                Map.entry("tensorbox.templates.python.runtime-class-name", "gvisor"),
                Map.entry("tensorbox.templates.python.node-selector.pool", "sandboxes"),
                Map.entry("tensorbox.templates.python.tolerations[0].key", "sandbox"),
                Map.entry("tensorbox.templates.python.tolerations[0].operator", "Exists"),
                Map.entry("tensorbox.templates.python.tolerations[0].effect", "NoSchedule"),
                Map.entry("tensorbox.kubernetes.image-pull-policy", "Never")));
        String id = Ids.newSandboxId();

        runtime.create(new SandboxSpec(id, "my team!", "python", Map.of("PYTHONUNBUFFERED", "0")));

        Pod pod = client.pods().inNamespace("test").withName(id.replace('_', '-')).get();
        assertEquals("my-team", pod.getMetadata().getLabels().get("tensorbox.io/team"));
        assertEquals("my team!", pod.getMetadata().getAnnotations().get("tensorbox.io/team"));
        assertEquals("python", pod.getMetadata().getLabels().get("tensorbox.io/template"));
        var spec = pod.getSpec();
        assertEquals("gvisor", spec.getRuntimeClassName());
        assertEquals(Map.of("pool", "sandboxes"), spec.getNodeSelector());
        assertEquals("sandbox", spec.getTolerations().get(0).getKey());
        assertEquals("Exists", spec.getTolerations().get(0).getOperator());
        assertEquals("NoSchedule", spec.getTolerations().get(0).getEffect());
        var container = spec.getContainers().get(0);
        assertEquals("example/python:3", container.getImage());
        assertEquals("Never", container.getImagePullPolicy());
        assertEquals(Map.of("cpu", new Quantity("500m"), "memory", new Quantity("256Mi")), container.getResources().getRequests());
        assertEquals(container.getResources().getRequests(), container.getResources().getLimits());
        assertEquals(1000L, container.getSecurityContext().getRunAsUser());
        assertEquals("/root/workspace", container.getWorkingDir());
        assertEquals("0", container.getEnv().stream().filter(e -> e.getName().equals("PYTHONUNBUFFERED")).findFirst().orElseThrow().getValue(),
                "the sandbox's env overrides the template's");
        assertEquals("/root/workspace", runtime.layout(id).workspaceDir());
    }

    @Test
    void createIsIdempotentAndListAndDeleteFollowThePod() {
        runtime = TestRuntimes.runtime(client);
        String id = Ids.newSandboxId();
        SandboxSpec spec = new SandboxSpec(id, "team_a", "base", Map.of());

        runtime.create(spec);
        var again = runtime.create(spec);

        assertEquals(SandboxState.pending, again.state());
        assertEquals(1, client.pods().inNamespace("test").withLabel("tensorbox.io/sandbox-id", id).list().getItems().size());
        org.awaitility.Awaitility.await().untilAsserted(() ->
                assertEquals(List.of(id), runtime.list().stream().map(s -> s.id()).toList()));

        runtime.delete(id);
        runtime.delete(id);

        assertTrue(client.pods().inNamespace("test").withLabel("tensorbox.io/sandbox-id", id).list().getItems().isEmpty());
        // status reads the informer's cache, which learns of the deletion from its watch
        org.awaitility.Awaitility.await().untilAsserted(() -> assertEquals(SandboxState.stopped, runtime.status(id).state()));
    }

    @Test
    void theDriverTouchesNoClusterUntilItIsUsed() {
        var config = TestRuntimes.tensorbox(Map.of());
        var idle = new KubernetesRuntime(() -> {
            throw new AssertionError("the kubernetes client was created");
        }, config.kubernetes(),
                new io.tensorbox.scheduler.template.Templates(config.sandboxTemplates()),
                java.time.Clock.systemUTC());

        idle.onSandboxChange(status -> { });
        assertEquals(new SandboxLayout("/home/user", "/tmp/.tensorbox"), idle.layout(Ids.newSandboxId()));
        idle.stop();
    }

    @Test
    void unknownTemplateAndBadIdsAreRefusedWithoutTouchingTheCluster() {
        runtime = TestRuntimes.runtime(client);
        var unknown = assertThrows(IllegalArgumentException.class,
                () -> runtime.create(new SandboxSpec(Ids.newSandboxId(), "team_a", "gpu", Map.of())));
        assertTrue(unknown.getMessage().contains("template 'gpu' does not exist"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> runtime.status("../etc"));
        assertTrue(client.pods().inNamespace("test").list().getItems().isEmpty());
        assertFalse(runtime.list().iterator().hasNext());
    }
}
