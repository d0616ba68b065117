package io.tensorbox.sdk;

import java.util.List;

/**
 * A process of the processes API ({@link Processes}).
 *
 * @param id        the process id ({@code proc_...})
 * @param sandboxId the sandbox it runs in
 * @param command   the argv
 * @param pid       the operating-system pid
 * @param state     {@code running}, {@code exited}, {@code killed} or {@code failed}
 * @param exitCode  the exit code ({@code -1} when ended by a signal), 0 while running
 * @param startedAt start time, Unix seconds (0 when unknown)
 * @param exitedAt  end time, Unix seconds (0 while running)
 */
public record ProcessView(String id, String sandboxId, List<String> command, int pid, String state, int exitCode,
        long startedAt, long exitedAt) {
}
