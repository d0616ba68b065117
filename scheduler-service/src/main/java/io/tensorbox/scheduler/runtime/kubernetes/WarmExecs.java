package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.client.dsl.ExecWatch;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Execs opened before they are needed. Opening a {@code pods/exec} costs a WebSocket handshake through
 * the API server and the kubelet (tens of milliseconds); a warm exec has paid it and waits, in a
 * small {@code sh}, for one line naming the command it is to become ({@link #LAUNCHER}). Taking one
 * costs a line written to an open stream. Each exec still runs exactly one command, with its own
 * stdout, stderr and exit status on the exec's own channels, so nothing about a command changes
 * whether its exec was warm or fresh.
 * <p>
 * Per sandbox the pool keeps {@code 1} exec ready and grows (up to {@code max}) when a command finds
 * it empty — commands that follow each other closely — and shrinks back after a quiet minute. An exec
 * that ended while it waited (the pod restarted, an idle timeout) is dropped. Nothing here is
 * required: with no warm exec ready, the caller opens a fresh one.
 */
final class WarmExecs implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(WarmExecs.class);

    /**
     * Reads one line of single-quoted words (a newline inside a word is written {@code '"$NL"'}) and
     * becomes that command; end of input before a line (the exec closed while waiting) ends it quietly.
     */
    static final String LAUNCHER = "IFS= read -r l || exit 0; NL='\n'; eval \"set -- $l\"; exec \"$@\"";
    static final Duration SHRINK_AFTER = Duration.ofMinutes(1);

    /** Opens the launcher exec of a sandbox, writing to the given streams. */
    interface Opener {
        ExecWatch open(String sandboxId, List<String> argv, OutputStream stdout, OutputStream stderr);
    }

    /** A warm exec and the two streams it writes to, bound to a caller's once taken. */
    record Warm(ExecWatch watch, Redirect stdout, Redirect stderr) {
        boolean alive() {
            return !watch.exitCode().isDone();
        }
    }

    private final Opener opener;
    private final int max;
    private final Clock clock;
    private final ExecutorService opening = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, Pool> pools = new ConcurrentHashMap<>();

    WarmExecs(Opener opener, int max, Clock clock) {
        this.opener = opener;
        this.max = max;
        this.clock = clock;
    }

    /**
     * A warm exec of the sandbox turned into {@code argv}, writing to the caller's streams, with
     * {@code stdin} (if any) written after the command line; empty when none was ready.
     */
    Optional<ExecWatch> take(String sandboxId, List<String> argv, byte[] stdin, OutputStream stdout, OutputStream stderr) {
        if (max <= 0) {
            return Optional.empty();
        }
        Pool pool = pools.computeIfAbsent(sandboxId, Pool::new);
        Warm warm;
        while ((warm = pool.ready.pollFirst()) != null && !warm.alive()) {
            warm.watch().close();
        }
        pool.used(warm == null);
        pool.refill();
        if (warm == null) {
            return Optional.empty();
        }
        warm.stdout().to(stdout);
        warm.stderr().to(stderr);
        try {
            OutputStream in = warm.watch().getInput();
            in.write(line(argv));
            if (stdin != null && stdin.length > 0) {
                in.write(stdin);
            }
            in.flush();
        } catch (IOException e) {
            LOG.debugf("a warm exec of %s was gone when taken: %s", sandboxId, e.getMessage());
            warm.watch().close();
            return Optional.empty();
        }
        return Optional.of(warm.watch());
    }

    /** Closes the warm execs of a sandbox that is gone. */
    void forget(String sandboxId) {
        Pool pool = pools.remove(sandboxId);
        if (pool != null) {
            pool.closeAll();
        }
    }

    @Override
    public void close() {
        pools.keySet().forEach(this::forget);
        opening.shutdownNow();
    }

    /** The command line the launcher reads: each word single-quoted, one line. */
    static byte[] line(List<String> argv) {
        StringBuilder line = new StringBuilder();
        for (String word : argv) {
            if (!line.isEmpty()) {
                line.append(' ');
            }
            line.append('\'');
            for (int i = 0; i < word.length(); i++) {
                char c = word.charAt(i);
                switch (c) {
                    case '\'' -> line.append("'\\''");
                    case '\n' -> line.append("'\"$NL\"'");
                    default -> line.append(c);
                }
            }
            line.append('\'');
        }
        return line.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    }

    private final class Pool {
        private final String sandboxId;
        final ConcurrentLinkedDeque<Warm> ready = new ConcurrentLinkedDeque<>();
        private final AtomicInteger opening = new AtomicInteger();
        private volatile int target = 1;
        private volatile long lastMiss;
        private volatile boolean closed;

        Pool(String sandboxId) {
            this.sandboxId = sandboxId;
        }

        /** Grows the pool when a command found it empty; shrinks it after a quiet minute. */
        void used(boolean missed) {
            long now = clock.millis();
            if (missed) {
                lastMiss = now;
                target = Math.min(max, target + 1);
            } else if (target > 1 && now - lastMiss > SHRINK_AFTER.toMillis()) {
                target = target - 1;
                lastMiss = now;
                Warm extra = ready.pollLast();
                if (extra != null) {
                    extra.watch().close();
                }
            }
        }

        void refill() {
            while (!closed && ready.size() + opening.get() < target) {
                opening.incrementAndGet();
                WarmExecs.this.opening.execute(this::openOne);
            }
        }

        private void openOne() {
            try {
                Redirect out = new Redirect();
                Redirect err = new Redirect();
                ExecWatch watch = opener.open(sandboxId, List.of("sh", "-c", LAUNCHER, "tbx-warm"), out, err);
                Warm warm = new Warm(watch, out, err);
                watch.exitCode().whenComplete((code, failure) -> ready.remove(warm));
                if (closed) {
                    watch.close();
                } else {
                    ready.addLast(warm);
                }
            } catch (RuntimeException e) {
                LOG.debugf("could not warm an exec in %s: %s", sandboxId, e.getMessage());
            } finally {
                opening.decrementAndGet();
            }
        }

        void closeAll() {
            closed = true;
            Warm warm;
            while ((warm = ready.pollFirst()) != null) {
                warm.watch().close();
            }
        }
    }

    /** An output stream whose destination is chosen after the exec opened: nothing until then. */
    static final class Redirect extends OutputStream {
        private volatile OutputStream target = OutputStream.nullOutputStream();

        void to(OutputStream destination) {
            target = destination;
        }

        @Override
        public void write(int b) throws IOException {
            target.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            target.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            target.flush();
        }

        @Override
        public void close() throws IOException {
            target.close();
        }
    }
}
