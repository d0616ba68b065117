package io.tensorbox.e2e.bench;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.restassured.path.json.JsonPath;
import io.tensorbox.e2e.Api;
import io.tensorbox.e2e.RuntimeKind;
import io.tensorbox.e2e.TensorBoxTest;

/**
 * Latencies of the local runtime, each beside what the same work costs without TensorBox.
 * Not part of {@code verify}: run with {@code -Pbench} (see bench/README.md).
 */
@TensorBoxTest
class PlatformBench {
    private static final int ITERATIONS = Integer.getInteger("bench.iterations", 30);
    private static final int WARMUP = Integer.getInteger("bench.warmup", 5);
    private static final int LOG_BYTES = 10 * 1024 * 1024 - 1; // just under the roll, so it is one file

    private final List<String> rows = new ArrayList<>();

    @Test
    void measure() throws Exception {
        assumeTrue(Api.cluster().runtime() == RuntimeKind.LOCAL, "PlatformBench measures the local runtime; KubernetesBench the cluster");
        String sandbox = Api.newSandbox();
        Path scratch = Files.createTempDirectory("tbx-bench-");

        row("sandbox create → running",
                Samples.take(WARMUP, ITERATIONS, () -> createToRunning()),
                "mkdir workspace+state dirs", Samples.take(WARMUP, ITERATIONS, () -> mkdirs(scratch)));
        row("process start (POST → 201)",
                Samples.take(WARMUP, ITERATIONS, () -> ApiTimings.startProcess(sandbox)),
                "ProcessBuilder.start() of the same command", Samples.take(WARMUP, ITERATIONS, () -> forkExec(scratch)));
        row("exit detected after the process ends",
                Samples.take(WARMUP, ITERATIONS, () -> exitDetection(sandbox)),
                "Process.waitFor() returns after the same end", Samples.take(WARMUP, ITERATIONS, () -> exitByWaitFor(scratch)));

        long[] bareTrue = Samples.take(WARMUP, ITERATIONS, () -> forkExecTrue(scratch));
        row("run `true`, argv form (POST /run → 200)",
                Samples.take(WARMUP, ITERATIONS, () -> ApiTimings.runTrue(sandbox, false)),
                "ProcessBuilder `true` until it exited", bareTrue);
        row("run `true`, shell line (bash -l -c)",
                Samples.take(WARMUP, ITERATIONS, () -> ApiTimings.runTrue(sandbox, true)),
                "ProcessBuilder `bash -l -c true` until it exited",
                Samples.take(WARMUP, ITERATIONS, () -> forkExec(scratch, "bash", "-l", "-c", "true")));
        row("first SSE byte of `echo hi; sleep 1` (POST /run, event-stream)",
                Samples.take(WARMUP, ITERATIONS, () -> ApiTimings.firstSseByte(sandbox)),
                "ProcessBuilder `sh -c 'echo hi; sleep 1'` until `hi` is read",
                Samples.take(WARMUP, ITERATIONS, () -> firstByte(scratch)));

        String big = Api.startProcess(sandbox, "sh", "-c", "seq 1 2000000 | head -c " + LOG_BYTES).getString("id");
        Api.awaitState(sandbox, big, "exited", Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(30)).until(() -> Api.logs(sandbox, big).length == LOG_BYTES);
        Path file = Api.cluster().home().resolve("sandboxes").resolve(sandbox).resolve("state/logs/proc-" + big + ".log");
        row("log read, 10 MiB (GET /logs)",
                Samples.take(WARMUP, ITERATIONS, () -> readLog(sandbox, big)),
                "Files.readAllBytes of the same file", Samples.take(WARMUP, ITERATIONS, () -> readFile(file)));

        String report = report();
        System.out.println(report);
        Files.writeString(Path.of(System.getProperty("tensorbox.root", ".."), "e2e-tests/target/bench-results.md"), report);
        Api.deleteSandbox(Api.developer(), sandbox);
    }

    // ---- the platform

