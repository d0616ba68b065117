package io.tensorbox.api.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.tensorbox.api.process.ProcessRecord;
import io.tensorbox.api.sandbox.Sandbox;
import io.tensorbox.common.ProcessState;
import io.tensorbox.common.SandboxState;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The product's own series (docs/OPERATIONS.md). Counts come from PostgreSQL, refreshed by a
 * scheduled job: every replica reports the same numbers, so sum them with {@code max}, not {@code sum}.
 */
@ApplicationScoped
public class ProductMetrics {

    private static final Logger LOG = Logger.getLogger(ProductMetrics.class);
    private static final String SHARED = " (read from PostgreSQL every 15 s: every api-service replica reports the"
            + " same number; aggregate with max, not sum)";

    private final MeterRegistry registry;
    private final MultiGauge sandboxes;
    private final MultiGauge processes;

    @Inject
    public ProductMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.sandboxes = MultiGauge.builder("tensorbox_sandboxes")
                .description("Sandboxes by state and template" + SHARED)
                .register(registry);
        this.processes = MultiGauge.builder("tensorbox_processes_running")
                .description("Processes running in sandboxes" + SHARED)
                .register(registry);
    }

    /** A sandbox went from created to running after {@code latency}. */
    public void sandboxRunning(String template, Duration latency) {
        Timer.builder("tensorbox_sandbox_create_to_running")
                .description("From the create request to the sandbox running, per template")
                .tag("template", template == null ? "" : template)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(10))
                .maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry)
                .record(latency.isNegative() ? Duration.ZERO : latency);
    }

    @Scheduled(every = "${tensorbox.metrics.refresh-interval:15s}", delay = 0,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refresh() {
        try {
            QuarkusTransaction.requiringNew().run(this::read);
        } catch (RuntimeException e) {
            LOG.debugf("metrics not refreshed: %s", e.getMessage());
        }
    }

    private void read() {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        List<Object[]> counts = Sandbox.getEntityManager().createQuery(
                "select s.state, s.template, count(s) from Sandbox s group by s.state, s.template", Object[].class)
                .getResultList();
        // every state of every template seen, 0 included: a series drops to 0 instead of vanishing
        Map<String, Map<SandboxState, Long>> byTemplate = new TreeMap<>();
        for (Object[] row : counts) {
            byTemplate.computeIfAbsent(String.valueOf(row[1]), t -> new EnumMap<>(SandboxState.class))
                    .put((SandboxState) row[0], ((Number) row[2]).longValue());
        }
        byTemplate.forEach((template, states) -> {
            for (SandboxState state : SandboxState.values()) {
                rows.add(MultiGauge.Row.of(Tags.of("state", state.name(), "template", template),
                        states.getOrDefault(state, 0L)));
            }
        });
        sandboxes.register(rows, true);
        long running = ProcessRecord.count("state", ProcessState.running);
        processes.register(List.of(MultiGauge.Row.of(Tags.empty(), running)), true);
    }
}
