package io.tensorbox.scheduler.runtime;

import java.util.concurrent.CompletableFuture;

/** A running exec. */
public interface ExecHandle extends AutoCloseable {

    /**
     * Completes with the command's exit status once it ended and its output was fully written to the
     * caller's streams; completes exceptionally when the runtime failed.
     */
    CompletableFuture<Integer> exitCode();

    /** Ends the exec (and the command, where the runtime can) if it is still running. */
    @Override
    void close();
}
