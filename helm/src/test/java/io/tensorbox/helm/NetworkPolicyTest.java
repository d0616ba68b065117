package io.tensorbox.helm;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.tensorbox.helm.RenderedChart.list;
import static io.tensorbox.helm.RenderedChart.map;
import static io.tensorbox.helm.RenderedChart.path;
import static org.assertj.core.api.Assertions.assertThat;

/** Sandboxes run untrusted code: no way to the control plane, and only log-service may call in. */
class NetworkPolicyTest {

    @Test
    void isolatesSandboxPods() {
        RenderedChart chart = RenderedChart.render(Map.of("networkPolicy.apiServerCIDRs[0]", "10.0.0.1/32",
                "networkPolicy.deniedCIDRs[0]", "10.244.0.0/16"));
        Map<String, Object> policy = chart.get("NetworkPolicy", "tensorbox-sandboxes");

        assertThat(path(policy, "metadata.namespace")).isEqualTo(RenderedChart.SANDBOX_NAMESPACE);
        assertThat(path(policy, "spec.podSelector.matchLabels")).isEqualTo(Map.of("app.kubernetes.io/managed-by", "tensorbox"));
        assertThat(list(policy, "spec.policyTypes")).containsExactlyInAnyOrder("Ingress", "Egress");

        // ingress: log-service pods of the release namespace, nothing else
        List<Object> ingress = list(policy, "spec.ingress");
        assertThat(ingress).hasSize(1);
        List<Object> from = list(ingress.get(0), "from");
        assertThat(from).hasSize(1);
        assertThat(path(from.get(0), "namespaceSelector.matchLabels"))
                .isEqualTo(Map.of("kubernetes.io/metadata.name", RenderedChart.NAMESPACE));
        assertThat(map(path(from.get(0), "podSelector.matchLabels")))
                .isEqualTo(map(path(chart.get("Deployment", "tensorbox-log"), "spec.selector.matchLabels")));

        // egress: DNS, and addresses minus the API server and the denied ranges; no pod selector reaches the release namespace
        List<Object> peers = list(policy, "spec.egress").stream().flatMap(rule -> list(rule, "to").stream()).toList();
        assertThat(peers).noneMatch(peer -> RenderedChart.NAMESPACE.equals(path(peer, "namespaceSelector.matchLabels.kubernetes.io/metadata.name")));
        assertThat(peers).filteredOn(peer -> path(peer, "podSelector") != null)
                .allSatisfy(peer -> assertThat(path(peer, "podSelector.matchLabels")).isEqualTo(Map.of("k8s-app", "kube-dns")));
        Object ipBlock = peers.stream().map(peer -> path(peer, "ipBlock")).filter(b -> b != null).findFirst().orElseThrow();
        assertThat(path(ipBlock, "cidr")).isEqualTo("0.0.0.0/0");
        assertThat(list(ipBlock, "except")).containsExactly("10.0.0.1/32", "10.244.0.0/16");
    }

    @Test
    void withoutInternetSandboxesReachOnlyDns() {
        Map<String, Object> policy = RenderedChart.render(Map.of("networkPolicy.allowInternet", false))
                .get("NetworkPolicy", "tensorbox-sandboxes");

        assertThat(list(policy, "spec.egress")).hasSize(1);
        assertThat(RenderedChart.mapList(policy, "spec.egress", rule -> list(rule, "ports").size())).containsExactly(2);
    }

    @Test
    void canBeLeftToTheOperator() {
        assertThat(RenderedChart.render(Map.of("networkPolicy.enabled", false)).ofKind("NetworkPolicy")).isEmpty();
    }
}
