package io.tensorbox.scheduler.sandbox;

import io.tensorbox.common.SandboxState;
import io.tensorbox.common.ApiException;
import io.tensorbox.scheduler.runtime.SandboxRuntime;

public final class Sandboxes {
    private Sandboxes() {
    }

    /** Everything inside a sandbox needs it running: unknown is 404, any other state 409. */
    public static void requireRunning(SandboxRuntime runtime, String sandboxId) {
        SandboxState state = runtime.status(sandboxId).state();
        if (state == SandboxState.stopped) {
            throw new ApiException(404, "sandbox_not_found", "no sandbox " + sandboxId + " in this runtime");
        }
        if (state != SandboxState.running) {
            throw new ApiException(409, "sandbox_not_running", "sandbox " + sandboxId + " is " + state);
        }
    }
}
