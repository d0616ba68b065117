package io.tensorbox.scheduler.process;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.ProcessState;
import io.tensorbox.common.SandboxState;
import io.tensorbox.common.SandboxStatus;
import io.tensorbox.scheduler.ports.PortWatcher;
import io.tensorbox.scheduler.runtime.ExecHandle;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Follows the events file of every running sandbox with one long-lived exec each and reports exits
 * to api-service, each bound to the sandbox whose file it was read from. On start it replays every
 * file from its first line, so exits that happened while the scheduler (or api-service) was down are
 * recorded once it is back; a follow that ends is resumed where it stopped. Each sandbox is followed
 * on its own: one that cannot be followed is retried with a bounded backoff, and holds up no other.
 */
@ApplicationScoped
public class ExitWatcher {

    private static final Logger LOG = Logger.getLogger(ExitWatcher.class);
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration MAX_RETRY = Duration.ofSeconds(60);
    /** Sandboxes resumed at once: enough that a slow one does not hold the others up, few enough not to flood the runtime. */
    private static final int RESUME_PARALLELISM = 8;
    private static final Pattern FROM = Pattern.compile("from ([1-9][0-9]{0,17})");

    private final SandboxRuntime runtime;
    private final Supervisor supervisor;
    private final EventPublisher events;
    private final PortWatcher ports;
    private final Map<String, ExecHandle> watches = new ConcurrentHashMap<>();
    /** Per sandbox, the line of its events file a new follow starts at; kept while this replica leads. */
    private final Map<String, Long> nextLine = new ConcurrentHashMap<>();
    /** Sandboxes waiting for another try; a newer retry of a sandbox replaces the older one. */
    private final Map<String, Retry> retries = new ConcurrentHashMap<>();
    /** Per sandbox, the last follow step scheduled off the notifier thread ({@link #inOrder}). */
    private final Map<String, CompletableFuture<Void>> steps = new ConcurrentHashMap<>();
    private static final Executor STEPS = step -> Thread.ofVirtual().name("exit-watcher-step").start(step);
    private volatile boolean stopping;
    private volatile boolean leading;

    /** The next try of a sandbox: follow it, and report its lost processes too when it is being resumed. */
    private static final class Retry {
        final boolean reportLost;
        final int failures;

        Retry(boolean reportLost, int failures) {
            this.reportLost = reportLost;
            this.failures = failures;
        }
    }

    ExitWatcher(SandboxRuntime runtime, Supervisor supervisor, EventPublisher events, PortWatcher ports) {
        this.runtime = runtime;
        this.ports = ports;
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
     * Starts following every running sandbox, replaying each events file from its first line, and
     * reports processes lost with their supervisor. Called when this replica starts leading.
     */
    public void resume() {
        leading = true;
        // port discovery shares the exit follower's life: the leader's, per running sandbox
        ports.resume();
        Thread.ofVirtual().name("exit-watcher-resume").start(() -> resumeAll(0));
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
            LOG.warnf("cannot list the sandboxes to follow (%s); trying again in %d s", e.getMessage(), delay.toSeconds());
            after(delay).execute(() -> resumeAll(failures + 1));
            return;
        }
        Semaphore slots = new Semaphore(RESUME_PARALLELISM);
        for (SandboxStatus sandbox : sandboxes) {
            if (sandbox.state() != SandboxState.running) {
                continue;
            }
            slots.acquireUninterruptibly();
            Thread.ofVirtual().name("exit-watcher-resume-" + sandbox.id()).start(() -> {
                try {
                    resumeOne(sandbox.id());
                } finally {
                    slots.release();
                }
            });
        }
    }

    private void resumeOne(String sandboxId) {
        try {
            follow(sandboxId, 0);
            reportLost(sandboxId);
        } catch (RuntimeException e) {
            retryLater(sandboxId, true, 0, e.getMessage());
        }
    }

    /** Processes whose supervisor died with them (a host reboot) never wrote an exit. */
    private void reportLost(String sandboxId) {
        supervisor.list(sandboxId).stream()
                .filter(p -> p.state() == ProcessState.killed && p.reason() != null)
                .forEach(events::processEnded);
    }

    /** Stops following; another replica leads now (or this one is going away). */
    public void pause() {
        leading = false;
        ports.pause();
        retries.clear();
        watches.keySet().forEach(this::unwatch);
        nextLine.clear();
    }

    /**
     * Runs on the runtime's one notifier thread: the state event is queued at once, and the execs
     * that start or end the sandbox's follows (a second or more on a busy cluster) run off that
     * thread, so a burst of sandboxes becoming ready reports each one's state without waiting for
     * the others' follows. Steps of one sandbox keep their order.
     */
    private void sandboxChanged(SandboxStatus status) {
        if (!leading) {
            return;
        }
        events.sandboxChanged(status);
        String id = status.id();
        if (status.state() == SandboxState.running) {
            inOrder(id, () -> watch(id));
        } else if (status.state().isFinal()) {
            inOrder(id, () -> unwatch(id));
        } else {
            // a pod that is not ready (restarting): its watcher starts again once it runs
            inOrder(id, () -> ports.unwatch(id));
        }
    }

