package io.tensorbox.scheduler.exec;

import io.tensorbox.common.ApiException;
import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.ExecResult;
import io.tensorbox.scheduler.config.SchedulerConfig;
import io.tensorbox.scheduler.runtime.ExecGuards;
import io.tensorbox.scheduler.runtime.ExecHandle;
import io.tensorbox.scheduler.runtime.RuntimeUnavailableException;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Buffered execs with a deadline and an output cap, the same on every runtime. The deadline is kept
 * inside the sandbox ({@code timeout -s KILL}, which kills the command's whole process group), since
 * on kubernetes giving up on an exec does not end its command; our own wait is only the backstop.
 */
@ApplicationScoped
public class ExecService {

    /** How long past its deadline we wait for the sandbox to report a command it killed. */
    static final Duration DEADLINE_GRACE = Duration.ofSeconds(5);

    private final SandboxRuntime runtime;
    private final SchedulerConfig config;
    private final Semaphore slots;

    ExecService(SandboxRuntime runtime, SchedulerConfig config) {
        this.runtime = runtime;
        this.config = config;
        this.slots = new Semaphore(config.execMaxConcurrent(), true);
    }

    /**
     * A buffered exec for a caller from outside the scheduler: at most
     * {@code tensorbox.scheduler.exec-max-concurrent} run at once; over that one waits up to
     * {@code exec-queue-timeout} for a slot, then is refused with 429.
     */
    public ExecResult runBounded(String sandboxId, ExecRequest request) {
        boolean acquired;
        try {
            acquired = slots.tryAcquire(config.execQueueTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeUnavailableException("interrupted while waiting to run " + request.argv().getFirst());
        }
        if (!acquired) {
            throw new ApiException(429, "too_many_execs", "the scheduler runs " + config.execMaxConcurrent()
                    + " buffered execs already; retry later");
        }
        try {
            return run(sandboxId, request);
        } finally {
            slots.release();
        }
    }

    public ExecResult run(String sandboxId, ExecRequest request) {
        long timeoutMs = request.timeoutMs() > 0 ? request.timeoutMs() : config.execDefaultTimeout().toMillis();
        ExecRequest deadlined = new ExecRequest(ExecGuards.killedAt(Duration.ofMillis(timeoutMs), request.argv()),
                request.cwd(), request.env(), request.stdin(), timeoutMs);
        CappedBuffer out = new CappedBuffer(config.execOutputCapBytes());
        CappedBuffer err = new CappedBuffer(config.execOutputCapBytes());
        long start = System.nanoTime();
        boolean timedOut = false;
        int exitCode;
        // timeout(1) ends the command's whole group at the deadline where it runs: the caller-gone
        // watchdog of SandboxRuntime.exec would only add processes to every buffered exec.
        try (ExecHandle handle = runtime.spawn(sandboxId, deadlined, out, err)) {
            exitCode = handle.exitCode().get(timeoutMs + DEADLINE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            timedOut = true;
            exitCode = -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeUnavailableException("interrupted while running " + request.argv().getFirst());
        } catch (ExecutionException e) {
            throw new RuntimeUnavailableException("exec failed: " + e.getCause().getMessage(), e.getCause());
        }
        long durationMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (exitCode == ExecGuards.KILLED_AT_DEADLINE && durationMs >= timeoutMs) {
            timedOut = true;
            exitCode = -1;
        }
        return new ExecResult(out.bytes(), err.bytes(), exitCode, durationMs, timedOut, out.cut || err.cut);
    }

    /** Keeps the first {@code cap} bytes and counts the rest away, so the command never blocks on us. */
    static final class CappedBuffer extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final int cap;
        private volatile boolean cut;

        CappedBuffer(int cap) {
            this.cap = cap;
        }

        @Override
        public synchronized void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            int room = cap - bytes.size();
            if (len > room) {
                cut = true;
            }
            bytes.write(b, off, Math.max(0, Math.min(room, len)));
        }

        synchronized byte[] bytes() {
            return bytes.toByteArray();
        }
    }
}
