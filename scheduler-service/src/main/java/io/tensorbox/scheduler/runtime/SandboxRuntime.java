package io.tensorbox.scheduler.runtime;

import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.SandboxSpec;
import io.tensorbox.common.SandboxStatus;

import java.io.OutputStream;
import java.util.List;

/**
 * The one seam between TensorBox and where sandboxes really live. Everything above it (process
 * supervision, logs, rotation, ports) is shared code that only creates sandboxes and execs into them.
 */
public interface SandboxRuntime {

    /** Creates the sandbox if it does not exist yet; answers its current status. */
    SandboxStatus create(SandboxSpec spec);

    /** The sandbox's status; {@code stopped} when this runtime has no such sandbox. */
    SandboxStatus status(String sandboxId);

    /** Removes the sandbox and everything running in it. Idempotent. */
    void delete(String sandboxId);

    /** Every sandbox this runtime holds, for reconciling after a restart. */
    List<SandboxStatus> list();

    /** Where the workspace and the supervisor's state live, as paths inside the sandbox. */
    SandboxLayout layout(String sandboxId);

    /**
     * Whether a command may run as another OS user than the one execs run as. A pod can switch users
     * (its execs run as root or as the image's user); the local runtime runs everything as the user
     * running TensorBox, and refuses any other.
     */
    default boolean switchesUsers() {
        return true;
    }

    /**
     * Runs {@code request.argv()} in the sandbox, writing its stdout and stderr to the given streams
     * as they come (blocking writes are the back-pressure). {@code request.stdin()} is offered to the
     * command; end of input is not signalled. The deadline in {@code request.timeoutMs()} is the
     * caller's business (see {@link ExecGuards#killedAt}).
     * <p>
     * An exec without stdin bytes ends in the sandbox when its caller closes it: it runs under the
     * {@link ExecGuards#endingWithCaller watchdog}, which kills the command's process group once the
     * exec's stdin closes. This is written once, here, above every driver.
     *
     * @throws RuntimeUnavailableException when the runtime cannot be reached or has no such sandbox
     */
    default ExecHandle exec(String sandboxId, ExecRequest request, OutputStream stdout, OutputStream stderr) {
        if (request.argv() == null || request.argv().isEmpty()) {
            throw new IllegalArgumentException("argv must name a command");
        }
        boolean hasStdin = request.stdin() != null && request.stdin().length > 0;
        ExecRequest guarded = hasStdin ? request : new ExecRequest(ExecGuards.endingWithCaller(request.argv()),
                request.cwd(), request.env(), null, request.timeoutMs());
        return spawn(sandboxId, guarded, stdout, stderr);
    }

    /**
     * The driver's primitive behind {@link #exec}: runs {@code request.argv()} as given, with the
     * exec's stdin open from start to {@link ExecHandle#close()} (and {@code request.stdin()} written
     * to it first, if any). Closing the handle closes that stdin and lets the exec go; it need not end
     * the command, and must not be relied on to: the watchdog does.
     *
     * @throws RuntimeUnavailableException when the runtime cannot be reached or has no such sandbox
     */
    ExecHandle spawn(String sandboxId, ExecRequest request, OutputStream stdout, OutputStream stderr);

    /**
     * Runs {@code argv} in the sandbox with its stdin left open for the caller to write to for as
     * long as it runs: a long-lived conversation with a command in the sandbox. Its stderr is
     * dropped. The command must end at end of input: closing the channel closes its stdin.
     *
     * @throws RuntimeUnavailableException when the runtime cannot be reached or has no such sandbox
     */
    Channel openChannel(String sandboxId, List<String> argv, OutputStream stdout);

    /** An exec whose stdin the caller writes to (and flushes). */
    interface Channel extends ExecHandle {
        OutputStream stdin();
    }

    /**
     * Runs {@code request.argv()} on a terminal of its own in the sandbox (a pty here, a TTY exec in
     * a pod), writing what the terminal shows to {@code output} as it comes: stdout and stderr are one
     * stream on a terminal, and blocking writes are the back-pressure (the program's writes block in
     * the sandbox once the terminal's buffer is full). Like {@link #spawn}, closing the terminal need
     * not end what runs on it; callers end it themselves (see the terminal feature's session guard).
     *
     * @throws RuntimeUnavailableException when the runtime cannot be reached or has no such sandbox
     */
    Terminal openTerminal(String sandboxId, TerminalRequest request, OutputStream output);

    /**
     * Runs {@code onStart} once this replica leads the reconcile loop and {@code onStop} when it no
     * longer does; closing the handle leaves the election. A runtime with one scheduler leads at once.
     */
    AutoCloseable lead(String identity, Runnable onStart, Runnable onStop);

    /**
     * The host the sandbox's listening ports are reached at (the pod IP, the loopback on this host),
     * or null when it has none yet.
     */
    default String address(String sandboxId) {
        return null;
    }

    /**
     * When the sandbox shares its socket table with others (the local runtime: the host's), the
     * {@code K=V} variable every process of the sandbox carries in its environment, by which port
     * discovery keeps the sandbox's own sockets; null when the sandbox has a network namespace of
     * its own (a pod).
     */
    default String socketOwnerMarker(String sandboxId) {
        return null;
    }

    /**
     * The directory of this host that a sandbox without isolation lives in (the local runtime): file
     * operations resolve their paths (symlinks too) and refuse anything outside it. Null where the
     * sandbox is isolated (a pod: every path inside it is the sandbox's, the user's permissions decide).
     */
    default String confinedTo(String sandboxId) {
        return null;
    }

    /** Called when a sandbox changes state on its own (a pod deleted behind our back). */
    void onSandboxChange(SandboxListener listener);

    interface SandboxListener {
        void changed(SandboxStatus status);
    }
}
