package io.tensorbox.e2e;

/**
 * The pids that process records name, seen where they live: the host on the local runtime, the
 * sandbox's pod (through {@code pods/exec}) on kubernetes.
 */
public interface SandboxPids {

    /** Whether {@code pid} is a live process in the sandbox ({@code kill -0}); a sandbox that is gone has none. */
    boolean isAlive(String sandboxId, long pid);

    /** Sends SIGTERM to {@code pid} from inside the sandbox, as a user's own command would. */
    void terminate(String sandboxId, long pid);

    /**
     * The command lines of the processes running where the sandbox runs (every process of the
     * host on the local runtime, of the pod on kubernetes), arguments separated by spaces.
     */
    java.util.List<String> commandLines(String sandboxId);

    /**
     * The state letter of {@code pid} as {@code /proc/<pid>/stat} shows it ({@code R}, {@code S},
     * {@code T} for stopped, {@code Z}...), or the empty string when there is no such process.
     */
    String state(String sandboxId, long pid);
}
