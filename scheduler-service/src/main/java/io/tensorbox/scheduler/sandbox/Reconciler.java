package io.tensorbox.scheduler.sandbox;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;
import io.tensorbox.common.LiveSandbox;
import io.tensorbox.common.SandboxState;
import io.tensorbox.common.SandboxStatus;
import io.tensorbox.scheduler.config.SchedulerConfig;
import io.tensorbox.scheduler.metrics.SchedulerMetrics;
import io.tensorbox.scheduler.process.EventPublisher;
import io.tensorbox.scheduler.process.ExitWatcher;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
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
 * leader reconciles and watches, so exits are reported once. A pass runs every
 * {@code tensorbox.scheduler.reconcile-interval} (the Quarkus scheduler, skipped while another replica
 * leads or a pass is still running); one sandbox that fails is logged and tried again next pass
 * without holding up the others.
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
    private volatile boolean leading;
    /** Null in unit tests made without CDI. */
    @Inject
    SchedulerMetrics metrics;

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
        leading = true;
        exitWatcher.resume();
    }

    private synchronized void stopLeading() {
        leading = false;
        exitWatcher.pause();
    }

    public boolean leading() {
        return leading;
    }

    @Scheduled(identity = "reconcile", every = "${tensorbox.scheduler.reconcile-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = NotLeading.class)
    void scheduledPass() {
        try {
            if (events.takeResync()) {
                LOG.info("events were dropped while api-service lagged: replaying every sandbox's events file");
                synchronized (this) {
                    if (leading) {
                        exitWatcher.pause();
                        exitWatcher.resume();
                    }
                }
            }
            long start = System.nanoTime();
            try {
                reconcileOnce();
            } catch (RuntimeException e) {
                passed(start, "failed");
                throw e;
            }
            passed(start, "ok");
        } catch (RuntimeException e) {
            LOG.infof("reconcile postponed to the next pass: %s", e.getMessage());
        }
    }

    private void passed(long startNanos, String outcome) {
        if (metrics != null) {
            metrics.reconcilePass(Duration.ofNanos(System.nanoTime() - startNanos), outcome);
        }
    }

    /** Passes run only on the leader. */
    @Singleton
    static class NotLeading implements Scheduled.SkipPredicate {
        private final Reconciler reconciler;

        NotLeading(Reconciler reconciler) {
            this.reconciler = reconciler;
        }

        @Override
        public boolean test(ScheduledExecution execution) {
            return !reconciler.leading();
        }
    }

    /**
     * One pass; the runtime is listed before the records so a sandbox created meanwhile is never an
     * orphan. Failing to list either ends the pass (thrown); a failure on one sandbox does not.
     */
    public void reconcileOnce() {
        Map<String, SandboxStatus> held = runtime.list().stream()
                .collect(Collectors.toMap(SandboxStatus::id, Function.identity(), (a, b) -> a));
        Map<String, LiveSandbox> live = records.live().stream()
                .collect(Collectors.toMap(l -> l.spec().id(), Function.identity(), (a, b) -> a));
        for (LiveSandbox record : live.values()) {
            String id = record.spec().id();
            try {
                reconcile(record, held.get(id));
            } catch (RuntimeException e) {
                LOG.warnf("reconcile of sandbox %s failed (tried again next pass): %s", id, e.getMessage());
            }
        }
        Set<String> orphans = held.keySet().stream().filter(id -> !live.containsKey(id)).collect(Collectors.toSet());
        for (String orphan : orphans) {
            try {
                LOG.infof("deleting orphan sandbox %s: it has no live record", orphan);
                teardown.delete(orphan);
            } catch (RuntimeException e) {
                LOG.warnf("deleting orphan sandbox %s failed (tried again next pass): %s", orphan, e.getMessage());
            }
        }
    }

    private void reconcile(LiveSandbox record, SandboxStatus actual) {
        String id = record.spec().id();
        if (actual != null) {
            if (actual.state() != record.state() && actual.state() != SandboxState.pending) {
                // A transition the informer reported while no replica was leading.
                events.sandboxChanged(actual);
            }
            if (actual.state() == SandboxState.running) {
                exitWatcher.watch(id);
            }
            return;
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
}
