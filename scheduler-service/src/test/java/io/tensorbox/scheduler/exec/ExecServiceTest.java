package io.tensorbox.scheduler.exec;

import io.tensorbox.common.ApiException;
import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.SandboxSpec;
import io.tensorbox.common.SandboxStatus;
import io.tensorbox.scheduler.runtime.ExecHandle;
import io.tensorbox.scheduler.runtime.SandboxLayout;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import io.tensorbox.scheduler.runtime.kubernetes.TestRuntimes;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Buffered execs hold a thread and their output each: only so many run at once. */
class ExecServiceTest {

    /** Execs that run until released; they see the argv the runtime would run. */
    static final class HeldRuntime implements SandboxRuntime {
        final CompletableFuture<Integer> release = new CompletableFuture<>();
        final List<List<String>> spawned = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public ExecHandle spawn(String sandboxId, ExecRequest request, OutputStream stdout, OutputStream stderr) {
            spawned.add(request.argv());
            return new ExecHandle() {
                @Override
                public CompletableFuture<Integer> exitCode() {
                    return release;
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public SandboxStatus create(SandboxSpec spec) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SandboxStatus status(String sandboxId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void delete(String sandboxId) {
        }

        @Override
        public List<SandboxStatus> list() {
            return List.of();
        }

        @Override
        public SandboxLayout layout(String sandboxId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Channel openChannel(String sandboxId, List<String> argv, OutputStream stdout) {
            throw new UnsupportedOperationException();
        }

        @Override
        public io.tensorbox.scheduler.runtime.Terminal openTerminal(String sandboxId,
                io.tensorbox.scheduler.runtime.TerminalRequest request, OutputStream output) {
            throw new UnsupportedOperationException();
        }

        @Override
        public AutoCloseable lead(String identity, Runnable onStart, Runnable onStop) {
            return () -> { };
        }

        @Override
        public void onSandboxChange(SandboxListener listener) {
        }
    }

    @Test
    void overTheBoundAnExecWaitsBrieflyThenIsRefusedWith429() throws Exception {
        HeldRuntime runtime = new HeldRuntime();
        ExecService execs = new ExecService(runtime, TestRuntimes.tensorbox(Map.of(
                "tensorbox.scheduler.exec-max-concurrent", "2",
                "tensorbox.scheduler.exec-queue-timeout", "200ms")).scheduler());
        ExecRequest request = new ExecRequest(List.of("sleep", "5"), null, null, null, 10_000);
        ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();
        try {
            Future<?> first = callers.submit(() -> execs.runBounded("sbx", request));
            Future<?> second = callers.submit(() -> execs.runBounded("sbx", request));
            await().until(() -> runtime.spawned.size() == 2);

            assertThatThrownBy(() -> execs.runBounded("sbx", request))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(429);
                        assertThat(e.code()).isEqualTo("too_many_execs");
                    });

            runtime.release.complete(0);
            first.get(5, TimeUnit.SECONDS);
            second.get(5, TimeUnit.SECONDS);
            assertThat(execs.runBounded("sbx", request).exitCode()).as("a slot is free again").isZero();
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void theDeadlineTravelsWithTheCommandIntoTheSandbox() {
        HeldRuntime runtime = new HeldRuntime();
        runtime.release.complete(0);
        ExecService execs = new ExecService(runtime, TestRuntimes.tensorbox(Map.of()).scheduler());

        execs.run("sbx", new ExecRequest(List.of("sleep", "5"), null, null, "in".getBytes(), 1500));

        assertThat(runtime.spawned).containsExactly(List.of("timeout", "-s", "KILL", "1.500", "sleep", "5"));
    }
}
