package io.tensorbox.scheduler.sandbox;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.tensorbox.common.LiveSandbox;
import io.tensorbox.common.SandboxState;
import io.tensorbox.common.SandboxStatus;
import io.tensorbox.scheduler.config.SchedulerConfig;
import io.tensorbox.scheduler.process.EventPublisher;
import io.tensorbox.scheduler.process.ExitWatcher;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Makes the runtime match the records while this replica leads: creates what is missing for
 * pending sandboxes, reports running ones whose sandbox vanished while nobody watched, deletes
 * orphans, and follows the exits of every running sandbox. Every replica serves execs; only the
 * leader reconciles and watches, so exits are reported once.
 */
@ApplicationScoped
public class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);

    private final SandboxRuntime runtime;
    private final ApiRecordsClient records;
    private final ExitWatcher exitWatcher;
    private final EventPublisher events;
    private final SchedulerConfig config;
    private final SandboxTeardown teardown;
    private volatile AutoCloseable leadership;
    private volatile Thread loop;

    Reconciler(SandboxRuntime runtime, @RestClient ApiRecordsClient records, ExitWatcher exitWatcher,
               EventPublisher events, SchedulerConfig config, SandboxTeardown teardown) {
        this.teardown = teardown;
        this.runtime = runtime;
        this.records = records;
        this.exitWatcher = exitWatcher;
        this.events = events;
        this.config = config;
    }

    void start(@Observes StartupEvent ignored) {
        leadership = runtime.lead(config.replicaName(), this::startLeading, this::stopLeading);
    }

    void stop(@Observes ShutdownEvent ignored) throws Exception {
        stopLeading();
        if (leadership != null) {
            leadership.close();
        }
    }

    private synchronized void startLeading() {
        LOG.infof("%s leads the reconcile loop", config.replicaName());
        exitWatcher.resume();
        loop = Thread.ofVirtual().name("reconcile").start(() -> {
            Duration pause = config.reconcileInterval();
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    reconcileOnce();
                } catch (RuntimeException e) {
                    LOG.infof("reconcile postponed: %s", e.getMessage());
                    pause = Duration.ofSeconds(1);
                }
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException e) {
                    return;
                }
                pause = config.reconcileInterval();
            }
        });
    }

    private synchronized void stopLeading() {
        if (loop != null) {
            loop.interrupt();
            loop = null;
        }
        exitWatcher.pause();
    }

    /** One pass; the runtime is listed before the records so a sandbox created meanwhile is never an orphan. */
    public void reconcileOnce() {
        Map<String, SandboxStatus> held = runtime.list().stream()
                .collect(Collectors.toMap(SandboxStatus::id, Function.identity(), (a, b) -> a));
        Map<String, LiveSandbox> live = records.live().stream()
                .collect(Collectors.toMap(l -> l.spec().id(), Function.identity(), (a, b) -> a));
        for (LiveSandbox record : live.values()) {
            String id = record.spec().id();
            SandboxStatus actual = held.get(id);
            if (actual != null) {
                if (actual.state() != record.state() && actual.state() != SandboxState.pending) {
                    // A transition the informer reported while no replica was leading.
                    events.sandboxChanged(actual);
                }
                if (actual.state() == SandboxState.running) {
                    exitWatcher.watch(id);
                }
                continue;
            }
            if (record.state() == SandboxState.pending) {
                SandboxStatus status = runtime.create(record.spec());
                LOG.infof("created missing sandbox %s (%s)", id, status.state());
                if (status.state() != SandboxState.pending) {
                    events.sandboxChanged(status);
                }
                if (status.state() == SandboxState.running) {
                    exitWatcher.watch(id);
                }
            } else {
                events.sandboxChanged(new SandboxStatus(id, SandboxState.stopped,
                        "the sandbox disappeared while no scheduler was watching"));
            }
        }
        Set<String> orphans = held.keySet().stream().filter(id -> !live.containsKey(id)).collect(Collectors.toSet());
        for (String orphan : orphans) {
            LOG.infof("deleting orphan sandbox %s: it has no live record", orphan);
            teardown.delete(orphan);
        }
    }
}
