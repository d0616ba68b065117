package io.tensorbox.scheduler.runtime;

/** Absolute paths inside a sandbox. */
public record SandboxLayout(String workspaceDir, String stateDir) {
}
