package io.tensorbox.logs.scheduler;

/** Absolute paths inside a sandbox, as scheduler-service reports them. */
public record SandboxLayout(String workspaceDir, String stateDir) {
}
