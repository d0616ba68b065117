package io.tensorbox.api.sandbox;

import io.quarkus.scheduler.Scheduled;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.SandboxState;
import jakarta.enterprise.context.ApplicationScoped;
import io.tensorbox.api.config.TensorboxConfig;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.util.List;

/** Stops sandboxes past {@code expires_at}; one the runtime cannot stop now is tried again next tick. */
@ApplicationScoped
public class SandboxExpiry {
    private static final Logger LOG = Logger.getLogger(SandboxExpiry.class);

    @Inject
    Sandboxes sandboxes;

    @Inject
    TensorboxConfig config;

    /** {@code sandbox.expiring} for live sandboxes that are close to {@code expires_at}. */
    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    @Transactional
    void announceExpiring() {
        long now = Sandboxes.now();
        List<Sandbox> soon = Sandbox.list("state in ?1 and expiresAt <= ?2 and expiresAt > ?3 and expiringAnnouncedFor <> expiresAt",
                List.of(SandboxState.pending, SandboxState.running), now + config.events().expiringNoticeSeconds(), now);
        for (Sandbox sandbox : soon) {
            sandboxes.announceExpiring(sandbox.id, sandbox.expiresAt);
        }
    }

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void stopExpired() {
        List<Sandbox> expired = Sandbox.list("state in ?1 and expiresAt <= ?2",
                List.of(SandboxState.pending, SandboxState.running), Sandboxes.now());
        for (Sandbox sandbox : expired) {
            try {
                sandboxes.stop(sandbox.id, "timeout reached");
            } catch (ApiException unavailable) {
                LOG.debugf("cannot stop expired sandbox %s yet: %s", sandbox.id, unavailable.getMessage());
            }
        }
    }
}
