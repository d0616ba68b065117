package io.tensorbox.helm;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.tensorbox.helm.RenderedChart.env;
import static io.tensorbox.helm.RenderedChart.list;
import static io.tensorbox.helm.RenderedChart.map;
import static io.tensorbox.helm.RenderedChart.path;
import static org.assertj.core.api.Assertions.assertThat;

/** The plain manifests of deploy/ carry the chart's token wiring and isolation too. */
class DeployManifestsTest {
    private static final Path DEPLOY = RenderedChart.CHART_DIR.resolve("../../deploy").normalize();
    private static final List<String> SERVICES = List.of("api-service", "scheduler-service", "log-service");

    private static List<Map<String, Object>> manifests;

    @BeforeAll
    static void load() throws IOException {
        manifests = new ArrayList<>();
        try (Stream<Path> files = Files.list(DEPLOY)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (MappingIterator<Map<String, Object>> it = new YAMLMapper().readerFor(Map.class).readValues(file.toFile())) {
                    it.forEachRemaining(doc -> {
                        if (doc != null && !doc.isEmpty()) {
                            manifests.add(doc);
                        }
                    });
                }
            }
        }
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
    void theTokenSecretIsAPlaceholderNoServiceStartsWith() {
        Map<String, Object> secret = get("Secret", "tensorbox-internal-token");

        assertThat(path(secret, "metadata.namespace")).isEqualTo("tensorbox");
        // common's InternalToken refuses tokens under 32 characters: a forgotten placeholder fails closed
        assertThat((String) path(secret, "stringData.token")).hasSizeLessThan(32);
    }

    @Test
    void eachServiceAdmitsOnlyItsCallersAndSandboxesOnlyLogService() {
        Map<String, Object> api = Map.of("podSelector", Map.of("matchLabels", Map.of("app.kubernetes.io/name", "api-service")));
        Map<String, Object> log = Map.of("podSelector", Map.of("matchLabels", Map.of("app.kubernetes.io/name", "log-service")));
        List<Object> http = List.of(Map.of("protocol", "TCP", "port", "http"));

        assertThat(rules("api-service")).containsExactly(Map.of("ports", http));
        assertThat(rules("scheduler-service")).containsExactly(Map.of("from", List.of(api, log), "ports", http));
        assertThat(rules("log-service")).containsExactly(Map.of("from", List.of(api), "ports", http));

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
        Map<String, Object> policy = get("NetworkPolicy", service);
        assertThat(path(policy, "metadata.namespace")).isEqualTo("tensorbox");
        assertThat(list(policy, "spec.policyTypes")).containsExactly("Ingress");
        Map<String, Object> pods = map(path(get("Deployment", service), "spec.selector.matchLabels"));
        assertThat(map(path(policy, "spec.podSelector.matchLabels"))).isEqualTo(pods);
        return list(policy, "spec.ingress");
    }
}
