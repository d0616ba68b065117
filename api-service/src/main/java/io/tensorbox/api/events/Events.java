package io.tensorbox.api.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.tensorbox.api.config.TensorboxConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The events of sandboxes, kept in PostgreSQL for {@code tensorbox.events.retention-seconds}.
 * {@link #append} joins the caller's transaction: an event exists exactly when the change it
 * announces was committed, so a restart between the two loses nothing and repeats nothing.
 */
@ApplicationScoped
public class Events {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    EntityManager em;

    @Inject
    TensorboxConfig config;

    /**
     * Records an event of the sandbox in the current transaction. Taking the next seq locks the
     * sandbox's row until the commit, which orders the events of one sandbox by commit.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void append(String sandboxId, String type, Map<String, ?> data) {
        Object next = em.createNativeQuery(
                        "UPDATE sandboxes SET event_seq = event_seq + 1 WHERE id = ?1 RETURNING event_seq")
                .setParameter(1, sandboxId).getResultList().stream().findFirst().orElse(null);
        if (next == null) {
            return; // no such sandbox: nothing to announce
        }
        String json;
        try {
            json = JSON.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("event data is not JSON-writable", e);
        }
        em.createNativeQuery("INSERT INTO events (sandbox_id, seq, type, data, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")
                .setParameter(1, sandboxId).setParameter(2, ((Number) next).longValue()).setParameter(3, type)
                .setParameter(4, json).setParameter(5, Instant.now().getEpochSecond()).executeUpdate();
    }

    /** The last seq of each of these sandboxes (absent: no such sandbox). */
    Map<String, Long> lastSeqs(List<String> sandboxIds) {
        Map<String, Long> out = new HashMap<>();
        if (sandboxIds.isEmpty()) {
            return out;
        }
        QuarkusTransaction.joiningExisting().run(() -> {
            @SuppressWarnings("unchecked")
            List<Object[]> rows = em.createNativeQuery("SELECT id, event_seq FROM sandboxes WHERE id IN (?1)")
                    .setParameter(1, sandboxIds).getResultList();
            for (Object[] row : rows) {
                out.put((String) row[0], ((Number) row[1]).longValue());
            }
        });
        return out;
    }

    /** At most {@code limit} events of the sandbox after {@code seq}, oldest first. */
    List<Event> after(String sandboxId, long seq, int limit) {
        List<Event> out = new ArrayList<>();
        QuarkusTransaction.joiningExisting().run(() -> {
            @SuppressWarnings("unchecked")
            List<Object[]> rows = em.createNativeQuery(
                            "SELECT seq, type, data FROM events WHERE sandbox_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3")
                    .setParameter(1, sandboxId).setParameter(2, seq).setParameter(3, limit).getResultList();
            for (Object[] row : rows) {
                out.add(new Event(sandboxId, ((Number) row[0]).longValue(), (String) row[1], (String) row[2]));
            }
        });
        return out;
    }

    /** Events are kept for a bounded time; a resume from before that starts at the oldest kept. */
    @Scheduled(every = "60s", delayed = "30s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void prune() {
        long before = Instant.now().getEpochSecond() - config.events().retentionSeconds();
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("DELETE FROM events WHERE created_at < ?1")
                .setParameter(1, before).executeUpdate());
    }
}
