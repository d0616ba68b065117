package io.tensorbox.common;

/**
 * The outcome of a buffered exec. Output beyond the configured cap is cut and
 * {@code truncated} is set; {@code timedOut} means the command was killed at its deadline
 * (its {@code exitCode} is then -1).
 */
public record ExecResult(
        String stdout,
        String stderr,
        int exitCode,
        long durationMs,
        boolean timedOut,
        boolean truncated) {
}
