package io.tensorbox.scheduler.process;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.tensorbox.common.ProcessStatus;
import io.tensorbox.common.SandboxStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.WebApplicationException;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Delivers events to api-service in order, retrying while it is down. Losing the queue on a crash
 * loses nothing: exits stay in each sandbox's events file and are replayed on the next start.
 */
@ApplicationScoped
public class EventPublisher {

    private static final Logger LOG = Logger.getLogger(EventPublisher.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    private final ApiEventsClient api;
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private volatile Thread sender;

    EventPublisher(@RestClient ApiEventsClient api) {
        this.api = api;
    }

    void start(@Observes StartupEvent ignored) {
        sender = Thread.ofVirtual().name("api-event-sender").start(this::sendForever);
    }

    void stop(@Observes ShutdownEvent ignored) {
        if (sender != null) {
            sender.interrupt();
        }
    }

    public void processEnded(ProcessStatus status) {
        queue.add(status);
    }

    public void sandboxChanged(SandboxStatus status) {
        queue.add(status);
    }

    private void sendForever() {
        try {
            while (true) {
                Object event = queue.take();
                Duration backoff = Duration.ofMillis(100);
                while (!send(event)) {
                    Thread.sleep(backoff);
                    backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean send(Object event) {
        try {
            if (event instanceof ProcessStatus p) {
                api.processEnded(p);
            } else if (event instanceof SandboxStatus s) {
                api.sandboxChanged(s);
            }
            return true;
        } catch (WebApplicationException e) {
            if (e.getResponse().getStatus() < 500) {
                // Refused for good: retrying would hold up every later event behind it.
                LOG.warnf("api-service refused %s with %d; dropped", event, e.getResponse().getStatus());
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
