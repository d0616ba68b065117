package io.tensorbox.scheduler.process;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.ProcessState;
import io.tensorbox.common.SandboxState;
import io.tensorbox.common.SandboxStatus;
import io.tensorbox.scheduler.runtime.ExecHandle;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.OutputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Follows the events file of every running sandbox with one long-lived exec each and reports exits
 * to api-service. On start it replays every file from its first line, so exits that happened while
 * the scheduler (or api-service) was down are recorded once it is back.
 */
@ApplicationScoped
public class ExitWatcher {

    private static final Logger LOG = Logger.getLogger(ExitWatcher.class);

    private final SandboxRuntime runtime;
    private final Supervisor supervisor;
    private final EventPublisher events;
    private final Map<String, ExecHandle> watches = new ConcurrentHashMap<>();
    private volatile boolean stopping;
    private volatile boolean leading;

    ExitWatcher(SandboxRuntime runtime, Supervisor supervisor, EventPublisher events) {
        this.runtime = runtime;
        this.supervisor = supervisor;
        this.events = events;
    }

    void start(@Observes StartupEvent ignored) {
        runtime.onSandboxChange(this::sandboxChanged);
    }

    void stop(@Observes ShutdownEvent ignored) {
        stopping = true;
        pause();
    }

    /**
     * Starts following every running sandbox, replaying each events file from its first line.
     * Called when this replica starts leading.
     */
    public void resume() {
        leading = true;
        Thread.ofVirtual().name("exit-watcher-resume").start(() -> {
            try {
                for (SandboxStatus sandbox : runtime.list()) {
                    if (sandbox.state() == SandboxState.running) {
                        watch(sandbox.id());
                        // Processes whose supervisor died with them (a host reboot) never wrote an exit.
                        supervisor.list(sandbox.id()).stream()
                                .filter(p -> p.state() == ProcessState.killed && p.reason() != null)
                                .forEach(events::processEnded);
                    }
                }
            } catch (RuntimeException e) {
                LOG.warnf("could not resume watching sandboxes: %s", e.getMessage());
            }
        });
    }

    /** Stops following; another replica leads now (or this one is going away). */
    public void pause() {
        leading = false;
        watches.keySet().forEach(this::unwatch);
    }

    private void sandboxChanged(SandboxStatus status) {
        if (!leading) {
            return;
        }
        events.sandboxChanged(status);
        if (status.state() == SandboxState.running) {
            watch(status.id());
        } else if (status.state().isFinal()) {
            unwatch(status.id());
        }
    }

    public void watch(String sandboxId) {
        if (stopping || !leading || watches.containsKey(sandboxId)) {
            return;
        }
        supervisor.install(sandboxId);
        LineReader lines = new LineReader(line -> Supervisor.parseEvent(sandboxId, line).ifPresent(events::processEnded));
        ExecHandle handle = runtime.exec(sandboxId,
                new ExecRequest(supervisor.eventsCommand(sandboxId), null, null, null, 0),
                lines, OutputStream.nullOutputStream());
        if (watches.putIfAbsent(sandboxId, handle) != null) {
            handle.close();
            return;
        }
        handle.exitCode().whenComplete((code, error) -> {
            if (watches.remove(sandboxId, handle) && !stopping && leading) {
                LOG.infof("events of %s stopped (%s); following them again", sandboxId, error != null ? error.getMessage() : code);
                CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS).execute(() -> rewatch(sandboxId));
            }
        });
    }

    private void rewatch(String sandboxId) {
        try {
            if (runtime.status(sandboxId).state() == SandboxState.running) {
                watch(sandboxId);
            }
        } catch (RuntimeException e) {
            LOG.infof("cannot follow the events of %s yet: %s", sandboxId, e.getMessage());
            CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS).execute(() -> rewatch(sandboxId));
        }
    }

    public void unwatch(String sandboxId) {
        ExecHandle handle = watches.remove(sandboxId);
        if (handle != null) {
            handle.close();
        }
    }
}