    private long createToRunning() {
        long t0 = System.nanoTime();
        JsonPath sbx = Api.createSandbox(Api.developer(), Map.of());
        String id = sbx.getString("id");
        if (!"running".equals(sbx.getString("state"))) {
            await().pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(30))
                    .until(() -> Api.sandbox(Api.developer(), id).getString("state"), "running"::equals);
        }
        long elapsed = System.nanoTime() - t0;
        Api.deleteSandbox(Api.developer(), id);
        return elapsed;
    }

    /** The process prints its own end time (ns) just before it exits; polls the record every 5 ms. */
    private long exitDetection(String sandbox) {
        String id = Api.startProcess(sandbox, "sh", "-c", "sleep 0.2; date +%s%N").getString("id");
        await().pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(10))
                .until(() -> Api.process(sandbox, id).getString("state"), "exited"::equals);
        long seen = nowNanos();
        long ended = Long.parseLong(new String(Api.awaitLogs(sandbox, id, new byte[10]), StandardCharsets.UTF_8).trim());
        return seen - ended;
    }

    private long readLog(String sandbox, String id) {
        long t0 = System.nanoTime();
        byte[] bytes = Api.logs(sandbox, id);
        long elapsed = System.nanoTime() - t0;
        assertEquals(LOG_BYTES, bytes.length);
        return elapsed;
    }

    // ---- the baselines

    private static long mkdirs(Path scratch) throws IOException {
        Path dir = scratch.resolve("sbx-" + System.nanoTime());
        long t0 = System.nanoTime();
        Files.createDirectories(dir.resolve("workspace"));
        Files.createDirectories(dir.resolve("state"));
        return System.nanoTime() - t0;
    }

    private static long forkExec(Path scratch) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("sleep", "1000").directory(scratch.toFile()).start();
        long elapsed = System.nanoTime() - t0;
        p.destroyForcibly().waitFor();
        return elapsed;
    }

    private static long forkExecTrue(Path scratch) throws IOException, InterruptedException {
        return forkExec(scratch, "true");
    }

    /** Fork/exec of {@code argv} until it exited. */
    private static long forkExec(Path scratch, String... argv) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(argv).directory(scratch.toFile()).start();
        int exit = p.waitFor();
        long elapsed = System.nanoTime() - t0;
        assertEquals(0, exit, String.join(" ", argv));
        return elapsed;
    }

    private static long firstByte(Path scratch) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("sh", "-c", "echo hi; sleep 1").directory(scratch.toFile()).start();
        int b = p.getInputStream().read();
        long elapsed = System.nanoTime() - t0;
        assertEquals('h', b);
        p.destroyForcibly().waitFor();
        return elapsed;
    }

    private static long exitByWaitFor(Path scratch) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", "sleep 0.2; date +%s%N").directory(scratch.toFile()).start();
        p.waitFor();
        long seen = nowNanos();
        long ended = Long.parseLong(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        return seen - ended;
    }

    private static long readFile(Path file) throws IOException {
        long t0 = System.nanoTime();
        byte[] bytes = Files.readAllBytes(file);
        long elapsed = System.nanoTime() - t0;
        assertEquals(LOG_BYTES, bytes.length);
        return elapsed;
    }

    /** Wall clock in ns, comparable with {@code date +%s%N} in a child process. */
    private static long nowNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    // ---- statistics

    private void row(String what, long[] platform, String baselineName, long[] baseline) {
        rows.add(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %s | %.2f | %.2f |", what,
                Samples.percentileMs(platform, 0.50), Samples.percentileMs(platform, 0.99), baselineName,
                Samples.percentileMs(baseline, 0.50), Samples.percentileMs(baseline, 0.99)));
    }

    private String report() {
        return "TensorBox local runtime, " + ITERATIONS + " samples after " + WARMUP + " warm-up, "
                + Runtime.getRuntime().availableProcessors() + " CPUs, JVM " + Runtime.version() + "\n\n"
                + "| measure | p50 ms | p99 ms | baseline | p50 ms | p99 ms |\n"
                + "| --- | --- | --- | --- | --- | --- |\n"
                + String.join("\n", rows) + "\n";
    }
}
