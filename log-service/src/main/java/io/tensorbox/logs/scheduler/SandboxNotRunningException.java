package io.tensorbox.logs.scheduler;

/** scheduler-service answered 409 {@code sandbox_not_running}: the sandbox exists but has no address now. */
public class SandboxNotRunningException extends RuntimeException {
    public SandboxNotRunningException(String sandboxId) {
        super("Sandbox " + sandboxId + " is not running.");
    }
}
