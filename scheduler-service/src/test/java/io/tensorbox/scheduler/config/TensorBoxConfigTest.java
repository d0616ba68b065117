package io.tensorbox.scheduler.config;

import io.smallrye.config.ConfigValidationException;
import io.tensorbox.scheduler.runtime.kubernetes.TestRuntimes;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One mapping holds every tensorbox.* key: the names the launcher and the chart use are known, a typo is not. */
class TensorBoxConfigTest {

    @Test
    void theKeysTheLauncherAndTheChartSetAreAllKnown() {
        TensorBoxConfig config = TestRuntimes.tensorbox(Map.ofEntries(
                Map.entry("tensorbox.runtime", "kubernetes"),
                Map.entry("tensorbox.api-url", "http://api:8080"),
                Map.entry("tensorbox.public-url", "https://tensorbox.example"),
                Map.entry("tensorbox.scheduler-url", "http://scheduler:8081"),
                Map.entry("tensorbox.log-url", "http://log:8082"),
                Map.entry("tensorbox.internal-token", "x".repeat(40)),
                Map.entry("tensorbox.base-image", "registry.example/sandbox:7"),
                Map.entry("tensorbox.kubernetes.image-pull-policy", "Always"),
                Map.entry("tensorbox.kubernetes.unschedulable-timeout", "2m"),
                Map.entry("tensorbox.kubernetes.leader-election.lease-name", "rel-scheduler"),
                Map.entry("tensorbox.templates.\"py\".image", "python:3"),
                Map.entry("tensorbox.templates.\"py\".env.\"LANG\"", "C.UTF-8"),
                Map.entry("tensorbox.templates.\"py\".node-selector.\"disk\"", "ssd"),
                Map.entry("tensorbox.templates.\"py\".tolerations[0].key", "gpu"),
                Map.entry("tensorbox.scheduler.reconcile-interval", "5s")));

        assertThat(config.runtime()).isEqualTo("kubernetes");
        assertThat(config.apiUrl()).isEqualTo("http://api:8080");
        assertThat(config.internalToken()).hasValue("x".repeat(40));
        assertThat(config.kubernetes().leaderElection().leaseName()).isEqualTo("rel-scheduler");
        assertThat(config.sandboxTemplates().templates().get("py").env()).containsEntry("LANG", "C.UTF-8");
        assertThat(config.scheduler().reconcileInterval()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void anUnknownKeyUnderTheServicesPrefixFailsTheStart() {
        assertThatThrownBy(() -> TestRuntimes.tensorbox(Map.of("tensorbox.scheduler.reconcile-intreval", "5s")))
                .isInstanceOf(ConfigValidationException.class)
                .hasMessageContaining("tensorbox.scheduler.reconcile-intreval");
        assertThatThrownBy(() -> TestRuntimes.tensorbox(Map.of("tensorbox.kubernetes.namespac", "x")))
                .isInstanceOf(ConfigValidationException.class)
                .hasMessageContaining("tensorbox.kubernetes.namespac");
    }

    @Test
    void environmentVariablesOfTheLauncherForOtherServicesDoNotFailTheStart() {
        var config = new io.smallrye.config.SmallRyeConfigBuilder()
                .withConverter(Duration.class, 200, new io.quarkus.runtime.configuration.DurationConverter())
                .withMapping(TensorBoxConfig.class)
                .withSources(new io.smallrye.config.EnvConfigSource(Map.of(
                        "TENSORBOX_HOME", "/srv/tensorbox",
                        "TENSORBOX_LOCAL_HOME", "/srv/tensorbox",
                        "TENSORBOX_RUNTIME", "kubernetes",
                        "TENSORBOX_KUBERNETES_NAMESPACE", "sandboxes",
                        "TENSORBOX_BOOTSTRAP_API_KEY", "ask_0123_abcd",
                        "TENSORBOX_JAVA_OPTS", "-Xmx1g",
                        "TENSORBOX_API_PORT", "8080",
                        "TENSORBOX_INTERNAL_TOKEN", "y".repeat(40)), 300))
                .build()
                .getConfigMapping(TensorBoxConfig.class);

        assertThat(config.runtime()).isEqualTo("kubernetes");
        assertThat(config.kubernetes().namespace()).hasValue("sandboxes");
        assertThat(config.internalToken()).hasValue("y".repeat(40));
    }
}
