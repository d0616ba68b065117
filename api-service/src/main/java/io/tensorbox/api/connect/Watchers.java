package io.tensorbox.api.connect;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.mutiny.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The polling watchers of envd's {@code CreateWatcher} / {@code GetWatcherEvents} / {@code RemoveWatcher}.
 * Each holds an open watch of the files API and the events it saw since the last poll. They live in the
 * memory of this api-service replica only (a poll that reaches another replica does not find the watcher:
 * {@code not_found}), at most {@link #MAX_WATCHERS} at once, each keeping at most {@link #MAX_EVENTS}
 * unpolled events (older ones are dropped), and a watcher not polled for {@link #EXPIRY_MS} is removed and
 * its watch closed.
 */
@ApplicationScoped
public class Watchers {
    private static final Logger LOG = Logger.getLogger(Watchers.class);
    static final int MAX_WATCHERS = 1000;
    static final int MAX_EVENTS = 10_000;
    static final long EXPIRY_MS = 5 * 60_000L;
    private static final SecureRandom RANDOM = new SecureRandom();

    static final class Watcher {
        final String id;
        final String sandboxId;
        private final ArrayDeque<ObjectNode> events = new ArrayDeque<>();
        private volatile Cancellable watch;
        private volatile long polledAt = System.currentTimeMillis();
        private volatile Throwable failure;

        Watcher(String id, String sandboxId) {
            this.id = id;
            this.sandboxId = sandboxId;
        }

        synchronized void add(ObjectNode event) {
            if (events.size() >= MAX_EVENTS) {
                events.removeFirst();
            }
            events.addLast(event);
        }

        void failed(Throwable failure) {
            this.failure = failure;
        }

        /** The events since the last poll; fails once the watch ended with an error (and nothing is left). */
        synchronized List<ObjectNode> drain() {
            polledAt = System.currentTimeMillis();
            List<ObjectNode> drained = List.copyOf(events);
            events.clear();
            if (drained.isEmpty() && failure != null) {
                throw ConnectError.of(failure);
            }
            return drained;
        }

        void close() {
            Cancellable w = watch;
            if (w != null) {
                w.cancel();
            }
        }
    }

    private final Map<String, Watcher> watchers = new ConcurrentHashMap<>();
    private final long timer;
    private final Vertx vertx;

    Watchers(Vertx vertx) {
        this.vertx = vertx;
        this.timer = vertx.setPeriodic(30_000, tick -> expire());
    }

    @PreDestroy
    void close() {
        vertx.cancelTimer(timer);
        watchers.values().forEach(Watcher::close);
        watchers.clear();
    }

    /** A new watcher of the sandbox; refused (resource_exhausted) when this replica holds too many. */
    Watcher create(String sandboxId) {
        if (watchers.size() >= MAX_WATCHERS) {
            throw new ConnectError(ConnectError.Code.resource_exhausted, "Too many watchers (at most "
                    + MAX_WATCHERS + "); remove some with RemoveWatcher, or use WatchDir.");
        }
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        Watcher watcher = new Watcher("w_" + HexFormat.of().formatHex(bytes), sandboxId);
        watchers.put(watcher.id, watcher);
        return watcher;
    }

    void started(Watcher watcher, Cancellable watch) {
        watcher.watch = watch;
        if (!watchers.containsKey(watcher.id)) {
            watch.cancel(); // removed meanwhile
        }
    }

    /** The watcher of this sandbox with this id. */
    Watcher find(String sandboxId, String id) {
        Watcher watcher = id == null ? null : watchers.get(id);
        if (watcher == null || !watcher.sandboxId.equals(sandboxId)) {
            throw new ConnectError(ConnectError.Code.not_found, "No watcher '" + id + "' in sandbox " + sandboxId
                    + " (watchers live on one api-service replica and expire after "
                    + EXPIRY_MS / 60_000 + " minutes without a poll).");
        }
        return watcher;
    }

    void remove(Watcher watcher) {
        watchers.remove(watcher.id);
        watcher.close();
    }

    private void expire() {
        long now = System.currentTimeMillis();
        watchers.values().removeIf(w -> {
            if (now - w.polledAt > EXPIRY_MS) {
                LOG.debugf("watcher %s of %s expired", w.id, w.sandboxId);
                w.close();
                return true;
            }
            return false;
        });
    }
}
