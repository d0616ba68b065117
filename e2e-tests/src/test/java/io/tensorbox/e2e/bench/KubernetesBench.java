package io.tensorbox.e2e.bench;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.tensorbox.e2e.Api;
import io.tensorbox.e2e.KubernetesSandboxes;
import io.tensorbox.e2e.RuntimeKind;
import io.tensorbox.e2e.Service;
import io.tensorbox.e2e.TensorBoxTest;

/**
 * Issue 3's figures on the cluster {@code KUBECONFIG} names, each beside what kubectl and a raw
 * fabric8 client take for the same work on the same cluster in the same run. Run with
 * {@code -Pbench} and KUBECONFIG set (see bench/README.md).
 */
@TensorBoxTest
class KubernetesBench {
    private static final int ITERATIONS = Integer.getInteger("bench.iterations", 30);
    private static final int WARMUP = Integer.getInteger("bench.warmup", 5);
    /** Pods take about a second each and leave a terminating pod behind: fewer samples. */
    private static final int POD_ITERATIONS = Integer.getInteger("bench.pod-iterations", 10);
    private static final int POD_WARMUP = Integer.getInteger("bench.pod-warmup", 2);
    private static final String IMAGE = System.getProperty("bench.image", "tensorbox/sandbox-base:dev");
    /** Baseline pods carry this label, not TensorBox's: the scheduler would delete those as orphans. */
    private static final String BENCH_LABEL = "tensorbox.io/bench";

    private final List<String> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private int podCounter;
    private final List<Long> podReadySeen = new ArrayList<>();

