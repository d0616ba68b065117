package io.tensorbox.scheduler.ports;

import io.quarkus.runtime.ShutdownEvent;
import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.SandboxState;
import io.tensorbox.common.SandboxStatus;
import io.tensorbox.scheduler.process.EventPublisher;
import io.tensorbox.scheduler.process.LineReader;
import io.tensorbox.scheduler.process.Supervisor;
import io.tensorbox.scheduler.runtime.ExecHandle;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Port discovery (SPEC §6): one long-lived exec per running sandbox runs the supervisor script's
 * {@code ports} verb, a small {@code sh} loop that reads the sandbox's socket tables about once a second and prints the
 * full set of listening sockets only when it changed; each complete snapshot is sent to api-service
 * ({@code POST /internal/v1/events/ports}) through the ordered, retrying {@link EventPublisher}, which
 * keeps only the latest set of a sandbox. The same exec runs on both runtimes (above the driver); on
 * a runtime whose socket table is the host's, the script keeps only sockets owned by processes that
 * carry the sandbox's {@linkplain SandboxRuntime#socketOwnerMarker marker}. Like the exit follower,
 * it runs on the reconcile leader only; an exec that ends is started again with a backoff (1 s
 * doubling to 60 s while it ends without a snapshot), and its first snapshot lets api-service reconcile.
 */
@ApplicationScoped
public class PortWatcher {

    private static final Logger LOG = Logger.getLogger(PortWatcher.class);
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration MAX_RETRY = Duration.ofSeconds(60);

    private final SandboxRuntime runtime;
    private final EventPublisher events;
    private final Commands commands;
    private final Map<String, ExecHandle> watches = new ConcurrentHashMap<>();
    /** Sandboxes waiting for another try, with the failures in a row; a newer retry replaces the older. */
    private final Map<String, Retry> retries = new ConcurrentHashMap<>();
    private volatile boolean stopping;
    private volatile boolean leading;

    @Inject
    PortWatcher(SandboxRuntime runtime, EventPublisher events, Supervisor supervisor) {
        this(runtime, events, new Commands() {
            @Override
            public List<String> prepare(String sandboxId, String marker) {
                supervisor.install(sandboxId);
                return Supervisor.portsCommand(runtime.layout(sandboxId), marker);
            }

            @Override
            public void lost(String sandboxId) {
                supervisor.reinstall(sandboxId);
            }
        });
    }

    public PortWatcher(SandboxRuntime runtime, EventPublisher events, Commands commands) {
        this.runtime = runtime;
        this.events = events;
        this.commands = commands;
    }

    void stop(@Observes ShutdownEvent ignored) {
        stopping = true;
        pause();
    }

    /**
     * How the watcher's command is had: the supervisor script installed in the sandbox (its
     * {@code ports} verb), so the exec's argv stays short (an exec's command travels in its URL).
     */
    public interface Commands {
        /** Installs what is needed (blocking exec) and answers the argv of the watcher. */
        List<String> prepare(String sandboxId, String marker);

        /** The watcher could not be run (no script: a restarted pod lost its files): install again next time. */
        void lost(String sandboxId);
    }

    /** Starts watching every running sandbox; called when this replica starts leading. */
    public void resume() {
        leading = true;
        Thread.ofVirtual().name("port-watcher-resume").start(() -> resumeAll(0));
    }

    private void resumeAll(int failures) {
        if (stopping || !leading) {
            return;
        }
        List<SandboxStatus> sandboxes;
        try {
            sandboxes = runtime.list();
        } catch (RuntimeException e) {
            Duration delay = backoff(failures);
            LOG.warnf("cannot list the sandboxes to watch ports of (%s); trying again in %d s", e.getMessage(), delay.toSeconds());
            after(delay).execute(() -> resumeAll(failures + 1));
            return;
        }
        for (SandboxStatus sandbox : sandboxes) {
            if (sandbox.state() == SandboxState.running) {
                watch(sandbox.id());
            }
        }
    }

    /** Stops every watcher: another replica leads now (or this one is going away). */
    public void pause() {
        leading = false;
        retries.clear();
        watches.keySet().forEach(this::unwatch);
    }

    /** Watches the sandbox's ports unless that is done or planned already; never throws: a failure is retried. */
    public void watch(String sandboxId) {
        if (stopping || !leading || watches.containsKey(sandboxId) || retries.containsKey(sandboxId)) {
            return;
        }
        try {
            start(sandboxId, 0);
        } catch (RuntimeException e) {
            retryLater(sandboxId, 0, e.getMessage());
        }
    }

    /** Whether a watcher exec of the sandbox is open. */
    public boolean watching(String sandboxId) {
        return watches.containsKey(sandboxId);
    }

    public void unwatch(String sandboxId) {
        retries.remove(sandboxId);
        ExecHandle handle = watches.remove(sandboxId);
        if (handle != null) {
            handle.close();
        }
    }

    private void start(String sandboxId, int failures) {
        if (stopping || !leading || watches.containsKey(sandboxId)) {
            return;
        }
        PortSnapshots snapshots = new PortSnapshots(sandboxId, ports -> events.portsChanged(new PortsReport(sandboxId, ports)));
        ExecHandle handle = runtime.exec(sandboxId,
                new ExecRequest(commands.prepare(sandboxId, runtime.socketOwnerMarker(sandboxId)), null, null, null, 0),
                new LineReader(snapshots), OutputStream.nullOutputStream());
        if (watches.putIfAbsent(sandboxId, handle) != null) {
            handle.close();
            return;
        }
        handle.exitCode().whenComplete((code, error) -> {
            if (watches.remove(sandboxId, handle) && !stopping && leading) {
                boolean started = snapshots.snapshots() > 0;
                if (!started && code != null && (code == 127 || code == 2)) {
                    // no script to run (a restarted pod lost its files)
                    commands.lost(sandboxId);
                }
                int next = started ? 0 : failures + 1;
                Duration delay = backoff(next);
                String why = error != null ? error.getMessage() : "exit status " + code;
                LOG.infof("the port watcher of %s ended (%s); starting it again in %d s", sandboxId, why, delay.toSeconds());
                schedule(sandboxId, next, delay);
            }
        });
    }

    private void retryLater(String sandboxId, int failures, String why) {
        Duration delay = backoff(failures);
        LOG.warnf("cannot watch the ports of %s (%s); trying again in %d s", sandboxId, why, delay.toSeconds());
        schedule(sandboxId, failures, delay);
    }

    /** A planned try; compared by identity, so a newer one replaces it. */
    private static final class Retry {
        final int failures;

        Retry(int failures) {
            this.failures = failures;
        }
    }

    private void schedule(String sandboxId, int failures, Duration delay) {
        Retry retry = new Retry(failures);
        retries.put(sandboxId, retry);
        after(delay).execute(() -> retry(sandboxId, retry));
    }

    private void retry(String sandboxId, Retry retry) {
        // replaced by a newer retry, or cancelled by pause/unwatch
        if (!retries.remove(sandboxId, retry) || stopping || !leading) {
            return;
        }
        try {
            if (runtime.status(sandboxId).state() != SandboxState.running) {
                return;
            }
            start(sandboxId, retry.failures);
        } catch (RuntimeException e) {
            retryLater(sandboxId, retry.failures + 1, e.getMessage());
        }
    }

    static Duration backoff(int failures) {
        Duration delay = FIRST_RETRY.multipliedBy(1L << Math.min(failures, 16));
        return delay.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : delay;
    }

    private static Executor after(Duration delay) {
        return CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS, r -> Thread.ofVirtual().start(r));
    }
}
