package io.tensorbox.helm;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.tensorbox.helm.RenderedChart.env;
import static io.tensorbox.helm.RenderedChart.list;
import static io.tensorbox.helm.RenderedChart.map;
import static io.tensorbox.helm.RenderedChart.path;
import static org.assertj.core.api.Assertions.assertThat;

/** The plain manifests of deploy/ ({@code kubectl apply -k deploy/}) carry the chart's token wiring and isolation too. */
class DeployManifestsTest {
    private static final List<String> SERVICES = List.of("api-service", "scheduler-service", "log-service");

    private static List<Map<String, Object>> manifests;

    @BeforeAll
    static void load() {
        manifests = DeployDir.load().manifests;
    }

    private static Map<String, Object> get(String kind, String name) {
        return manifests.stream().filter(m -> kind.equals(m.get("kind")) && name.equals(path(m, "metadata.name")))
                .findFirst().orElseThrow(() -> new AssertionError(kind + "/" + name + " is not in deploy/"));
    }

    @Test
    void everyServiceReadsTheInternalTokenFromItsSecret() {
        for (String service : SERVICES) {
            Map<String, Object> container = map(list(get("Deployment", service), "spec.template.spec.containers").get(0));
            assertThat(path(env(container).get("TENSORBOX_INTERNAL_TOKEN"), "secretKeyRef")).as(service)
                    .isEqualTo(Map.of("name", "tensorbox-internal-token", "key", "token"));
        }
    }

    @Test
    void theTokenSecretIsGeneratedInTheServicesNamespace() {
        Map<String, Object> secret = get("Secret", "tensorbox-internal-token");

        assertThat(path(secret, "metadata.namespace")).isEqualTo("tensorbox");
        // from deploy/secrets/internal-token (make-secrets.sh: 48 characters; common's InternalToken refuses under 32)
        assertThat(secret.get("generated")).isEqualTo(true);
        assertThat(map(secret.get("data"))).containsOnlyKeys("token");
    }

    @Test
    void eachServiceAdmitsOnlyItsCallersAndSandboxesOnlyLogService() {
        Map<String, Object> api = Map.of("podSelector", Map.of("matchLabels", Map.of("app.kubernetes.io/name", "api-service")));
        Map<String, Object> log = Map.of("podSelector", Map.of("matchLabels", Map.of("app.kubernetes.io/name", "log-service")));
        List<Object> http = List.of(Map.of("protocol", "TCP", "port", "http"));

        assertThat(rules("api-service")).containsExactly(Map.of("ports", http));
        assertThat(rules("scheduler-service")).containsExactly(Map.of("from", List.of(api, log), "ports", http));
        assertThat(rules("log-service")).containsExactly(Map.of("from", List.of(api), "ports", http));
        assertThat(rules("postgresql", "StatefulSet")).containsExactly(Map.of("from", List.of(api),
                "ports", List.of(Map.of("protocol", "TCP", "port", "postgresql"))));

        Map<String, Object> sandboxes = get("NetworkPolicy", "sandboxes");
        assertThat(path(sandboxes, "metadata.namespace")).isEqualTo("tensorbox-sandboxes");
        assertThat(list(sandboxes, "spec.policyTypes")).containsExactlyInAnyOrder("Ingress", "Egress");
        assertThat(list(sandboxes, "spec.ingress")).containsExactly(Map.of("from", List.of(Map.of(
                "namespaceSelector", Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", "tensorbox")),
                "podSelector", Map.of("matchLabels", Map.of("app.kubernetes.io/name", "log-service"))))));
        List<Object> peers = list(sandboxes, "spec.egress").stream().flatMap(rule -> list(rule, "to").stream()).toList();
        assertThat(peers).noneMatch(peer -> "tensorbox".equals(path(peer, "namespaceSelector.matchLabels.kubernetes.io/metadata.name")));
    }

    @Test
    void noIngressLeadsToInternalRoutes() {
        for (Map<String, Object> ingress : manifests.stream().filter(m -> "Ingress".equals(m.get("kind"))).toList()) {
            for (Object rule : list(ingress, "spec.rules")) {
                assertThat(RenderedChart.mapList(rule, "http.paths", p -> p.get("path")))
                        .allSatisfy(p -> assertThat((String) p).isNotIn("/", "", "/internal").doesNotStartWith("/internal/"));
            }
        }
    }

    private static List<Object> rules(String service) {
        return rules(service, "Deployment");
    }

    private static List<Object> rules(String service, String kind) {
        Map<String, Object> policy = get("NetworkPolicy", service);
        assertThat(path(policy, "metadata.namespace")).isEqualTo("tensorbox");
        assertThat(list(policy, "spec.policyTypes")).containsExactly("Ingress");
        Map<String, Object> pods = map(path(get(kind, service), "spec.selector.matchLabels"));
        assertThat(map(path(policy, "spec.podSelector.matchLabels"))).isEqualTo(pods);
        return list(policy, "spec.ingress");
    }
}