    @Test
    void measure() throws Exception {
        assumeTrue(Api.cluster().runtime() == RuntimeKind.KUBERNETES, "KubernetesBench needs KUBECONFIG (runtime kubernetes)");
        KubernetesSandboxes k8s = Api.cluster().kubernetes();
        String sandbox = Api.newSandbox();
        String pod = KubernetesSandboxes.podName(sandbox);
        notes.add("uptime before: " + uptime());

        long[] ours = Samples.take(POD_WARMUP, POD_ITERATIONS, this::createToRunning);
        long[] readySeen = podReadySeen.subList(POD_WARMUP, podReadySeen.size()).stream().mapToLong(Long::longValue).sorted().toArray();
        long[] kubectlRun = Samples.take(POD_WARMUP, POD_ITERATIONS, this::kubectlRunToReady);
        long[] fabric8Pod = Samples.take(POD_WARMUP, POD_ITERATIONS, this::fabric8CreateToReady);
        row("sandbox create → running (POST, poll every 5 ms)", ours, "`kubectl run` + `kubectl wait --for=condition=Ready`", kubectlRun);
        row("", null, "fabric8 create pod + wait Ready (informer)", fabric8Pod);
        row("breakdown: of which until our client first sees the sandbox's pod Ready (same polls)", readySeen, "", null);

        long[] kubectlExec = Samples.take(WARMUP, ITERATIONS, () -> kubectlExecTrue(pod, k8s.namespace()));
        long[] fabric8Exec = Samples.take(WARMUP, ITERATIONS, () -> fabric8ExecTrue(k8s, sandbox));
        long[] start = Samples.take(WARMUP, ITERATIONS, () -> ApiTimings.startProcess(sandbox));
        long[] runTrue = Samples.take(WARMUP, ITERATIONS, () -> runTrueUntilRecorded(sandbox));
        row("process start `sleep 1000` (POST → 201)", start, "`kubectl exec POD -- true` (CLI invocation)", kubectlExec);
        row("", null, "fabric8 exec of `true` until its exit code", fabric8Exec);
        row("run `true` until its exit is recorded (POST, poll GET every 5 ms)", runTrue, "`kubectl exec POD -- true`", kubectlExec);
        row("", null, "fabric8 exec of `true`", fabric8Exec);

        long[] runApi = Samples.take(WARMUP, ITERATIONS, () -> ApiTimings.runTrue(sandbox, false));
        long[] runShell = Samples.take(WARMUP, ITERATIONS, () -> ApiTimings.runTrue(sandbox, true));
        long[] firstByte = Samples.take(WARMUP, ITERATIONS, () -> ApiTimings.firstSseByte(sandbox));
        row("run `true`, argv form (POST /run → 200)", runApi, "`kubectl exec POD -- true`", kubectlExec);
        row("run `true`, shell line (POST /run → 200, bash -l -c)", runShell, "fabric8 exec of `true`", fabric8Exec);
        row("first SSE byte of `echo hi; sleep 1` (POST /run, event-stream)", firstByte, "`kubectl exec POD -- true`", kubectlExec);

        // Where the time goes: the same exec without api-service, and one public hop that touches no pod.
        long[] internalExec = Samples.take(WARMUP, ITERATIONS, () -> schedulerExecTrue(sandbox));
        String idle = Api.startProcess(sandbox, "sleep", "1000").getString("id");
        long[] get = Samples.take(WARMUP, ITERATIONS, () -> getRecord(sandbox, idle));
        row("breakdown: scheduler `POST /internal/v1/sandboxes/{id}/exec` `true` (no api hop)", internalExec,
                "fabric8 exec of `true`", fabric8Exec);
        row("breakdown: `GET /v1/sandboxes/{id}/processes/{p}` (api + PostgreSQL, no pod)", get, "", null);
        long[] schedulerStart = Samples.take(WARMUP, ITERATIONS, () -> schedulerStart(sandbox));
        long[] podGet = Samples.take(WARMUP, ITERATIONS, () -> fabric8GetPod(k8s, sandbox));
        long[] kubectlGet = Samples.take(WARMUP, ITERATIONS, () -> kubectlGetPod(pod, k8s.namespace()));
        row("breakdown: scheduler `POST /internal/v1/sandboxes/{id}/processes` `sleep 1000` (no api hop)", schedulerStart,
                "fabric8 GET of the pod (one API server round trip, no exec)", podGet);
        row("", null, "`kubectl get pod POD -o name` (CLI start + one round trip)", kubectlGet);

        ratio("process start / kubectl exec", start, kubectlExec);
        ratio("run `true` until recorded / kubectl exec", runTrue, kubectlExec);
        ratio("scheduler exec `true` / kubectl exec", internalExec, kubectlExec);
        ratio("POST /run `true` / kubectl exec (aim ≤ 0.2)", runApi, kubectlExec);
        notes.add("runs of `true` that did not answer exit code 0: " + ApiTimings.FAILED_RUNS.get() + " of "
                + 2 * (WARMUP + ITERATIONS));
        ratio("first SSE byte / kubectl exec", firstByte, kubectlExec);
        ratio("scheduler exec `true` / fabric8 exec", internalExec, fabric8Exec);
        ratio("create → running / kubectl run-to-Ready", ours, kubectlRun);
        ratio("create → running / fabric8 create-to-Ready", ours, fabric8Pod);
        notes.add("uptime after: " + uptime());

        String report = report();
        System.out.println(report);
        Files.writeString(Path.of(System.getProperty("tensorbox.root", ".."), "e2e-tests/target/bench-kubernetes-results.md"), report);
        Api.deleteSandbox(Api.developer(), sandbox);
    }

    @AfterAll
    static void deleteBaselinePods() {
        KubernetesSandboxes k8s = Api.cluster().kubernetes();
        k8s.client().pods().inNamespace(k8s.namespace()).withLabel(BENCH_LABEL).withGracePeriod(0).delete();
    }

    // ---- TensorBox

