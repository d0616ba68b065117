package io.tensorbox.helm;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static io.tensorbox.helm.RenderedChart.env;
import static io.tensorbox.helm.RenderedChart.path;
import static org.assertj.core.api.Assertions.assertThat;

/** The services authenticate each other with a token from a Secret: generated, kept, or the operator's. */
class InternalTokenSecretTest {
    private static final List<String> SERVICES = List.of("tensorbox-api", "tensorbox-scheduler", "tensorbox-log");

    @AfterEach
    void forgetSecrets() {
        FakeKubeApi.clear();
    }

    @Test
    void anInstallGeneratesARandomTokenThatEveryServiceReads() {
        RenderedChart chart = RenderedChart.render();

        String token = token(chart);
        assertThat(token).matches("[A-Za-z0-9]{48}");
        assertThat(path(chart.get("Secret", "tensorbox-internal-token"), "metadata.namespace")).isEqualTo(RenderedChart.NAMESPACE);
        assertThat(token(RenderedChart.render())).as("another install gets another token").isNotEqualTo(token);
        for (String service : SERVICES) {
            assertThat(path(env(chart.container("Deployment", service)).get("TENSORBOX_INTERNAL_TOKEN"), "secretKeyRef"))
                    .as(service).isEqualTo(Map.of("name", "tensorbox-internal-token", "key", "token"));
        }
    }

    @Test
    void anUpgradeKeepsTheTokenOfTheInstalledRelease() {
        String installed = "k".repeat(48);
        FakeKubeApi.putSecret(RenderedChart.NAMESPACE, "tensorbox-internal-token", Map.of("token", installed));

        assertThat(token(RenderedChart.render())).isEqualTo(installed);
    }

    @Test
    void anExistingSecretReplacesTheChartsOne() {
        RenderedChart chart = RenderedChart.render(Map.of("internalToken.existingSecret", "my-internal-token",
                "internalToken.existingSecretKey", "secret"));

        assertThat(chart.names()).doesNotContain("Secret/tensorbox-internal-token");
        for (String service : SERVICES) {
            assertThat(path(env(chart.container("Deployment", service)).get("TENSORBOX_INTERNAL_TOKEN"), "secretKeyRef"))
                    .as(service).isEqualTo(Map.of("name", "my-internal-token", "key", "secret"));
        }
    }

    private static String token(RenderedChart chart) {
        String base64 = (String) path(chart.get("Secret", "tensorbox-internal-token"), "data.token");
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}
