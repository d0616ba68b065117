package io.tensorbox.scheduler.sandbox;

import io.tensorbox.common.SandboxState;
import io.tensorbox.scheduler.process.ExitWatcher;
import io.tensorbox.scheduler.process.Supervisor;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import jakarta.enterprise.context.ApplicationScoped;

/** Removing a sandbox ends its processes first: on the local runtime they would outlive the directory. */
@ApplicationScoped
public class SandboxTeardown {

    private final SandboxRuntime runtime;
    private final Supervisor supervisor;
    private final ExitWatcher exitWatcher;

    SandboxTeardown(SandboxRuntime runtime, Supervisor supervisor, ExitWatcher exitWatcher) {
        this.runtime = runtime;
        this.supervisor = supervisor;
        this.exitWatcher = exitWatcher;
    }

    public void delete(String sandboxId) {
        exitWatcher.unwatch(sandboxId);
        if (runtime.status(sandboxId).state() == SandboxState.running) {
            supervisor.killAll(sandboxId);
        }
        supervisor.forget(sandboxId);
        runtime.delete(sandboxId);
    }
}
