package io.tensorbox.api.events;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Pushes stored events to the open streams of this replica. One tick reads the last seq of every
 * sandbox someone follows (one query), then, for each stream that is behind and whose client has
 * asked for more, the missing events. The table is the only buffer: a slow client holds no events
 * in memory, and a stream that starts behind (a resume) catches up the same way.
 */
@ApplicationScoped
public class EventFeed {
    private static final Logger LOG = Logger.getLogger(EventFeed.class);
    /** Events read for one stream per tick at most. */
    static final int BATCH = 200;

    @Inject
    Events events;

    private final Map<String, Set<Follower>> bySandbox = new ConcurrentHashMap<>();

    /** The events of the sandbox after {@code after}; {@code null}: after the last one there is now. */
    public Multi<Event> follow(String sandboxId, Long after) {
        long from = after != null ? after : events.lastSeqs(List.of(sandboxId)).getOrDefault(sandboxId, 0L);
        return Multi.createFrom().emitter(emitter -> {
            Follower follower = new Follower(sandboxId, from, emitter);
            bySandbox.computeIfAbsent(sandboxId, k -> ConcurrentHashMap.newKeySet()).add(follower);
            emitter.onTermination(() -> bySandbox.computeIfPresent(sandboxId, (k, set) -> {
                set.remove(follower);
                return set.isEmpty() ? null : set;
            }));
        });
    }

    /** Streams open on this replica (for tests and metrics). */
    public int open() {
        return bySandbox.values().stream().mapToInt(Set::size).sum();
    }

    @Scheduled(every = "0.25s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (bySandbox.isEmpty()) {
            return;
        }
        Map<String, Long> last = events.lastSeqs(new ArrayList<>(bySandbox.keySet()));
        bySandbox.forEach((sandboxId, followers) -> {
            Long newest = last.get(sandboxId);
            for (Follower f : followers) {
                try {
                    f.pump(newest);
                } catch (RuntimeException e) {
                    LOG.debugf(e, "event stream of %s failed; its client resumes with Last-Event-ID", sandboxId);
                    f.emitter.fail(e);
                }
            }
        });
    }

    private final class Follower {
        final String sandboxId;
        final MultiEmitter<? super Event> emitter;
        volatile long last;

        Follower(String sandboxId, long last, MultiEmitter<? super Event> emitter) {
            this.sandboxId = sandboxId;
            this.last = last;
            this.emitter = emitter;
        }

        void pump(Long newest) {
            if (emitter.isCancelled()) {
                return;
            }
            if (newest == null) {
                emitter.complete(); // the sandbox is gone from the store
                return;
            }
            while (last < newest && emitter.requested() > 0) {
                List<Event> batch = events.after(sandboxId, last, (int) Math.min(BATCH, emitter.requested()));
                if (batch.isEmpty()) {
                    last = newest; // pruned: resume at the oldest kept
                    return;
                }
                for (Event e : batch) {
                    emitter.emit(e);
                    last = e.seq();
                    if (isFinal(e)) {
                        emitter.complete();
                        return;
                    }
                }
            }
        }
    }

    /** A stopped or failed sandbox has nothing more to say: its stream ends after that event. */
    static boolean isFinal(Event e) {
        return Event.SANDBOX_STATE.equals(e.type())
                && (e.data().contains("\"state\":\"stopped\"") || e.data().contains("\"state\":\"failed\""));
    }
}
