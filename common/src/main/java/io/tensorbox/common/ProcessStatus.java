package io.tensorbox.common;

/**
 * A process as the scheduler sees it inside the sandbox. Times are Unix milliseconds;
 * {@code exitedAtMs} is 0 while running. {@code exitCode} is -1 after a signal and while running.
 * {@code reason} says why a process {@code failed} (bad cwd, command not found).
 */
public record ProcessStatus(
        String id,
        String sandboxId,
        ProcessState state,
        int pid,
        int exitCode,
        long startedAtMs,
        long exitedAtMs,
        String reason) {
}
