package io.tensorbox.e2e;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The three packaged TensorBox services running as separate OS processes on free ports, sharing
 * one fresh {@code TENSORBOX_HOME}, one runtime driver ({@link RuntimeKind}: local, or the
 * kubernetes cluster of {@code KUBECONFIG}) and a known bootstrap admin key. Or, with
 * {@code -Dtensorbox.e2e.target=helm} (profile {@code e2e-helm}), the chart installed on the
 * cluster ({@link HelmRelease}): each service is its Service (two replicas behind it), "stopping"
 * one scales its Deployment to zero, and its log is its pods' logs. One instance serves the whole
 * test run ({@link #shared()}); {@link TensorBoxExtension} closes it when the run ends.
 */
public final class TensorBoxCluster implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(
            Long.getLong("tensorbox.e2e.ready-timeout-seconds", 90));
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    /** C1 only and a small serial heap: these JVMs live for minutes on a 2-core machine. */
    private static final String DEFAULT_JVM_ARGS = "-Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1";

    private static TensorBoxCluster shared;
    private static RuntimeException startFailure;

    private final Path root;
    private final Path home;
    private final Path logDir;
    private final String adminKey;
    /** The service identity the three services share on their internal routes. */
    private final String internalToken;
    /** The installed chart, when this run targets one; null when the services are processes here. */
    private final HelmRelease helm;
    private final List<String> jvmArgs;
    private final Map<Service, Integer> ports = new EnumMap<>(Service.class);
    private final Map<Service, Process> running = new EnumMap<>(Service.class);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final RuntimeKind runtime;
    private final LocalSandboxes local;
    private final KubernetesSandboxes kubernetes;

    private TensorBoxCluster(String jvmArgs) {
        root = Path.of(System.getProperty("tensorbox.root", "..")).toAbsolutePath().normalize();
        logDir = root.resolve("e2e-tests/target/e2e-logs");
        try {
            Files.createDirectories(logDir);
            for (Service service : Service.values()) {
                Files.deleteIfExists(logFile(service));
            }
            home = Files.createTempDirectory("tensorbox-e2e-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        adminKey = "ask_" + hex(6) + "_" + hex(16);
        local = new LocalSandboxes(home);
        helm = HelmRelease.fromSystemProperties(root);
        if (helm != null) {
            runtime = RuntimeKind.KUBERNETES;
            try {
                helm.install(adminKey);
                internalToken = helm.internalToken();
                kubernetes = KubernetesSandboxes.connect(helm.sandboxNamespace());
            } catch (RuntimeException e) {
                helm.close();
                throw e;
            }
        } else {
            internalToken = hex(24);
            runtime = RuntimeKind.fromSystemProperties();
            kubernetes = runtime == RuntimeKind.KUBERNETES
                    ? KubernetesSandboxes.connect(System.getProperty("tensorbox.e2e.kubernetes.namespace", "tensorbox-sandboxes"))
                    : null;
        }
        if (kubernetes != null) {
            warnAboutOtherPods();
        }
        this.jvmArgs = Arrays.stream(jvmArgs.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
        for (Service service : Service.values()) {
            int port;
            do {
                port = freePort();
            } while (ports.containsValue(port));
            ports.put(service, port);
        }
    }

    /** The platform shared by every test class of this run, started on first use. */
    public static synchronized TensorBoxCluster shared() {
        if (startFailure != null) {
            throw new IllegalStateException("the platform did not start earlier in this run", startFailure);
        }
        if (shared == null) {
            TensorBoxCluster cluster;
            try {
                cluster = new TensorBoxCluster(System.getProperty("tensorbox.e2e.jvm-args", DEFAULT_JVM_ARGS));
            } catch (RuntimeException e) {
                startFailure = e;
                throw e;
            }
            try {
                cluster.startAll();
            } catch (RuntimeException e) {
                startFailure = e;
                try {
                    cluster.close();
                } catch (RuntimeException | Error closeFailure) {
                    e.addSuppressed(closeFailure);
                }
                throw e;
            }
            shared = cluster;
        }
        return shared;
    }

    /** The running shared platform, or null when none was started (or it failed to start). */
    static synchronized TensorBoxCluster current() {
        return shared;
    }

    static synchronized void closeShared() {
        if (shared != null) {
            shared.close();
            shared = null;
        }
    }

    public String apiUrl() {
        return url(Service.API);
    }

    public String url(Service service) {
        return helm != null ? helm.serviceUrl(service) : "http://localhost:" + ports.get(service);
    }

    /** Where preview hosts ({@code <port>-<sandbox>.localhost}) are served: log-service's (preview) port. */
    public String previewUrl() {
        return helm != null ? helm.previewUrl() : url(Service.LOG);
    }

    /** The installed chart; fails unless this run targets one ({@code -Pe2e-helm}). */
    public HelmRelease helm() {
        if (helm == null) {
            throw new IllegalStateException("this run starts the services as processes; -Pe2e-helm installs the chart");
        }
        return helm;
    }

    public boolean isHelm() {
        return helm != null;
    }

    /** The Lease of the scheduler's leader election (on kubernetes). */
    public String leaseName() {
        return helm != null ? helm.leaseName() : "tensorbox-scheduler";
    }

    public String adminKey() {
        return adminKey;
    }

    /** The token the services authenticate each other with; tests use it to act as a service. */
    public String internalToken() {
        return internalToken;
    }

    public Path home() {
        return home;
    }

    public RuntimeKind runtime() {
        return runtime;
    }

    /** The state files of sandboxes, wherever this run's runtime keeps them. */
    public SandboxFiles files() {
        return kubernetes != null ? kubernetes : local;
    }

    /** The pids of sandbox processes, wherever this run's runtime runs them. */
    public SandboxPids pids() {
        return kubernetes != null ? kubernetes : local;
    }

    /** The cluster, for kubernetes-only checks; fails on a local run. */
    public KubernetesSandboxes kubernetes() {
        if (kubernetes == null) {
            throw new IllegalStateException("this run uses the " + runtime.driver() + " runtime, not kubernetes");
        }
        return kubernetes;
    }

    /**
     * The scheduler deletes pods of our label that its api-service has no record of, and one
     * scheduler per namespace leads: two runs on one namespace would fight. Say so up front.
     */
    private void warnAboutOtherPods() {
        var others = kubernetes.tensorBoxPods();
        if (!others.isEmpty()) {
            System.err.println("[e2e] WARNING: namespace " + kubernetes.namespace() + " already holds " + others.size()
                    + " TensorBox pod(s) (" + others.stream().map(p -> p.getMetadata().getName()).collect(Collectors.joining(", "))
                    + "); this run's scheduler will delete them as orphans. Another run using the namespace at the same time "
                    + "will fail: use -Dtensorbox.e2e.kubernetes.namespace=... for a namespace of your own.");
        }
    }

    /** Starts every service that is not running, all at once, and waits until each is ready. */
    public void startAll() {
        if (helm != null) {
            for (Service service : Service.values()) {
                helm.scale(service, helm.replicas(service));
            }
            helm.awaitReady();
            return;
        }
        for (Service service : Service.values()) {
            if (!isRunning(service)) {
                launch(service);
            }
        }
        for (Service service : Service.values()) {
            awaitReady(service);
        }
    }

    /** Stops every service at once (SIGTERM to each, then waits for each). */
    public void stopAll() {
        if (helm != null) {
            for (Service service : Service.values()) {
                helm.scale(service, 0);
            }
            for (Service service : Service.values()) {
                helm.scaleToZero(service);
            }
            return;
        }
        for (Service service : Service.values()) {
            Process p = running.get(service);
            if (p != null) {
                p.destroy();
            }
        }
        for (Service service : Service.values()) {
            stop(service);
        }
    }

    public void start(Service service) {
        if (helm != null) {
            helm.scale(service, helm.replicas(service));
            helm.awaitReady();
            return;
        }
        if (!isRunning(service)) {
            launch(service);
        }
        awaitReady(service);
    }

    /** SIGTERM, then waits for the JVM to exit (SIGKILL after {@value} if it will not). */
    public void stop(Service service) {
        if (helm != null) {
            helm.scaleToZero(service);
            return;
        }
        Process p = running.remove(service);
        if (p == null) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                log(service, "did not stop within " + STOP_TIMEOUT + " of SIGTERM; killing it");
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public boolean isRunning(Service service) {
        if (helm != null) {
            return !helm.readyPods(service).isEmpty();
        }
        Process p = running.get(service);
        return p != null && p.isAlive();
    }

    private void launch(Service service) {
        Path jar = root.resolve(service.module).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist: package the services first "
                    + "(mvn -pl e2e-tests -am verify builds them)");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-Dquarkus.http.port=" + ports.get(service));
        cmd.add("-Dquarkus.http.host=127.0.0.1");
        cmd.add("-jar");
        cmd.add(jar.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(service).toFile()));
        // The URLs go in as environment variables, not -D: each service maps only the
        // tensorbox.* properties it uses, and SmallRye refuses unknown ones from system properties.
        pb.environment().put("TENSORBOX_SCHEDULER_URL", url(Service.SCHEDULER));
        pb.environment().put("TENSORBOX_LOG_URL", url(Service.LOG));
        pb.environment().put("TENSORBOX_API_URL", url(Service.API));
        pb.environment().put("TENSORBOX_PUBLIC_URL", url(Service.API));
        // previews are served by log-service on its own port: {host} is {port}-{sandbox}.localhost
        pb.environment().put("TENSORBOX_PREVIEW_URL", "http://{host}:" + ports.get(Service.LOG));
        pb.environment().put("TENSORBOX_HOME", home.toString());
        pb.environment().put("TENSORBOX_RUNTIME", runtime.driver());
        if (kubernetes != null) {
            pb.environment().put("KUBECONFIG", KubernetesSandboxes.kubeconfig());
            pb.environment().put("TENSORBOX_KUBERNETES_NAMESPACE", kubernetes.namespace());
        }
        pb.environment().put("TENSORBOX_BOOTSTRAP_API_KEY", adminKey);
        pb.environment().put("TENSORBOX_INTERNAL_TOKEN", internalToken);
        log(service, "starting on port " + ports.get(service) + ": " + String.join(" ", cmd));
        try {
            running.put(service, pb.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + service.module, e);
        }
    }

    private void awaitReady(Service service) {
        Process p = running.get(service);
        URI ready = URI.create(url(service) + "/q/health/ready");
        try {
            await("readiness of " + service.module)
                    .atMost(READY_TIMEOUT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        if (!p.isAlive()) {
                            throw new IllegalStateException(service.module + " exited with status "
                                    + p.exitValue() + " before it was ready; its log ends with:\n"
                                    + tail(service));
                        }
                        return isReady(ready);
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new IllegalStateException(service.module + " was not ready within " + READY_TIMEOUT
                    + "; its log ends with:\n" + tail(service), e);
        }
        log(service, "ready");
    }

    private boolean isReady(URI ready) {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A service's output so far; on an installed chart, its pods' logs fetched now. */
    public Path logFile(Service service) {
        Path file = logDir.resolve(service.module + ".log");
        return helm != null ? helm.writeLogs(service, file) : file;
    }

    /** The last lines of a service's output, for failure messages. */
    public String tail(Service service) {
        try {
            List<String> lines = Files.readAllLines(logFile(service), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /**
     * Stops the services and makes sure nothing of this run survives it: sandboxes are deleted
     * through the API first; then any process still working under this run's home (sandbox
     * processes, supervisors, an orphaned embedded PostgreSQL) is killed.
     */
    @Override
    public void close() {
        try {
            if (isRunning(Service.API) && !keepHome()) {
                Sandboxes.deleteAllVisibleTo(this, adminKey);
            }
        } catch (RuntimeException | LinkageError | AssertionError e) {
            System.err.println("[e2e] could not delete the sandboxes through the API: " + e);
        }
        if (helm == null) {
            stopAll();
        }
        killLeftovers();
        if (kubernetes != null) {
            try {
                kubernetes.deletePodsOf(Sandboxes.everCreated());
            } catch (RuntimeException e) {
                System.err.println("[e2e] could not delete the leftover pods: " + e);
            } finally {
                kubernetes.close();
            }
        }
        if (helm != null) {
            helm.close();
        }
        if (!keepHome()) {
            deleteRecursively(home);
        } else {
            System.err.println("[e2e] kept TENSORBOX_HOME " + home);
        }
    }

    /** -Dtensorbox.e2e.keep-home=true keeps the sandboxes' files (not their processes) for a post-mortem. */
    static boolean keepHome() {
        return Boolean.getBoolean("tensorbox.e2e.keep-home");
    }

    private void killLeftovers() {
        for (int round = 0; round < 3; round++) {
            List<ProcessHandle> leftovers = ProcessHandle.allProcesses()
                    .filter(ph -> ph.pid() != ProcessHandle.current().pid())
                    .filter(this::belongsToThisRun)
                    .toList();
            if (leftovers.isEmpty()) {
                return;
            }
            System.err.println("[e2e] killing leftover processes " + leftovers.stream()
                    .map(ph -> ph.pid() + " " + ph.info().commandLine().orElse("?"))
                    .collect(Collectors.joining("; ")));
            leftovers.forEach(ProcessHandle::destroyForcibly);
            for (ProcessHandle ph : leftovers) {
                try {
                    ph.onExit().get(5, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    // reported by the next round if it is still there
                }
            }
        }
    }

    private boolean belongsToThisRun(ProcessHandle ph) {
        String marker = home.toString();
        Path proc = Path.of("/proc", Long.toString(ph.pid()));
        try {
            if (Files.readSymbolicLink(proc.resolve("cwd")).toString().startsWith(marker)) {
                return true;
            }
        } catch (IOException | UnsupportedOperationException | SecurityException ignored) {
            // gone, or not ours to read
        }
        try {
            String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
            return cmdline.contains(marker);
        } catch (IOException | SecurityException ignored) {
            return false;
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a file that a dying process still writes; the temp dir is cleaned by the OS
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // same
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static void log(Service service, String message) {
        System.err.println("[e2e] " + service.module + ": " + message);
    }
}
