package io.tensorbox.helm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.tensorbox.helm.RenderedChart.list;
import static io.tensorbox.helm.RenderedChart.map;
import static io.tensorbox.helm.RenderedChart.path;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sandboxes run untrusted code: no way to the control plane, and only log-service may call in. In
 * the release namespace each service admits only its callers.
 */
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
        assertThat(RenderedChart.render(Map.of("networkPolicy.services.enabled", false)).ofKind("NetworkPolicy"))
                .extracting(p -> path(p, "metadata.name")).containsExactly("tensorbox-sandboxes");
    }

    @Test
    void eachServiceAdmitsOnlyItsCallers() {
        RenderedChart chart = RenderedChart.render();
        Map<String, Object> api = selector(chart, "Deployment", "tensorbox-api");
        Map<String, Object> log = selector(chart, "Deployment", "tensorbox-log");

        // api-service: its port from anywhere, it is the public API
        List<Object> apiRules = rules(chart, "tensorbox-api", selector(chart, "Deployment", "tensorbox-api"));
        assertThat(apiRules).containsExactly(Map.of("ports", List.of(Map.of("protocol", "TCP", "port", "http"))));

        // scheduler-service (exec in any sandbox): api-service and log-service pods only
        List<Object> schedulerRules = rules(chart, "tensorbox-scheduler", selector(chart, "Deployment", "tensorbox-scheduler"));
        assertThat(schedulerRules).hasSize(1);
        assertThat(podSelectors(schedulerRules.get(0))).containsExactlyInAnyOrder(api, log);
        assertThat(list(schedulerRules.get(0), "ports")).containsExactly(Map.of("protocol", "TCP", "port", "http"));

        // log-service: api-service pods only (no preview port without a preview domain)
        List<Object> logRules = rules(chart, "tensorbox-log", log);
        assertThat(logRules).hasSize(1);
        assertThat(podSelectors(logRules.get(0))).containsExactly(api);
        assertThat(list(logRules.get(0), "ports")).containsExactly(Map.of("protocol", "TCP", "port", "http"));

        // PostgreSQL: api-service pods only
        List<Object> postgresRules = rules(chart, "tensorbox-postgresql", selector(chart, "StatefulSet", "tensorbox-postgresql"));
        assertThat(postgresRules).hasSize(1);
        assertThat(podSelectors(postgresRules.get(0))).containsExactly(api);
        assertThat(list(postgresRules.get(0), "ports")).containsExactly(Map.of("protocol", "TCP", "port", "postgresql"));

        // the ports named in the policies are the ones the pods listen on
        assertThat(RenderedChart.mapList(chart.container("Deployment", "tensorbox-scheduler"), "ports", p -> p.get("name"))).containsExactly("http");
        assertThat(RenderedChart.mapList(chart.container("StatefulSet", "tensorbox-postgresql"), "ports", p -> p.get("name"))).containsExactly("postgresql");
    }

    @Test
    void noServicePolicyAdmitsSandboxPods() {
        RenderedChart chart = RenderedChart.render(Map.of("ingress.enabled", true, "ingress.preview.domain", "preview.example.com"));

        for (Map<String, Object> policy : chart.ofKind("NetworkPolicy")) {
            if (!RenderedChart.NAMESPACE.equals(path(policy, "metadata.namespace"))) {
                continue;
            }
            for (Object rule : list(policy, "spec.ingress")) {
                for (Object peer : list(rule, "from")) {
                    // a bare podSelector selects pods of the release namespace, and only TensorBox's components
                    if (path(peer, "namespaceSelector") == null && path(peer, "ipBlock") == null) {
                        assertThat(map(path(peer, "podSelector.matchLabels"))).containsKey("app.kubernetes.io/component");
                    } else {
                        assertThat(path(peer, "namespaceSelector.matchExpressions")).as("%s admits %s", path(policy, "metadata.name"), peer)
                                .isEqualTo(List.of(Map.of("key", "kubernetes.io/metadata.name", "operator", "NotIn",
                                        "values", List.of(RenderedChart.SANDBOX_NAMESPACE))));
                    }
                }
            }
        }
    }

    @Test
    void thePreviewPortAdmitsTheIngressControllerAndTheInternalPortStillOnlyApiService(@TempDir Path dir) {
        RenderedChart byDefault = RenderedChart.render(Map.of("ingress.enabled", true, "ingress.preview.domain", "preview.example.com"));
        Map<String, Object> log = selector(byDefault, "Deployment", "tensorbox-log");

        List<Object> rules = rules(byDefault, "tensorbox-log", log);
        assertThat(rules).hasSize(2);
        assertThat(podSelectors(rules.get(0))).containsExactly(selector(byDefault, "Deployment", "tensorbox-api"));
        assertThat(list(rules.get(1), "ports")).containsExactly(Map.of("protocol", "TCP", "port", "preview"));
        assertThat(list(rules.get(1), "from")).as("by default: every namespace but the sandboxes'").containsExactly(
                Map.of("namespaceSelector", Map.of("matchExpressions", List.of(Map.of("key", "kubernetes.io/metadata.name",
                        "operator", "NotIn", "values", List.of(RenderedChart.SANDBOX_NAMESPACE))))));

        RenderedChart given = RenderedChart.render(Map.of("ingress.enabled", true, "ingress.preview.domain", "preview.example.com"),
                RenderedChart.valuesFile(dir, """
                        networkPolicy:
                          services:
                            previewFrom:
                              - namespaceSelector:
                                  matchLabels:
                                    kubernetes.io/metadata.name: ingress-nginx
                        """));
        assertThat(list(rules(given, "tensorbox-log", log).get(1), "from")).containsExactly(
                Map.of("namespaceSelector", Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", "ingress-nginx"))));
    }

    @Test
    void extraPeersReachEveryServicesHttpPort(@TempDir Path dir) {
        Map<String, Object> prometheus = Map.of("namespaceSelector", Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", "monitoring")));
        RenderedChart chart = RenderedChart.render(Map.of(), RenderedChart.valuesFile(dir, """
                networkPolicy:
                  services:
                    extraFrom:
                      - namespaceSelector:
                          matchLabels:
                            kubernetes.io/metadata.name: monitoring
                """));

        for (String service : List.of("tensorbox-scheduler", "tensorbox-log")) {
            assertThat(list(rules(chart, service, selector(chart, "Deployment", service)).get(0), "from")).as(service).contains(prometheus);
        }
        assertThat(list(rules(chart, "tensorbox-postgresql", selector(chart, "StatefulSet", "tensorbox-postgresql")).get(0), "from"))
                .doesNotContain(prometheus);
    }

    private static Map<String, Object> selector(RenderedChart chart, String kind, String name) {
        return map(path(chart.get(kind, name), "spec.selector.matchLabels"));
    }

    /** The ingress rules of a release-namespace policy, after checking it isolates exactly these pods. */
    private static List<Object> rules(RenderedChart chart, String name, Map<String, Object> pods) {
        Map<String, Object> policy = chart.get("NetworkPolicy", name);
        assertThat(path(policy, "metadata.namespace")).isEqualTo(RenderedChart.NAMESPACE);
        assertThat(map(path(policy, "spec.podSelector.matchLabels"))).as("pods of %s", name).isEqualTo(pods);
        assertThat(list(policy, "spec.policyTypes")).containsExactly("Ingress");
        return list(policy, "spec.ingress");
    }

    private static List<Map<String, Object>> podSelectors(Object rule) {
        List<Object> from = list(rule, "from");
        assertThat(from).allSatisfy(peer -> assertThat(map(peer)).containsOnlyKeys("podSelector"));
        return from.stream().map(peer -> map(path(peer, "podSelector.matchLabels"))).toList();
    }
}
