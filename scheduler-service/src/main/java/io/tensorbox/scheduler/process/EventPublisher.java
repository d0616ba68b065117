package io.tensorbox.scheduler.process;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.tensorbox.common.ProcessStatus;
import io.tensorbox.common.SandboxStatus;
import io.tensorbox.scheduler.config.SchedulerConfig;
import io.tensorbox.scheduler.metrics.SchedulerMetrics;
import io.tensorbox.scheduler.metrics.SchedulerMetrics.Outcome;
import io.tensorbox.scheduler.ports.PortsReport;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Delivers events to api-service in order, retrying while it is down. Memory is bounded: at most
 * {@code tensorbox.scheduler.event-queue-capacity} events wait. A process exit offered to a full
 * queue waits a moment (which slows the events follow that read it, not the sandbox), then is dropped;
 * a sandbox change is dropped at once. A drop is logged and marks the publisher {@linkplain
 * #takeResync() out of sync}: the reconcile leader then replays every sandbox's events file, and its
 * pass itself reports sandbox states that api-service missed. Losing the queue on a crash loses
 * nothing either, for the same reason.
 */
@ApplicationScoped
public class EventPublisher {

    private static final Logger LOG = Logger.getLogger(EventPublisher.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);
    /** How long a process exit waits for room in a full queue before it is dropped. */
    static final Duration EXIT_OFFER_WAIT = Duration.ofSeconds(1);

    private final ApiEventsClient api;
    private final SchedulerMetrics metrics;
    private final BlockingQueue<Object> queue;
    private final AtomicBoolean outOfSync = new AtomicBoolean();
    private final AtomicBoolean dropping = new AtomicBoolean();
    private volatile Thread sender;
    /**
     * The latest port set of each sandbox whose report waits in the queue (as a {@link PortsDue}):
     * a newer set replaces the waiting one in its place, so only the latest set of a sandbox is sent.
     */
    private final ConcurrentHashMap<String, PortsReport> latestPorts = new ConcurrentHashMap<>();
    /** Events queued or being delivered: 0 means api-service has everything that was not dropped. */
    private final AtomicInteger undelivered = new AtomicInteger();

    @Inject
    EventPublisher(@RestClient ApiEventsClient api, SchedulerConfig config, SchedulerMetrics metrics) {
        this(api, config.eventQueueCapacity(), metrics);
    }

    public EventPublisher(ApiEventsClient api, int capacity) {
        this(api, capacity, SchedulerMetrics.none());
    }

    public EventPublisher(ApiEventsClient api, int capacity, SchedulerMetrics metrics) {
        this.api = api;
        this.metrics = metrics;
        this.queue = new ArrayBlockingQueue<>(capacity);
    }

    void start(@Observes StartupEvent ignored) {
        start();
    }

    public void start() {
        sender = Thread.ofVirtual().name("api-event-sender").start(this::sendForever);
    }

    void stop(@Observes ShutdownEvent ignored) {
        if (sender != null) {
            sender.interrupt();
        }
    }

    public void processEnded(ProcessStatus status) {
        undelivered.incrementAndGet();
        try {
            if (!queue.offer(status, EXIT_OFFER_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                dropped(status);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            dropped(status);
        }
    }

    public void sandboxChanged(SandboxStatus status) {
        undelivered.incrementAndGet();
        if (!queue.offer(status)) {
            dropped(status);
        }
    }

    /**
     * Queues the sandbox's current set of listening sockets; if a set of that sandbox is still waiting,
     * this one replaces it (coalesced: only the latest set matters). A full queue drops it (logged);
     * the watcher's next change, or its restart, sends the full set again.
     */
    public void portsChanged(PortsReport report) {
        if (latestPorts.put(report.sandboxId(), report) != null) {
            return; // a report of this sandbox waits already and will carry this set
        }
        undelivered.incrementAndGet();
        if (!queue.offer(new PortsDue(report.sandboxId()))) {
            latestPorts.remove(report.sandboxId(), report);
            dropped(report);
        }
    }

    /** In the queue: "send the latest port set of this sandbox". */
    private record PortsDue(String sandboxId) {
    }

    /**
     * Whether events were dropped since the last call, and the queue has drained since: the moment
     * for the leader to replay. Clears the mark.
     */
    public boolean takeResync() {
        return undelivered.get() == 0 && outOfSync.compareAndSet(true, false);
    }

    /** Events waiting for api-service. */
    public int queued() {
        return queue.size();
    }

    private void dropped(Object event) {
        metrics.event(kind(event), Outcome.dropped);
        undelivered.decrementAndGet();
        outOfSync.set(true);
        if (dropping.compareAndSet(false, true)) {
            LOG.warnf("the queue of events for api-service is full (%d): dropping %s and later ones until it drains;"
                    + " the events files will be replayed then", queue.size(), event);
        } else {
            LOG.debugf("dropped %s", event);
        }
    }

    private void sendForever() {
        try {
            while (true) {
                Object event = queue.take();
                if (event instanceof PortsDue due) {
                    // from here on a newer set queues a new report; this one sends the latest so far
                    event = latestPorts.remove(due.sandboxId());
                    if (event == null) {
                        undelivered.decrementAndGet();
                        continue;
                    }
                }
                Duration backoff = FIRST_BACKOFF;
                while (!send(event)) {
                    metrics.event(kind(event), Outcome.retried);
                    Thread.sleep(backoff);
                    backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                }
                if (undelivered.decrementAndGet() == 0 && dropping.compareAndSet(true, false)) {
                    LOG.info("the queue of events for api-service has drained");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String kind(Object event) {
        return switch (event) {
            case ProcessStatus ignored -> "process_exit";
            case SandboxStatus ignored -> "sandbox_state";
            default -> "ports";
        };
    }

    private boolean send(Object event) {
        try {
            if (event instanceof ProcessStatus p) {
                api.processEnded(p);
            } else if (event instanceof SandboxStatus s) {
                api.sandboxChanged(s);
            } else if (event instanceof PortsReport r) {
                api.portsChanged(r);
            }
            metrics.event(kind(event), Outcome.delivered);
            return true;
        } catch (WebApplicationException e) {
            if (e.getResponse().getStatus() < 500) {
                // Refused for good: retrying would hold up every later event behind it.
                LOG.warnf("api-service refused %s with %d; dropped", event, e.getResponse().getStatus());
                metrics.event(kind(event), Outcome.refused);
                return true;
            }
            LOG.debugf("api-service failed on %s: %s", event, e.getMessage());
            return false;
        } catch (RuntimeException e) {
            LOG.debugf("api-service did not take %s yet: %s", event, e.getMessage());
            return false;
        }
    }
}