    /** Runs {@code step} on a virtual thread after the steps of the same sandbox scheduled before it. */
    private void inOrder(String sandboxId, Runnable step) {
        CompletableFuture<Void> next = steps.compute(sandboxId, (id, previous) ->
                (previous == null ? CompletableFuture.<Void>completedFuture(null) : previous)
                        .handle((ignored, failure) -> (Void) null)
                        .thenRunAsync(() -> {
                            try {
                                step.run();
                            } catch (RuntimeException e) {
                                LOG.warnf("following sandbox %s: %s", id, e.getMessage());
                            }
                        }, STEPS));
        next.whenComplete((ignored, failure) -> steps.remove(sandboxId, next));
    }

    /** Follows the sandbox's exits unless that is done or planned already; never throws: a failure is retried. */
    public void watch(String sandboxId) {
        ports.watch(sandboxId);
        if (stopping || !leading || watches.containsKey(sandboxId) || retries.containsKey(sandboxId)) {
            return;
        }
        try {
            follow(sandboxId, 0);
        } catch (RuntimeException e) {
            retryLater(sandboxId, false, 0, e.getMessage());
        }
    }

    /** @param failures follows of this sandbox in a row that ended before reading anything */
    private void follow(String sandboxId, int failures) {
        if (stopping || !leading || watches.containsKey(sandboxId)) {
            return;
        }
        supervisor.install(sandboxId);
        long from = nextLine.getOrDefault(sandboxId, 1L);
        Events reported = new Events(sandboxId);
        LineReader lines = new LineReader(reported);
        ExecHandle handle = runtime.exec(sandboxId,
                new ExecRequest(supervisor.eventsCommand(sandboxId, from), null, null, null, 0),
                lines, OutputStream.nullOutputStream());
        if (watches.putIfAbsent(sandboxId, handle) != null) {
            handle.close();
            return;
        }
        handle.exitCode().whenComplete((code, error) -> {
            if (watches.remove(sandboxId, handle) && !stopping && leading) {
                boolean started = reported.firstLine > 0;
                if (started) {
                    // The header line is not a line of the file.
                    nextLine.put(sandboxId, reported.firstLine + lines.lines() - 1);
                } else if (code != null && (code == 127 || code == 2)) {
                    // No script to run (a restarted pod lost its files): install it again.
                    supervisor.reinstall(sandboxId);
                }
                int next = started ? 0 : failures + 1;
                Duration delay = started ? FIRST_RETRY : backoff(next);
                String why = error != null ? error.getMessage() : "exit status " + code;
                LOG.infof("events of %s stopped (%s); following them again from line %d in %d s", sandboxId, why,
                        nextLine.getOrDefault(sandboxId, 1L), delay.toSeconds());
                schedule(sandboxId, false, next, delay);
            }
        });
    }

    /** Reports each exit line of one follow; its first line says where in the file it starts. */
    private final class Events implements Consumer<String> {
        private final String sandboxId;
        private volatile long firstLine;

        Events(String sandboxId) {
            this.sandboxId = sandboxId;
        }

        @Override
        public void accept(String line) {
            if (firstLine == 0) {
                Matcher m = FROM.matcher(line);
                firstLine = m.matches() ? Long.parseLong(m.group(1)) : -1;
                if (m.matches()) {
                    return;
                }
            }
            Supervisor.parseEvent(sandboxId, line).ifPresent(events::processEnded);
        }
    }

    private void retryLater(String sandboxId, boolean reportLost, int failures, String why) {
        Duration delay = backoff(failures);
        LOG.warnf("cannot follow the exits of %s (%s); trying again in %d s", sandboxId, why, delay.toSeconds());
        schedule(sandboxId, reportLost, failures, delay);
    }

    private void schedule(String sandboxId, boolean reportLost, int failures, Duration delay) {
        Retry retry = new Retry(reportLost, failures);
        Retry merged = retries.merge(sandboxId, retry, (old, neu) -> new Retry(old.reportLost || neu.reportLost, neu.failures));
        after(delay).execute(() -> retry(sandboxId, merged));
    }

    private void retry(String sandboxId, Retry retry) {
        // Replaced by a newer retry, or cancelled by pause/unwatch.
        if (!retries.remove(sandboxId, retry) || stopping || !leading) {
            return;
        }
        try {
            if (runtime.status(sandboxId).state() != SandboxState.running) {
                return;
            }
            follow(sandboxId, retry.failures);
            if (retry.reportLost) {
                reportLost(sandboxId);
            }
        } catch (RuntimeException e) {
            retryLater(sandboxId, retry.reportLost, retry.failures + 1, e.getMessage());
        }
    }

    static Duration backoff(int failures) {
        Duration delay = FIRST_RETRY.multipliedBy(1L << Math.min(failures, 16));
        return delay.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : delay;
    }

    /** Runs on a virtual thread after the delay: a retry does blocking execs. */
    private static Executor after(Duration delay) {
        return CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS, r -> Thread.ofVirtual().start(r));
    }

    public void unwatch(String sandboxId) {
        ports.unwatch(sandboxId);
        retries.remove(sandboxId);
        nextLine.remove(sandboxId);
        ExecHandle handle = watches.remove(sandboxId);
        if (handle != null) {
            handle.close();
        }
    }
}
