package io.tensorbox.sdk;

/**
 * A command known to the sandbox runtime, as listed by {@link Commands#list()}.
 *
 * @param processId the platform's process id ({@code proc_...})
 * @param pid       the operating-system pid inside the sandbox
 * @param cmd       the command line
 * @param status    {@code running} or {@code exited}
 * @param exitCode  the exit code, {@code null} while running
 */
public record ProcessInfo(String processId, int pid, String cmd, String status, Integer exitCode) {
}
