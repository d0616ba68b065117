package io.tensorbox.common;

import java.nio.charset.StandardCharsets;

/**
 * The outcome of a buffered exec. {@code stdout} and {@code stderr} are the command's bytes as it
 * wrote them (binary output is kept intact; JSON carries them base64-encoded). Output beyond the
 * configured cap is cut and {@code truncated} is set; {@code timedOut} means the command was killed
 * at its deadline (its {@code exitCode} is then -1).
 */
public record ExecResult(
        byte[] stdout,
        byte[] stderr,
        int exitCode,
        long durationMs,
        boolean timedOut,
        boolean truncated) {

    public ExecResult {
        stdout = stdout == null ? new byte[0] : stdout;
        stderr = stderr == null ? new byte[0] : stderr;
    }

    /** stdout decoded as UTF-8 (malformed bytes become U+FFFD), for callers that expect text. */
    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /** stderr decoded as UTF-8 (malformed bytes become U+FFFD), for callers that expect text. */
    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }
}
