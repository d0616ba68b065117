package io.tensorbox.helm;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.tensorbox.helm.RenderedChart.env;
import static io.tensorbox.helm.RenderedChart.list;
import static io.tensorbox.helm.RenderedChart.path;
import static org.assertj.core.api.Assertions.assertThat;

class IngressTest {

    @Test
    void exposesTheApiAndTheWildcardPreviewHost() {
        RenderedChart chart = RenderedChart.render(Map.of(
                "ingress.enabled", true,
                "ingress.className", "nginx",
                "ingress.api.host", "api.tbx.example.com",
                "ingress.api.tlsSecretName", "api-tls",
                "ingress.preview.domain", "preview.tbx.example.com",
                "ingress.preview.tlsSecretName", "preview-tls"));

        Map<String, Object> api = chart.get("Ingress", "tensorbox-api");
        assertThat(path(api, "spec.ingressClassName")).isEqualTo("nginx");
        assertRoutes(api, "api.tbx.example.com", "/v1", "tensorbox-api", 8080);
        assertThat(list(api, "spec.tls")).containsExactly(Map.of("hosts", List.of("api.tbx.example.com"), "secretName", "api-tls"));

        Map<String, Object> preview = chart.get("Ingress", "tensorbox-preview");
        assertThat(path(preview, "spec.ingressClassName")).isEqualTo("nginx");
        // the preview proxy's own port, not the one of log-service's internal routes
        assertRoutes(preview, "*.preview.tbx.example.com", "/", "tensorbox-log", 8083);
        Map<String, Object> logService = chart.get("Service", "tensorbox-log");
        assertThat(list(logService, "spec.ports")).contains(Map.of("name", "preview", "port", 8083, "targetPort", "preview", "protocol", "TCP"));
        assertThat(list(chart.container("Deployment", "tensorbox-log"), "ports"))
                .contains(Map.of("name", "preview", "containerPort", 8083, "protocol", "TCP"));
        assertThat(list(preview, "spec.tls")).containsExactly(Map.of("hosts", List.of("*.preview.tbx.example.com"), "secretName", "preview-tls"));

        assertThat(env(chart.container("Deployment", "tensorbox-api"))).containsEntry("TENSORBOX_PUBLIC_URL", "https://api.tbx.example.com");
        assertThat(env(chart.container("Deployment", "tensorbox-log"))).containsEntry("TENSORBOX_PREVIEW_DOMAIN", "preview.tbx.example.com")
                .containsEntry("TENSORBOX_PREVIEW_PORT", "8083");
        assertThat(env(chart.container("Deployment", "tensorbox-api"))).containsEntry("TENSORBOX_PREVIEW_DOMAIN", "preview.tbx.example.com")
                .containsEntry("TENSORBOX_PREVIEW_URL", "https://{host}");
    }

    @Test
    void withoutAPreviewDomainOnlyTheApiIsExposedOverPlainHttp() {
        RenderedChart chart = RenderedChart.render(Map.of("ingress.enabled", true, "ingress.api.host", "tbx.internal"));

        assertThat(chart.ofKind("Ingress")).extracting(i -> path(i, "metadata.name")).containsExactly("tensorbox-api");
        assertThat(path(chart.get("Ingress", "tensorbox-api"), "spec.tls")).isNull();
        assertThat(env(chart.container("Deployment", "tensorbox-api"))).containsEntry("TENSORBOX_PUBLIC_URL", "http://tbx.internal");
    }

    @Test
    void anExplicitPublicUrlWins() {
        RenderedChart chart = RenderedChart.render(Map.of("ingress.enabled", true, "publicUrl", "https://sandbox.example.org/"));

        assertThat(env(chart.container("Deployment", "tensorbox-api"))).containsEntry("TENSORBOX_PUBLIC_URL", "https://sandbox.example.org");
    }

    @Test
    void withoutAPreviewDomainLogServiceHasNoPreviewPort() {
        RenderedChart chart = RenderedChart.render(Map.of("ingress.enabled", true));

        assertThat(RenderedChart.mapList(chart.get("Service", "tensorbox-log"), "spec.ports", p -> p.get("name"))).containsExactly("http");
        assertThat(RenderedChart.mapList(chart.container("Deployment", "tensorbox-log"), "ports", p -> p.get("name"))).containsExactly("http");
    }

    /** The HTTP port of every service serves its /internal/* routes: no Ingress may lead there. */
    @Test
    void noIngressPathLeadsToTheInternalRoutesOrToQuarkusEndpoints() {
        RenderedChart chart = RenderedChart.render(Map.of("ingress.enabled", true,
                "ingress.preview.domain", "preview.tbx.example.com"));
        Map<String, Integer> httpPorts = Map.of("tensorbox-api", 8080, "tensorbox-scheduler", 8081, "tensorbox-log", 8082);

        assertThat(chart.ofKind("Ingress")).hasSize(2);
        for (Map<String, Object> ingress : chart.ofKind("Ingress")) {
            assertThat(path(ingress, "spec.defaultBackend")).as("a default backend takes every path").isNull();
            for (Object rule : list(ingress, "spec.rules")) {
                for (Object route : list(rule, "http.paths")) {
                    String service = (String) path(route, "backend.service.name");
                    Object port = path(route, "backend.service.port.number");
                    assertThat(path(route, "pathType")).isEqualTo("Prefix");
                    if (port.equals(httpPorts.get(service))) {
                        String prefix = (String) path(route, "path");
                        for (String hidden : List.of("/internal", "/internal/v1/sandboxes/live", "/q/health", "/q/openapi", "/")) {
                            assertThat(covers(prefix, hidden)).as("%s%s reaches %s", path(rule, "host"), hidden, service).isFalse();
                        }
                        assertThat(covers(prefix, "/v1/sandboxes")).isTrue();
                    }
                }
            }
        }
    }

    /** pathType Prefix: matches element by element of the /-separated path. */
    private static boolean covers(String prefix, String requestPath) {
        String p = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        return p.isEmpty() || requestPath.equals(p) || requestPath.startsWith(p + "/");
    }

    private static void assertRoutes(Map<String, Object> ingress, String host, String prefix, String service, int port) {
        List<Object> rules = list(ingress, "spec.rules");
        assertThat(rules).hasSize(1);
        assertThat(path(rules.get(0), "host")).isEqualTo(host);
        List<Object> paths = list(rules.get(0), "http.paths");
        assertThat(paths).hasSize(1);
        assertThat(path(paths.get(0), "path")).isEqualTo(prefix);
        assertThat(path(paths.get(0), "pathType")).isEqualTo("Prefix");
        assertThat(path(paths.get(0), "backend.service")).isEqualTo(Map.of("name", service, "port", Map.of("number", port)));
    }
}