    /** Also notes when the pod itself is first seen Ready (a GET of the pod in each poll), into {@link #podReadySeen}. */
    private long createToRunning() {
        KubernetesSandboxes k8s = Api.cluster().kubernetes();
        long t0 = System.nanoTime();
        JsonPath sbx = Api.createSandbox(Api.developer(), Map.of());
        String id = sbx.getString("id");
        long[] readySeen = {0};
        if (!"running".equals(sbx.getString("state"))) {
            await().pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(60)).until(() -> {
                if (readySeen[0] == 0 && isReady(k8s.pod(id).get())) {
                    readySeen[0] = System.nanoTime();
                }
                return "running".equals(Api.sandbox(Api.developer(), id).getString("state"));
            });
        }
        long elapsed = System.nanoTime() - t0;
        podReadySeen.add((readySeen[0] == 0 ? System.nanoTime() : readySeen[0]) - t0);
        Api.deleteSandbox(Api.developer(), id);
        awaitGone(KubernetesSandboxes.podName(id));
        return elapsed;
    }

    private long runTrueUntilRecorded(String sandbox) {
        long t0 = System.nanoTime();
        String id = Api.startProcess(sandbox, "true").getString("id");
        await().pollInterval(Duration.ofMillis(5)).pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                .until(() -> Api.process(sandbox, id).getString("state"), "exited"::equals);
        return System.nanoTime() - t0;
    }

    private long schedulerExecTrue(String sandbox) {
        long t0 = System.nanoTime();
        int exit = given().baseUri(Api.cluster().url(Service.SCHEDULER)).header("X-Tensorbox-Internal-Token", Api.cluster().internalToken()).contentType(ContentType.JSON)
                .body(Map.of("argv", List.of("true"), "timeoutMs", 10_000))
                .post("/internal/v1/sandboxes/{id}/exec", sandbox)
                .then().statusCode(200).extract().jsonPath().getInt("exitCode");
        long elapsed = System.nanoTime() - t0;
        assertEquals(0, exit);
        return elapsed;
    }

    /** A process the api-service does not know: its exit event is ignored there (unknown ids are). */
    private long schedulerStart(String sandbox) {
        String id = "proc_" + java.util.HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(12)
                .putLong(System.nanoTime()).putInt(podCounter++).array());
        var scheduler = given().baseUri(Api.cluster().url(Service.SCHEDULER)).header("X-Tensorbox-Internal-Token", Api.cluster().internalToken()).contentType(ContentType.JSON);
        long t0 = System.nanoTime();
        String state = scheduler.body(Map.of("id", id, "command", List.of("sleep", "1000"), "env", List.of(), "cwd", ""))
                .post("/internal/v1/sandboxes/{id}/processes", sandbox)
                .then().statusCode(200).extract().jsonPath().getString("state");
        long elapsed = System.nanoTime() - t0;
        assertEquals("running", state);
        given().baseUri(Api.cluster().url(Service.SCHEDULER)).header("X-Tensorbox-Internal-Token", Api.cluster().internalToken()).contentType(ContentType.JSON).body(Map.of("signal", "KILL"))
                .post("/internal/v1/sandboxes/{id}/processes/{p}/signal", sandbox, id);
        return elapsed;
    }

    private static long fabric8GetPod(KubernetesSandboxes k8s, String sandbox) {
        long t0 = System.nanoTime();
        Pod pod = k8s.pod(sandbox).get();
        long elapsed = System.nanoTime() - t0;
        assertEquals(KubernetesSandboxes.podName(sandbox), pod.getMetadata().getName());
        return elapsed;
    }

    private static long kubectlGetPod(String pod, String namespace) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        int exit = run("kubectl", "get", "pod", "-n", namespace, pod, "-o", "name");
        long elapsed = System.nanoTime() - t0;
        assertEquals(0, exit);
        return elapsed;
    }

    private long getRecord(String sandbox, String process) {
        long t0 = System.nanoTime();
        Api.process(sandbox, process);
        return System.nanoTime() - t0;
    }

    // ---- the baselines

    private static long kubectlExecTrue(String pod, String namespace) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        int exit = run("kubectl", "exec", "-n", namespace, pod, "-c", "sandbox", "--", "true");
        long elapsed = System.nanoTime() - t0;
        assertEquals(0, exit, "kubectl exec " + pod + " -- true");
        return elapsed;
    }

    private static long fabric8ExecTrue(KubernetesSandboxes k8s, String sandbox) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        try (ExecWatch watch = k8s.pod(sandbox).inContainer("sandbox").writingOutput(out).writingError(out).exec("true")) {
            int exit = watch.exitCode().get(30, TimeUnit.SECONDS);
            long elapsed = System.nanoTime() - t0;
            assertEquals(0, exit);
            return elapsed;
        }
    }

    private static boolean isReady(Pod p) {
        return p != null && p.getStatus() != null && p.getStatus().getConditions() != null
                && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private long kubectlRunToReady() throws IOException, InterruptedException {
        KubernetesSandboxes k8s = Api.cluster().kubernetes();
        String name = "bench-kubectl-" + (podCounter++);
        long t0 = System.nanoTime();
        assertEquals(0, run("kubectl", "run", name, "-n", k8s.namespace(), "--image=" + IMAGE, "--image-pull-policy=IfNotPresent",
                "--restart=Never", "--labels=" + BENCH_LABEL + "=kubectl", "--command", "--", "sleep", "infinity"));
        assertEquals(0, run("kubectl", "wait", "-n", k8s.namespace(), "--for=condition=Ready", "pod/" + name, "--timeout=60s"));
        long elapsed = System.nanoTime() - t0;
        k8s.client().pods().inNamespace(k8s.namespace()).withName(name).withGracePeriod(0).delete();
        awaitGone(name);
        return elapsed;
    }

    private long fabric8CreateToReady() {
        KubernetesSandboxes k8s = Api.cluster().kubernetes();
        String name = "bench-fabric8-" + (podCounter++);
        Pod pod = new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(k8s.namespace()).addToLabels(BENCH_LABEL, "fabric8").endMetadata()
                .withNewSpec().withRestartPolicy("Never")
                    .addNewContainer().withName("sandbox").withImage(IMAGE).withImagePullPolicy("IfNotPresent")
                        .withCommand("sleep", "infinity").endContainer()
                .endSpec().build();
        var pods = k8s.client().pods().inNamespace(k8s.namespace());
        long t0 = System.nanoTime();
        pods.resource(pod).create();
        pods.withName(name).waitUntilCondition(KubernetesBench::isReady, 60, TimeUnit.SECONDS);
        long elapsed = System.nanoTime() - t0;
        pods.withName(name).withGracePeriod(0).delete();
        awaitGone(name);
        return elapsed;
    }

    /** Terminating pods cost the node CPU: the next sample starts once the previous pod is gone. */
    private static void awaitGone(String podName) {
        KubernetesSandboxes k8s = Api.cluster().kubernetes();
        await("pod " + podName + " gone").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> k8s.client().pods().inNamespace(k8s.namespace()).withName(podName).get() == null);
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        int exit = p.waitFor();
        if (exit != 0) {
            System.err.println("[bench] " + String.join(" ", command) + " exited " + exit + ": " + new String(output, StandardCharsets.UTF_8));
        }
        return exit;
    }

    private static String uptime() {
        try {
            Process p = new ProcessBuilder("uptime").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor();
            return out;
        } catch (IOException e) {
            return "(uptime: " + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    // ---- statistics

    private static String cells(long[] values) {
        return values == null ? " |  |  "
                : String.format(Locale.ROOT, " %.1f | %.1f | %d ", Samples.percentileMs(values, 0.50), Samples.percentileMs(values, 0.99), values.length);
    }

    private void row(String what, long[] platform, String baselineName, long[] baseline) {
        rows.add("| " + what + " |" + cells(platform) + "| " + baselineName + " |" + cells(baseline) + "|");
    }

    private void ratio(String what, long[] ours, long[] theirs) {
        notes.add(String.format(Locale.ROOT, "ratio %s: p50 %.2f, p99 %.2f", what,
                Samples.percentileMs(ours, 0.50) / Samples.percentileMs(theirs, 0.50), Samples.percentileMs(ours, 0.99) / Samples.percentileMs(theirs, 0.99)));
    }

    private String report() {
        return "TensorBox kubernetes runtime on the cluster of KUBECONFIG, " + LocalDateTime.now() + ", "
                + Runtime.getRuntime().availableProcessors() + " CPUs, JVM " + Runtime.version() + "; "
                + ITERATIONS + " samples after " + WARMUP + " warm-up (pods: " + POD_ITERATIONS + " after " + POD_WARMUP + ")\n\n"
                + "| measure | p50 ms | p99 ms | n | baseline | p50 ms | p99 ms | n |\n"
                + "| --- | --- | --- | --- | --- | --- | --- | --- |\n"
                + String.join("\n", rows) + "\n\n"
                + String.join("\n", notes.stream().map(n -> "- " + n).toList()) + "\n";
    }
}
