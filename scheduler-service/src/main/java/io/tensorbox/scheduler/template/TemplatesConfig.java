package io.tensorbox.scheduler.template;

import io.smallrye.config.WithDefault;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Sandbox templates, configured by the operator:
 * {@code tensorbox.templates."<name>".image|cpu|memory|cpu-request|memory-request|env.<K>|workspace-dir|user|runtime-class-name|node-selector.<k>|tolerations[i].*}.
 * A template without an image uses {@code tensorbox.base-image} (env {@code TENSORBOX_BASE_IMAGE}).
 * The {@code base} template exists even when nothing is configured.
 */
public interface TemplatesConfig {

    String BASE = "base";
    /**
     * What {@code base} gets for each of cpu, memory and their requests the operator left out, so no
     * sandbox pod runs unbounded by default (one sandbox could starve the node) while many small ones
     * still fit on a node: a burst up to one core and 1 GiB, a reservation of a tenth of a core and 256 MiB.
     */
    String BASE_CPU = "1";
    String BASE_MEMORY = "1Gi";
    String BASE_CPU_REQUEST = "100m";
    String BASE_MEMORY_REQUEST = "256Mi";
    String DEFAULT_WORKSPACE_DIR = "/home/user";

    @WithDefault("tensorbox/sandbox-base:dev")
    String baseImage();

    Map<String, TemplateConfig> templates();

    interface TemplateConfig {
        Optional<String> image();

        /** Kubernetes quantity, the limit, and the request unless {@code cpu-request} is set ({@code 500m}, {@code 2}). */
        Optional<String> cpu();

        /** Kubernetes quantity, the limit, and the request unless {@code memory-request} is set ({@code 512Mi}). */
        Optional<String> memory();

        /** Kubernetes quantity the pod requests (what the scheduler reserves); the limit when absent. */
        Optional<String> cpuRequest();

        Optional<String> memoryRequest();

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
