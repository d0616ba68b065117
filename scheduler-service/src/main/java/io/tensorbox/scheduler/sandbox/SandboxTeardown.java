package io.tensorbox.scheduler.sandbox;

import io.tensorbox.common.SandboxState;
import io.tensorbox.scheduler.process.ExitWatcher;
import io.tensorbox.scheduler.process.Supervisor;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import io.tensorbox.scheduler.terminal.OpenTerminals;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Removing a sandbox ends its processes and its terminals first: on the local runtime they would
 * outlive the directory.
 */
@ApplicationScoped
public class SandboxTeardown {

    private final SandboxRuntime runtime;
    private final Supervisor supervisor;
    private final ExitWatcher exitWatcher;
    private final OpenTerminals terminals;

    SandboxTeardown(SandboxRuntime runtime, Supervisor supervisor, ExitWatcher exitWatcher, OpenTerminals terminals) {
        this.runtime = runtime;
        this.supervisor = supervisor;
        this.exitWatcher = exitWatcher;
        this.terminals = terminals;
    }

    public void delete(String sandboxId) {
        exitWatcher.unwatch(sandboxId);
        if (runtime.status(sandboxId).state() == SandboxState.running) {
            supervisor.killAll(sandboxId);
            terminals.endAll(sandboxId);
        }
        supervisor.forget(sandboxId);
        runtime.delete(sandboxId);
    }
}
