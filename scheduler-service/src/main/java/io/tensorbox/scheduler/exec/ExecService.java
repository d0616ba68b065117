package io.tensorbox.scheduler.exec;

import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.ExecResult;
import io.tensorbox.scheduler.config.SchedulerConfig;
import io.tensorbox.scheduler.runtime.ExecHandle;
import io.tensorbox.scheduler.runtime.RuntimeUnavailableException;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Buffered execs with a deadline and an output cap, the same on every runtime. */
@ApplicationScoped
public class ExecService {

    private final SandboxRuntime runtime;
    private final SchedulerConfig config;

    ExecService(SandboxRuntime runtime, SchedulerConfig config) {
        this.runtime = runtime;
        this.config = config;
    }

    public ExecResult run(String sandboxId, ExecRequest request) {
        long timeoutMs = request.timeoutMs() > 0 ? request.timeoutMs() : config.execDefaultTimeout().toMillis();
        CappedBuffer out = new CappedBuffer(config.execOutputCapBytes());
        CappedBuffer err = new CappedBuffer(config.execOutputCapBytes());
        long start = System.nanoTime();
        boolean timedOut = false;
        int exitCode;
        try (ExecHandle handle = runtime.exec(sandboxId, request, out, err)) {
            exitCode = handle.exitCode().get(timeoutMs, TimeUnit.MILLISECONDS);
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
        return new ExecResult(out.text(), err.text(), exitCode, durationMs, timedOut, out.cut || err.cut);
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

        String text() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }
    }
}
