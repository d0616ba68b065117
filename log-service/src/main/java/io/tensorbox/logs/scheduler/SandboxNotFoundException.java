package io.tensorbox.logs.scheduler;

/** scheduler-service answered 404 for the sandbox. */
public class SandboxNotFoundException extends RuntimeException {
    public SandboxNotFoundException(String sandboxId) {
        super("Sandbox " + sandboxId + " does not exist.");
    }
}
