package io.tensorbox.api.activity;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.tensorbox.api.sandbox.Sandboxes;
import io.tensorbox.common.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.jboss.logging.Logger;

import java.util.List;

/**
 * Stops running sandboxes created with {@code idle_timeout_seconds} once that long passed since their
 * last activity (or their start) and none of their process records is {@code running}.
 */
@ApplicationScoped
public class IdleTimeout {
    private static final Logger LOG = Logger.getLogger(IdleTimeout.class);
    static final String REASON = "idle timeout reached";
    private static final String IDLE = "SELECT s.id FROM sandboxes s WHERE s.state = 'running'"
            + " AND s.idle_timeout_seconds IS NOT NULL"
            + " AND GREATEST(s.last_activity_ms, s.started_at * 1000) + s.idle_timeout_seconds * 1000 <= ?1"
            + " AND NOT EXISTS (SELECT 1 FROM processes p WHERE p.sandbox_id = s.id AND p.state = 'running')";

    @Inject
    Activity activity;

    @Inject
    Sandboxes sandboxes;

    @Inject
    EntityManager em;

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void stopIdle() {
        activity.flush(); // what this replica noted counts before anyone is judged idle
        for (String id : idle(null)) {
            if (idle(id).isEmpty()) {
                continue; // active again since the first look
            }
            try {
                LOG.debugf("sandbox %s is idle: stopping it", id);
                sandboxes.stop(id, REASON);
            } catch (ApiException unavailable) {
                LOG.debugf("cannot stop idle sandbox %s yet: %s", id, unavailable.getMessage());
            }
        }
    }

    @SuppressWarnings("unchecked")
    private List<String> idle(String only) {
        return QuarkusTransaction.requiringNew().call(() -> {
            var query = em.createNativeQuery(IDLE + (only == null ? " ORDER BY s.id LIMIT 100" : " AND s.id = ?2"))
                    .setParameter(1, System.currentTimeMillis());
            if (only != null) {
                query.setParameter(2, only);
            }
            return (List<String>) query.getResultList();
        });
    }
}
