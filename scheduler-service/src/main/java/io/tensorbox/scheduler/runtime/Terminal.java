package io.tensorbox.scheduler.runtime;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * A command running on a terminal of its own inside a sandbox (a pty on the local runtime, a TTY
 * exec in a pod): what an interactive shell needs that a plain exec lacks — one merged output
 * stream with line discipline, job control, and a window size that can change while it runs.
 */
public interface Terminal extends AutoCloseable {

    /** Types {@code bytes} on the terminal (keystrokes); may block while the terminal's input is full. */
    void write(byte[] bytes) throws IOException;

    /** Changes the window size; the foreground program gets SIGWINCH. */
    void resize(int cols, int rows);

    /**
     * Completes with the command's exit status once it ended and its output was written to the
     * caller's stream; exceptionally when the runtime failed or the terminal was closed first.
     */
    CompletableFuture<Integer> exitCode();

    /**
     * Lets go of the terminal. Like closing an exec, this need not end anything inside the sandbox
     * (on kubernetes it does not: the container runtime keeps the pty open), so what runs on it is
     * ended above the drivers, by the terminal's session guard.
     */
    @Override
    void close();
}
