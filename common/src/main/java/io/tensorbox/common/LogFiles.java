package io.tensorbox.common;

/**
 * Where a process's output lives inside its sandbox, relative to the sandbox's state directory.
 * The supervisor (scheduler-service) writes these files; log-service reads them.
 */
public final class LogFiles {
    /** A log rolls when it reaches exactly this size. */
    public static final long ROTATE_BYTES = 10L * 1024 * 1024;

    private LogFiles() {
    }

    public static String current(String stateDir, String processId) {
        return stateDir + "/logs/proc-" + processId + ".log";
    }

    public static String previous(String stateDir, String processId) {
        return current(stateDir, processId) + ".1";
    }
}
