package io.tensorbox.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Issue 11, last of an installed chart's run ({@code -Pe2e-helm}): {@code helm uninstall} leaves no
 * pod of ours behind. The chart created the sandbox namespace, so it goes with the release, and
 * with it every sandbox still running (an operator who wants sandboxes to outlive the release sets
 * {@code sandboxes.createNamespace=false} and names a namespace of their own).
 */
@TensorBoxTest
@EnabledIfSystemProperty(named = "tensorbox.e2e.target", matches = "helm")
@Order(HelmOrder.UNINSTALL)
class HelmUninstallIT {

    @Test
    void uninstallLeavesNoPodOfOursBehind() {
        HelmRelease helm = Api.cluster().helm();
        String sandbox = Api.newSandbox();
        Ticker.start(sandbox);
        var client = helm.client();
        assertFalse(client.pods().inNamespace(helm.sandboxNamespace())
                .withLabel(KubernetesSandboxes.SANDBOX_ID, sandbox).list().getItems().isEmpty(), "the sandbox has a pod");

        helm.uninstall(); // waits until the release's pods and the sandbox namespace are gone

        assertTrue(client.pods().inNamespace(helm.namespace()).list().getItems().isEmpty());
        assertNull(client.namespaces().withName(helm.sandboxNamespace()).get(), "the sandbox namespace is gone");
        assertEquals(0, client.pods().inAnyNamespace().withLabel(KubernetesSandboxes.MANAGED_BY, "tensorbox").list().getItems()
                .stream().filter(p -> p.getMetadata().getNamespace().startsWith(helm.namespace())).count(),
                "no sandbox pod of this release anywhere");
        assertTrue(client.leases().inNamespace(helm.sandboxNamespace()).list().getItems().isEmpty());
    }
}
