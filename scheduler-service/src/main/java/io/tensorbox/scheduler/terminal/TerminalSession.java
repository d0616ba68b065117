package io.tensorbox.scheduler.terminal;

import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.Connection;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import io.tensorbox.scheduler.runtime.Terminal;
import io.tensorbox.scheduler.runtime.TerminalRequest;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One terminal and everything that keeps it honest, the same above every runtime: the wrapper's
 * header gives the terminal's session, a guard exec is started for that session, keystrokes wait
 * until the header is in (so nothing the terminal echoes can come before it), and however the
 * terminal ends — its shell exits, the client goes, the scheduler dies — the guard kills whatever is
 * left of the session inside the sandbox.
 */
final class TerminalSession {

    private static final Logger LOG = Logger.getLogger(TerminalSession.class);

    private final SandboxRuntime runtime;
    private final TerminalTarget target;
    private final Connection connection;
    private final long bufferBytes;
    private final Duration wait;

    /** Completes with the terminal's session id once its header is in. */
    private final CompletableFuture<Long> session = new CompletableFuture<>();
    private final CompletableFuture<SandboxRuntime.Channel> guard = new CompletableFuture<>();
    private final AtomicBoolean sessionEnded = new AtomicBoolean();
    private volatile TerminalOutput output;
    private volatile Terminal terminal;

    TerminalSession(SandboxRuntime runtime, TerminalTarget target, Connection connection, long bufferBytes, Duration wait) {
        this.runtime = runtime;
        this.target = target;
        this.connection = connection;
        this.bufferBytes = bufferBytes;
        this.wait = wait;
    }

    String sandboxId() {
        return target.sandboxId();
    }

    /** Starts the terminal. Blocks for as long as the runtime takes to open it. */
    void open() {
        TerminalOutput out = new TerminalOutput(connection, bufferBytes, this::started, this::badHeader);
        output = out;
        TerminalOptions options = target.options();
        Terminal opened = runtime.openTerminal(target.sandboxId(), new TerminalRequest(
                TerminalScripts.wrapper(target.cwd(), target.user(), options.cmd(), options.cols(), options.rows()),
                options.cols(), options.rows()), out);
        terminal = opened;
        opened.exitCode().whenComplete(this::ended);
    }

    /** The terminal could not be opened: nothing to wait for. */
    void failedToOpen() {
        session.completeExceptionally(new IllegalStateException("the terminal did not open"));
    }

    /** Keystrokes, typed once the terminal has started (bounded wait). */
    void type(byte[] keys) {
        Terminal t = terminal;
        if (t == null || keys.length == 0 || !awaitStarted()) {
            return;
        }
        try {
            t.write(keys);
        } catch (IOException e) {
            LOG.debugf("keys to the terminal of %s were not delivered: %s", target.sandboxId(), e.getMessage());
        }
    }

    /** A new window size, applied once the terminal has started (the wrapper sets the first one itself). */
    void resize(int cols, int rows) {
        Terminal t = terminal;
        if (t != null && awaitStarted()) {
            t.resize(cols, rows);
        }
    }

    /** The client went away: nothing more is sent, the session is killed in the sandbox, the terminal let go. */
    void clientGone() {
        TerminalOutput out = output;
        if (out != null) {
            out.cancel();
        }
        endSession();
        Terminal t = terminal;
        if (t != null) {
            t.close();
        }
    }

    private void started(long sessionId) {
        // the guard's exec is opened off the output's thread, which must keep relaying
        Infrastructure.getDefaultWorkerPool().execute(() -> {
            try {
                guard.complete(runtime.openChannel(target.sandboxId(), TerminalScripts.guard(sessionId), OutputStream.nullOutputStream()));
            } catch (RuntimeException e) {
                LOG.warnf("the session guard of a terminal in %s did not start: %s", target.sandboxId(), e.getMessage());
                guard.completeExceptionally(e);
            }
        });
        session.complete(sessionId);
    }

    private void badHeader() {
        LOG.warnf("a terminal in %s did not start with the wrapper's header; closing it", target.sandboxId());
        session.completeExceptionally(new IllegalStateException("the terminal did not start"));
        output.fail(new CloseReason(1011, "the terminal did not start"));
        Terminal t = terminal;
        if (t != null) {
            t.close();
        }
    }

    private void ended(Integer status, Throwable failure) {
        session.completeExceptionally(new IllegalStateException("the terminal ended before its header"));
        TerminalOutput out = output;
        if (failure == null) {
            // as everywhere in TensorBox: a status above 128 is a death by signal, read as -1
            out.finish(status > 128 ? -1 : status);
        } else {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (!(cause instanceof CancellationException)) {
                LOG.infof("the terminal in %s failed: %s", target.sandboxId(), cause.getMessage());
                out.fail(new CloseReason(1011, "the terminal failed"));
            }
        }
        // what the shell left behind in its session (background jobs) ends with it
        Infrastructure.getDefaultWorkerPool().execute(this::endSession);
    }

    private boolean awaitStarted() {
        try {
            session.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /** Tells the guard to kill the terminal's session and waits (bounded) until it did. Once. */
    void endSession() {
        if (!sessionEnded.compareAndSet(false, true) || !awaitStarted()) {
            return;
        }
        long sessionId = session.join();
        SandboxRuntime.Channel g;
        try {
            g = guard.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (ExecutionException | TimeoutException e) {
            // no guard running: one more try, for the kill alone
            try {
                g = runtime.openChannel(target.sandboxId(), TerminalScripts.guard(sessionId), OutputStream.nullOutputStream());
            } catch (RuntimeException again) {
                LOG.warnf("cannot end the terminal session %d in %s: %s", sessionId, target.sandboxId(), again.getMessage());
                return;
            }
        }
        try (SandboxRuntime.Channel channel = g) {
            channel.stdin().write("\n".getBytes(StandardCharsets.US_ASCII));
            channel.stdin().flush();
            channel.exitCode().get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (IOException | ExecutionException | TimeoutException e) {
            LOG.warnf("the guard of terminal session %d in %s did not confirm the kill: %s", sessionId, target.sandboxId(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
