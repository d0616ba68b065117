package io.tensorbox.scheduler.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;

/** The scheduler's own series (docs/OPERATIONS.md). */
@ApplicationScoped
public class SchedulerMetrics {

    /** How a command was started: {@code run} (streamed, {@code /run}) or {@code background} (a process). */
    public enum ExecKind { run, background }

    /** What became of an event for api-service. */
    public enum Outcome { delivered, retried, dropped, refused }

    private final MeterRegistry registry;

    @Inject
    public SchedulerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Measures nothing anyone reads: for objects made outside CDI (unit tests). */
    public static SchedulerMetrics none() {
        return new SchedulerMetrics(new SimpleMeterRegistry());
    }

    /** From the request to the command's start in the sandbox (its pid known). */
    public void execStarted(ExecKind kind, Duration latency) {
        Timer.builder("tensorbox_exec_start")
                .description("From an exec request to the command running in the sandbox (pid known)")
                .tag("kind", kind.name())
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(1))
                .register(registry)
                .record(latency.isNegative() ? Duration.ZERO : latency);
    }

    /** {@code kind}: process_exit, sandbox_state or ports. */
    public void event(String kind, Outcome outcome) {
        Counter.builder("tensorbox_events_pushed")
                .description("Events pushed to api-service by kind and outcome (retried counts each failed try)")
                .tag("kind", kind)
                .tag("outcome", outcome.name())
                .register(registry)
                .increment();
    }

    /** A reconcile pass of the leader; {@code outcome}: ok or failed. */
    public void reconcilePass(Duration took, String outcome) {
        Timer.builder("tensorbox_reconcile_pass")
                .description("Reconcile passes (on the leading scheduler replica) and their duration")
                .tag("outcome", outcome)
                .register(registry)
                .record(took);
    }
}
