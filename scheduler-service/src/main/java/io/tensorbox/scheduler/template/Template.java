package io.tensorbox.scheduler.template;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A resolved template: what a sandbox of this name is made of. {@code cpu}/{@code memory} are the
 * container's limits; {@code cpuRequest}/{@code memoryRequest} its requests (the limit when absent).
 */
public record Template(
        String name,
        String image,
        Optional<String> cpu,
        Optional<String> memory,
        Optional<String> cpuRequest,
        Optional<String> memoryRequest,
        Map<String, String> env,
        String workspaceDir,
        Optional<Long> uid,
        Optional<String> runtimeClassName,
        Map<String, String> nodeSelector,
        List<Toleration> tolerations) {

    public record Toleration(String key, String operator, String value, String effect) {
    }
}
