package io.tensorbox.helm;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static io.tensorbox.helm.RenderedChart.list;
import static io.tensorbox.helm.RenderedChart.map;
import static io.tensorbox.helm.RenderedChart.path;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Least privilege: only the scheduler may touch the Kubernetes API, and only in the sandbox namespace. */
class RbacTest {
    private static RenderedChart chart;

    @BeforeAll
    static void render() {
        chart = RenderedChart.render();
    }

    @Test
    void theSchedulerRoleGrantsExactlyWhatTheDriverNeeds() {
        Map<String, Object> role = chart.get("Role", "tensorbox-scheduler");

        assertThat(path(role, "metadata.namespace")).isEqualTo(RenderedChart.SANDBOX_NAMESPACE);
        assertThat(grants(role)).containsExactlyInAnyOrder(
                "/pods:create", "/pods:delete", "/pods:get", "/pods:list", "/pods:watch",
                "/pods/exec:create", "/pods/exec:get",
                "coordination.k8s.io/leases:create", "coordination.k8s.io/leases:get", "coordination.k8s.io/leases:patch");
    }

    @Test
    void theSchedulerRoleIsTheOneDeployRbacTestChecks() throws IOException {
        Map<String, Object> deployRole = deployManifests().stream()
                .filter(m -> "Role".equals(m.get("kind"))).findFirst().orElseThrow();

        assertThat(grants(chart.get("Role", "tensorbox-scheduler"))).isEqualTo(grants(deployRole));
    }

    @Test
    void theRoleIsBoundToTheSchedulersServiceAccountOnly() {
        Map<String, Object> binding = chart.get("RoleBinding", "tensorbox-scheduler");

        assertThat(path(binding, "metadata.namespace")).isEqualTo(RenderedChart.SANDBOX_NAMESPACE);
        assertThat(path(binding, "roleRef")).isEqualTo(Map.of(
                "apiGroup", "rbac.authorization.k8s.io", "kind", "Role", "name", "tensorbox-scheduler"));
        assertThat(list(binding, "subjects")).containsExactly(Map.of(
                "kind", "ServiceAccount", "name", "tensorbox-scheduler", "namespace", RenderedChart.NAMESPACE));
        assertThat(path(chart.get("Deployment", "tensorbox-scheduler"), "spec.template.spec.serviceAccountName"))
                .isEqualTo("tensorbox-scheduler");
    }

    @Test
    void noOtherRoleExistsAndOnlyTheSchedulerGetsAToken() {
        assertThat(chart.ofKind("Role")).hasSize(1);
        assertThat(chart.ofKind("RoleBinding")).hasSize(1);
        assertThat(chart.ofKind("ClusterRole")).isEmpty();
        assertThat(chart.ofKind("ClusterRoleBinding")).isEmpty();
        assertThat(chart.manifests).filteredOn(m -> List.of("Role", "ClusterRole").contains(m.get("kind")))
                .filteredOn(m -> grants(m).stream().anyMatch(g -> g.startsWith("/pods/exec:")))
                .extracting(m -> path(m, "metadata.name")).containsExactly("tensorbox-scheduler");

        assertThat(path(chart.get("Deployment", "tensorbox-api"), "spec.template.spec.automountServiceAccountToken")).isEqualTo(false);
        assertThat(path(chart.get("Deployment", "tensorbox-log"), "spec.template.spec.automountServiceAccountToken")).isEqualTo(false);
        assertThat(path(chart.get("Deployment", "tensorbox-scheduler"), "spec.template.spec.automountServiceAccountToken")).isEqualTo(true);
        assertThat(chart.ofKind("ServiceAccount")).allSatisfy(sa -> assertThat(sa.get("automountServiceAccountToken")).isEqualTo(false));
    }

    @Test
    void aCustomSandboxNamespaceMovesTheRoleAndTheScheduler() {
        RenderedChart rendered = RenderedChart.render(Map.of("sandboxes.namespace", "sbx", "sandboxes.createNamespace", false));

        assertThat(path(rendered.get("Role", "tensorbox-scheduler"), "metadata.namespace")).isEqualTo("sbx");
        assertThat(path(rendered.get("RoleBinding", "tensorbox-scheduler"), "metadata.namespace")).isEqualTo("sbx");
        assertThat(RenderedChart.env(rendered.container("Deployment", "tensorbox-scheduler")))
                .containsEntry("TENSORBOX_KUBERNETES_NAMESPACE", "sbx");
        assertThat(rendered.ofKind("Namespace")).isEmpty();
    }

    @Test
    void refusesToCreateTheReleaseNamespaceAsTheSandboxNamespace() {
        assertThatThrownBy(() -> RenderedChart.render(Map.of("sandboxes.namespace", RenderedChart.NAMESPACE)))
                .hasMessageContaining("sandboxes.createNamespace must be false");

        RenderedChart shared = RenderedChart.render(Map.of("sandboxes.namespace", RenderedChart.NAMESPACE, "sandboxes.createNamespace", false));
        assertThat(path(shared.get("Role", "tensorbox-scheduler"), "metadata.namespace")).isEqualTo(RenderedChart.NAMESPACE);
    }

    /** Every (apiGroup/resource:verb) a Role grants; a wildcard would show up as "*". */
    private static Set<String> grants(Map<String, Object> role) {
        Set<String> grants = new TreeSet<>();
        for (Object rule : list(role, "rules")) {
            for (Object group : list(rule, "apiGroups")) {
                for (Object resource : list(rule, "resources")) {
                    for (Object verb : list(rule, "verbs")) {
                        grants.add(group + "/" + resource + ":" + verb);
                    }
                }
            }
            assertThat(map(rule)).as("rule keys").containsOnlyKeys("apiGroups", "resources", "verbs");
        }
        return grants;
    }

    private static List<Map<String, Object>> deployManifests() throws IOException {
        Path file = RenderedChart.CHART_DIR.resolve("../../deploy/10-scheduler-rbac.yaml").normalize();
        List<Map<String, Object>> docs = new ArrayList<>();
        try (MappingIterator<Map<String, Object>> it = new YAMLMapper().readerFor(Map.class).readValues(file.toFile())) {
            it.forEachRemaining(docs::add);
        }
        return docs;
    }
}
