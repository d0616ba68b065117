package io.tensorbox.api.activity;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.tensorbox.common.Ids;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Activity of sandboxes, for the idle timeout (SPEC §3). Noting activity costs a map write; what was
 * noted is written to {@code sandboxes.last_activity_ms} by {@link #flush} about once a second, in one
 * statement for all sandboxes: at most one write per sandbox per second, however busy it is.
 *
 * <p>Long calls (a sync run, a streamed run, a terminal) are <em>in flight</em> while they last and count
 * as activity at every flush, not only when they start and end. An in-flight call counts only once it is
 * known to come from the sandbox's own team ({@link InFlight#teamId}), so a call that will end in a 404
 * keeps nothing alive.
 */
@ApplicationScoped
public class Activity {
    private static final Logger LOG = Logger.getLogger(Activity.class);
    /** Sandboxes written per statement at most. */
    static final int CHUNK = 500;

    /** A call in flight on a sandbox; {@code teamId} answers the caller's team once it is known, else null. */
    public record InFlight(String sandboxId, Supplier<String> teamId) {
    }

    /** Noted activity (Unix ms) by sandbox; a null team means the caller was already known to be allowed. */
    private record Noted(long atMs, String teamId) {
    }

    @Inject
    EntityManager em;

    private final Map<String, Noted> noted = new ConcurrentHashMap<>();
    private final Set<InFlight> inFlight = ConcurrentHashMap.newKeySet();

    /** Activity of a sandbox by a caller allowed on it (a successful call, an allowed preview request). */
    public void touch(String sandboxId) {
        if (sandboxId != null && Ids.SANDBOX.matcher(sandboxId).matches()) {
            noted.put(sandboxId, new Noted(System.currentTimeMillis(), null));
        }
    }

    /** A long call starts; pass what {@link #enter} returned to {@link #leave} when it ends. */
    public InFlight enter(String sandboxId, Supplier<String> teamId) {
        InFlight call = new InFlight(sandboxId, teamId);
        inFlight.add(call);
        return call;
    }

    public void leave(InFlight call) {
        if (call != null) {
            inFlight.remove(call);
        }
    }

    /** Calls in flight now (tests). */
    public int inFlight() {
        return inFlight.size();
    }

    /** Writes what was noted since the last flush; also run by the idle timeout before it looks. */
    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public synchronized void flush() {
        long now = System.currentTimeMillis();
        Map<String, Noted> batch = new java.util.HashMap<>();
        for (InFlight call : inFlight) {
            String team;
            try {
                team = call.teamId().get();
            } catch (RuntimeException e) {
                team = null;
            }
            if (team != null) {
                batch.put(call.sandboxId(), new Noted(now, team));
            }
        }
        for (String id : List.copyOf(noted.keySet())) {
            Noted n = noted.remove(id);
            if (n != null) {
                batch.merge(id, n, (a, b) -> b.teamId() == null ? b : a);
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        List<Map.Entry<String, Noted>> entries = new ArrayList<>(batch.entrySet());
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                for (int from = 0; from < entries.size(); from += CHUNK) {
                    write(entries.subList(from, Math.min(entries.size(), from + CHUNK)));
                }
            });
        } catch (RuntimeException e) {
            LOG.warnf("could not record the activity of %d sandboxes: %s", entries.size(), e.toString());
        }
    }

    private void write(List<Map.Entry<String, Noted>> entries) {
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < entries.size(); i++) {
            values.append(i == 0 ? "" : ", ").append("(CAST(?").append(3 * i + 1).append(" AS TEXT), CAST(?")
                    .append(3 * i + 2).append(" AS BIGINT), CAST(?").append(3 * i + 3).append(" AS TEXT))");
        }
        var update = em.unwrap(org.hibernate.Session.class).createNativeMutationQuery(
                "UPDATE sandboxes s SET last_activity_ms = v.at FROM (VALUES " + values + ") AS v(id, at, team)"
                        + " WHERE s.id = v.id AND s.last_activity_ms < v.at AND (v.team IS NULL OR s.team_id = v.team)");
        for (int i = 0; i < entries.size(); i++) {
            Map.Entry<String, Noted> e = entries.get(i);
            update.setParameter(3 * i + 1, e.getKey(), String.class);
            update.setParameter(3 * i + 2, e.getValue().atMs(), Long.class);
            update.setParameter(3 * i + 3, e.getValue().teamId(), String.class);
        }
        update.executeUpdate();
    }
}
