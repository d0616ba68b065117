package io.tensorbox.helm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import static io.tensorbox.helm.RenderedChart.env;
import static io.tensorbox.helm.RenderedChart.path;
import static org.assertj.core.api.Assertions.assertThat;

/** Sandbox templates as values become scheduler-service's {@code tensorbox.templates."<name>".*} properties. */
class TemplatesTest {

    @Test
    void theBaseTemplateIsConfiguredByDefault() {
        RenderedChart chart = RenderedChart.render();
        Properties properties = chart.schedulerProperties();

        assertThat(properties).containsEntry("tensorbox.templates.\"base\".cpu", "1")
                .containsEntry("tensorbox.templates.\"base\".memory", "1Gi")
                .containsEntry("tensorbox.kubernetes.image-pull-policy", "IfNotPresent")
                .containsEntry("config_ordinal", "260");
        Map<String, Object> scheduler = chart.get("Deployment", "tensorbox-scheduler");
        assertThat(RenderedChart.mapList(scheduler, "spec.template.spec.volumes", v -> path(v, "configMap.name")))
                .contains("tensorbox-scheduler");
        assertThat(path(scheduler, "spec.template.metadata.annotations.checksum/config")).isNotNull();
    }

    @Test
    void everyTemplateFieldReachesTheSchedulerConfig(@TempDir Path dir) {
        RenderedChart chart = RenderedChart.render(Map.of(), RenderedChart.valuesFile(dir, """
                templates:
                  python:
                    image: python:3.12-slim
                    cpu: 500m
                    memory: 512Mi
                    env:
                      PYTHONUNBUFFERED: "1"
                      GREETING: 'C:\\temp ${HOME}'
                    workspaceDir: /workspace
                    user: 1000
                    runtimeClassName: gvisor
                    nodeSelector:
                      kubernetes.io/arch: amd64
                    tolerations:
                      - key: sandboxes
                        operator: Equal
                        value: "true"
                        effect: NoSchedule
                """));
        Properties properties = chart.schedulerProperties();
        String python = "tensorbox.templates.\"python\".";

        assertThat(properties)
                .containsEntry(python + "image", "python:3.12-slim")
                .containsEntry(python + "cpu", "500m")
                .containsEntry(python + "memory", "512Mi")
                .containsEntry(python + "env.\"PYTHONUNBUFFERED\"", "1")
                .containsEntry(python + "workspace-dir", "/workspace")
                .containsEntry(python + "user", "1000")
                .containsEntry(python + "runtime-class-name", "gvisor")
                .containsEntry(python + "node-selector.\"kubernetes.io/arch\"", "amd64")
                .containsEntry(python + "tolerations[0].key", "sandboxes")
                .containsEntry(python + "tolerations[0].operator", "Equal")
                .containsEntry(python + "tolerations[0].value", "true")
                .containsEntry(python + "tolerations[0].effect", "NoSchedule")
                .containsEntry("tensorbox.templates.\"base\".cpu", "1")
                .containsEntry("tensorbox.templates.\"base\".cpu-request", "100m")
                .containsEntry("tensorbox.templates.\"base\".memory-request", "256Mi");
        // a backslash survives the properties format and "${" is escaped from SmallRye's expansion
        assertThat(properties.getProperty(python + "env.\"GREETING\"")).isEqualTo("C:\\temp \\${HOME}");
        assertThat(env(chart.container("Deployment", "tensorbox-api"))).containsEntry("TENSORBOX_TEMPLATES", "base,python");
    }

    @Test
    void theBaseImageComesFromItsValue() {
        RenderedChart chart = RenderedChart.render(Map.of("sandboxes.baseImage.repository", "registry.example.com/sandbox",
                "sandboxes.baseImage.tag", "2025.1"));

        assertThat(env(chart.container("Deployment", "tensorbox-scheduler")))
                .containsEntry("TENSORBOX_BASE_IMAGE", "registry.example.com/sandbox:2025.1");
    }
}
