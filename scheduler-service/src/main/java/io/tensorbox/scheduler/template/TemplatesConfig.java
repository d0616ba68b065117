package io.tensorbox.scheduler.template;

import io.smallrye.config.WithDefault;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Sandbox templates, configured by the operator:
 * {@code tensorbox.templates."<name>".image|cpu|memory|env.<K>|workspace-dir|user|runtime-class-name|node-selector.<k>|tolerations[i].*}.
 * A template without an image uses {@code tensorbox.base-image} (env {@code TENSORBOX_BASE_IMAGE}).
 * The {@code base} template exists even when nothing is configured.
 */
public interface TemplatesConfig {

    String BASE = "base";
    String DEFAULT_WORKSPACE_DIR = "/home/user";

    @WithDefault("tensorbox/sandbox-base:dev")
    String baseImage();

    Map<String, TemplateConfig> templates();

    interface TemplateConfig {
        Optional<String> image();

        /** Kubernetes quantity, used as request and limit ({@code 500m}, {@code 2}). */
        Optional<String> cpu();

        /** Kubernetes quantity, used as request and limit ({@code 512Mi}). */
        Optional<String> memory();

        Map<String, String> env();

        @WithDefault(DEFAULT_WORKSPACE_DIR)
        String workspaceDir();

        /** Numeric uid the sandbox runs as on kubernetes; the image's user when absent. */
        Optional<String> user();

        Optional<String> runtimeClassName();

        Map<String, String> nodeSelector();

        Optional<List<TolerationConfig>> tolerations();
    }

    interface TolerationConfig {
        Optional<String> key();

        @WithDefault("Equal")
        String operator();

        Optional<String> value();

        /** NoSchedule, PreferNoSchedule or NoExecute; every effect when absent. */
        Optional<String> effect();
    }
}
