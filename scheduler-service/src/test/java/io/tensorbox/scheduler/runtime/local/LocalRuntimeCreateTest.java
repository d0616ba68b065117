package io.tensorbox.scheduler.runtime.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tensorbox.common.Ids;
import io.tensorbox.common.SandboxSpec;
import io.tensorbox.common.SandboxState;
import io.tensorbox.common.SandboxStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The API's create call and the reconcile loop can create one sandbox at the same moment. */
class LocalRuntimeCreateTest {

    @TempDir
    Path home;

    @Test
    void concurrentCreatesOfOneSandboxAllAnswerRunning() throws Exception {
        LocalRuntime runtime = new LocalRuntime(() -> home, new ObjectMapper());
        int callers = 4;
        try (ExecutorService pool = Executors.newFixedThreadPool(callers)) {
            for (int round = 0; round < 50; round++) {
                SandboxSpec spec = new SandboxSpec(Ids.newSandboxId(), "team", "base", Map.of());
                CyclicBarrier together = new CyclicBarrier(callers);
                List<CompletableFuture<SandboxStatus>> creates = IntStream.range(0, callers)
                        .mapToObj(i -> CompletableFuture.supplyAsync(() -> {
                            await(together);
                            return runtime.create(spec);
                        }, pool))
                        .toList();
                for (CompletableFuture<SandboxStatus> create : creates) {
                    SandboxStatus status = create.get();
                    assertThat(status.state()).as("%s: %s", spec.id(), status.reason()).isEqualTo(SandboxState.running);
                }
                assertThat(runtime.status(spec.id()).state()).isEqualTo(SandboxState.running);
                assertThat(home.resolve("sandboxes").resolve(spec.id()))
                        .isDirectoryNotContaining(p -> p.getFileName().toString().endsWith(".tmp"));
            }
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
