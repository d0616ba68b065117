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
        assertRoutes(api, "api.tbx.example.com", "tensorbox-api", 8080);
        assertThat(list(api, "spec.tls")).containsExactly(Map.of("hosts", List.of("api.tbx.example.com"), "secretName", "api-tls"));

        Map<String, Object> preview = chart.get("Ingress", "tensorbox-preview");
        assertThat(path(preview, "spec.ingressClassName")).isEqualTo("nginx");
        assertRoutes(preview, "*.preview.tbx.example.com", "tensorbox-log", 8082);
        assertThat(list(preview, "spec.tls")).containsExactly(Map.of("hosts", List.of("*.preview.tbx.example.com"), "secretName", "preview-tls"));

        assertThat(env(chart.container("Deployment", "tensorbox-api"))).containsEntry("TENSORBOX_PUBLIC_URL", "https://api.tbx.example.com");
        assertThat(env(chart.container("Deployment", "tensorbox-log"))).containsEntry("TENSORBOX_PREVIEW_DOMAIN", "preview.tbx.example.com");
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

    private static void assertRoutes(Map<String, Object> ingress, String host, String service, int port) {
        List<Object> rules = list(ingress, "spec.rules");
        assertThat(rules).hasSize(1);
        assertThat(path(rules.get(0), "host")).isEqualTo(host);
        List<Object> paths = list(rules.get(0), "http.paths");
        assertThat(paths).hasSize(1);
        assertThat(path(paths.get(0), "path")).isEqualTo("/");
        assertThat(path(paths.get(0), "backend.service")).isEqualTo(Map.of("name", service, "port", Map.of("number", port)));
    }
}
