package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.smallrye.common.annotation.Identifier;
import io.tensorbox.common.Ids;
import io.tensorbox.common.SandboxSpec;
import io.tensorbox.common.SandboxState;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import io.tensorbox.scheduler.template.Templates;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The driver as the application wires it: the Quarkus client, the namespace taken from it, the config mappings. */
@QuarkusTest
@WithKubernetesTestServer
class KubernetesRuntimeQuarkusTest {

    @Inject
    @Identifier("kubernetes")
    SandboxRuntime runtime;

    @Inject
    KubernetesClient client;

    @Inject
    Templates templates;

    @Test
    void theKubernetesBeanCreatesPodsInTheClientsNamespace() {
        String id = Ids.newSandboxId();

        assertEquals(SandboxState.pending, runtime.create(new SandboxSpec(id, "team_a", "base", Map.of())).state());

        Pod pod = client.pods().inNamespace(client.getNamespace()).withName(PodNames.podName(id)).get();
        assertEquals("tensorbox", pod.getMetadata().getLabels().get("app.kubernetes.io/managed-by"));
        assertEquals("tensorbox/sandbox-base:dev", pod.getSpec().getContainers().get(0).getImage());
        runtime.delete(id);
        assertEquals(SandboxState.stopped, runtime.status(id).state());
    }

    @Test
    void baseTemplateAlwaysExistsAndUnknownOnesAreRefused() {
        assertEquals("/home/user", templates.get("base").workspaceDir());
        var e = assertThrows(IllegalArgumentException.class, () -> templates.get("nope"));
        assertEquals("template 'nope' does not exist; known templates: base", e.getMessage());
    }
}
