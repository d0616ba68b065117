package io.tensorbox.e2e;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.Release;
import com.marcnuri.helm.UpgradeCommand;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * The chart in {@code helm/tensorbox} installed on the cluster {@code KUBECONFIG} names, with
 * Helm as a library (helm-java: no helm binary): profile {@code e2e-helm} runs the end-to-end
 * suite through it ({@code -Dtensorbox.e2e.target=helm}). The release runs the chart's defaults
 * (two replicas of every service, the bundled PostgreSQL) with what a test run needs on top:
 * a known admin key, the preview proxy on domain {@code localhost}, no PersistentVolumeClaim
 * (the cluster here has no StorageClass), and the API's own address as its public URL.
 *
 * <p>The machine running the tests must reach ClusterIPs and pod IPs (true on {@code ../shared/kube},
 * whose node is this machine): the suite talks to the Services as a client in the cluster would,
 * and the replica tests to each pod.
 */
public final class HelmRelease implements AutoCloseable {
    private static final int TIMEOUT_SECONDS = 420;

    private final Path chart;
    private final Path kubeconfig;
    private final String name;
    private final String namespace;
    private final String tag;
    private final KubernetesClient client;
    private boolean installed;

    private HelmRelease(Path root) {
        chart = root.resolve("helm/tensorbox");
        kubeconfig = Path.of(KubernetesSandboxes.kubeconfig().split(":")[0]);
        name = System.getProperty("tensorbox.e2e.helm.release", "tbx");
        namespace = System.getProperty("tensorbox.e2e.helm.namespace", "tbx-helm");
        tag = System.getProperty("tensorbox.e2e.helm.tag", "");
        client = new KubernetesClientBuilder().build();
    }

    /** The release of this run when {@code -Dtensorbox.e2e.target=helm}, else null. */
    static HelmRelease fromSystemProperties(Path root) {
        return "helm".equals(System.getProperty("tensorbox.e2e.target", "processes")) ? new HelmRelease(root) : null;
    }

    public String name() {
        return name;
    }

    public String namespace() {
        return namespace;
    }

    /** The chart's default sandbox namespace. */
    public String sandboxNamespace() {
        return namespace + "-sandboxes";
    }

    /** {@code <release>-tensorbox}, the prefix of every resource name. */
    public String fullname() {
        return name.contains("tensorbox") ? name : name + "-tensorbox";
    }

    public String deployment(Service service) {
        return fullname() + "-" + component(service);
    }

    static String component(Service service) {
        return switch (service) {
            case API -> "api";
            case SCHEDULER -> "scheduler";
            case LOG -> "log";
        };
    }

    public KubernetesClient client() {
        return client;
    }

    /**
     * Installs the release (after uninstalling one of the same name a crashed run left behind),
     * waits for every pod to be Ready, then sets {@code publicUrl} to the API Service's address with
     * an upgrade (a sandbox's runtime_url starts with it, and the address exists only once the
     * Service does).
     */
    void install(String adminKey) {
        if (client.namespaces().withName(namespace).get() != null) {
            log("namespace " + namespace + " exists (a run that did not end?): uninstalling what it holds first");
            uninstall();
        }
        long t0 = System.nanoTime();
        InstallCommand install = new Helm(chart).install().withName(name).withNamespace(namespace).createNamespace()
                .withKubeConfig(kubeconfig).waitReady().withTimeout(TIMEOUT_SECONDS)
                .set("bootstrapApiKey.value", adminKey)
                .set("postgresql.persistence.enabled", "false")
                .set("ingress.preview.domain", "localhost")
                // the suite keeps dozens of sandboxes; on a 2-core node the base template's 100m
                // request would leave most of them Pending
                .set("templates.base.cpuRequest", System.getProperty("tensorbox.e2e.helm.sandbox-cpu-request", "10m"));
        for (Map.Entry<String, String> e : imageTags().entrySet()) {
            install = install.set(e.getKey(), e.getValue());
        }
        Release release = install.call();
        installed = true;
        log("installed " + release.getName() + " (" + release.getStatus() + ") in " + seconds(t0));
        t0 = System.nanoTime();
        upgrade(Map.of("publicUrl", serviceUrl(Service.API)));
        log("publicUrl set to " + serviceUrl(Service.API) + " in " + seconds(t0));
    }

    /** {@code helm upgrade --reuse-values --set ...}, waiting until every pod is Ready. */
    public Release upgrade(Map<String, String> values) {
        UpgradeCommand upgrade = new Helm(chart).upgrade().withName(name).withNamespace(namespace)
                .withKubeConfig(kubeconfig).reuseValues().waitReady().withTimeout(TIMEOUT_SECONDS);
        for (Map.Entry<String, String> e : values.entrySet()) {
            upgrade = upgrade.set(e.getKey(), e.getValue());
        }
        Release release = upgrade.call();
        awaitReady();
        return release;
    }

    /** {@code helm test}: the chart's test pods; throws when one fails. */
    public Release test() {
        return Helm.test(name).withNamespace(namespace).withKubeConfig(kubeconfig).withTimeout(TIMEOUT_SECONDS).call();
    }

    /**
     * {@code helm uninstall}, then waits until no pod of the release is left in its namespace and the
     * chart's sandbox namespace (with every sandbox in it) is gone, and deletes the release's
     * namespace (Helm leaves the namespaces it creates).
     */
    public void uninstall() {
        long t0 = System.nanoTime();
        try {
            Helm.uninstall(name).withNamespace(namespace).withKubeConfig(kubeconfig).ignoreNotFound().call();
        } catch (RuntimeException e) {
            log("helm uninstall failed: " + e.getMessage());
        }
        installed = false;
        await("the release's pods to be gone after helm uninstall").atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> client.pods().inNamespace(namespace).list().getItems().isEmpty()
                        && client.namespaces().withName(sandboxNamespace()).get() == null);
        client.namespaces().withName(namespace).delete();
        await("namespace " + namespace + " to be deleted").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> client.namespaces().withName(namespace).get() == null);
        log("uninstalled in " + seconds(t0));
    }

    /** Waits until every Deployment of the release has all its replicas updated and Ready. */
    public void awaitReady() {
        for (Service service : Service.values()) {
            await("deployment " + deployment(service) + " to be ready").atMost(Duration.ofSeconds(TIMEOUT_SECONDS))
                    .pollInterval(Duration.ofMillis(500)).until(() -> isReady(service));
        }
    }

    private boolean isReady(Service service) {
        Deployment d = client.apps().deployments().inNamespace(namespace).withName(deployment(service)).get();
        if (d == null || d.getStatus() == null) {
            return false;
        }
        int wanted = Objects.requireNonNullElse(d.getSpec().getReplicas(), 1);
        var s = d.getStatus();
        return Objects.equals(s.getObservedGeneration(), d.getMetadata().getGeneration())
                && Objects.requireNonNullElse(s.getUpdatedReplicas(), 0) == wanted
                && Objects.requireNonNullElse(s.getReadyReplicas(), 0) == wanted
                && Objects.requireNonNullElse(s.getReplicas(), 0) == wanted
                && readyPods(service).size() == wanted;
    }

    /** Scales a service's Deployment to 0 and waits until its pods are gone ("stopped"). */
    public void scaleToZero(Service service) {
        client.apps().deployments().inNamespace(namespace).withName(deployment(service)).scale(0);
        await(deployment(service) + " to have no pod").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> pods(service).isEmpty());
    }

    /** Scales a service's Deployment back to {@code replicas} (no wait). */
    public void scale(Service service, int replicas) {
        client.apps().deployments().inNamespace(namespace).withName(deployment(service)).scale(replicas);
    }

    /** The replicas the chart gives each service (its values: 2). */
    public int replicas(Service service) {
        return Integer.getInteger("tensorbox.e2e.helm.replicas", 2);
    }

    /** The pods of a service, oldest first (terminating ones included). */
    public List<Pod> pods(Service service) {
        return client.pods().inNamespace(namespace)
                .withLabel("app.kubernetes.io/instance", name)
                .withLabel("app.kubernetes.io/component", component(service))
                .list().getItems().stream()
                .sorted(Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp())
                        .thenComparing(p -> p.getMetadata().getName()))
                .toList();
    }

    /** The pods of a service that are Ready and not being deleted, oldest first. */
    public List<Pod> readyPods(Service service) {
        return pods(service).stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .filter(p -> p.getStatus() != null && p.getStatus().getConditions() != null
                        && p.getStatus().getConditions().stream()
                                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
                .toList();
    }

    /** {@code http://<pod IP>:<port>}: one replica, bypassing its Service. */
    public String podUrl(Service service, Pod pod) {
        return "http://" + pod.getStatus().getPodIP() + ":" + port(service);
    }

    /** {@code http://<ClusterIP>:<port>} of a service's Service. */
    public String serviceUrl(Service service) {
        var svc = client.services().inNamespace(namespace).withName(deployment(service)).get();
        if (svc == null) {
            throw new IllegalStateException("no Service " + deployment(service) + " in namespace " + namespace);
        }
        return "http://" + svc.getSpec().getClusterIP() + ":" + port(service);
    }

    /** The preview proxy's port of log-service's Service (the chart opens it with a preview domain). */
    public String previewUrl() {
        var svc = client.services().inNamespace(namespace).withName(deployment(Service.LOG)).get();
        int port = svc.getSpec().getPorts().stream().filter(p -> "preview".equals(p.getName())).findFirst()
                .orElseThrow(() -> new IllegalStateException("log-service's Service has no preview port"))
                .getPort();
        return "http://" + svc.getSpec().getClusterIP() + ":" + port;
    }

    private static int port(Service service) {
        return switch (service) {
            case API -> 8080;
            case SCHEDULER -> 8081;
            case LOG -> 8082;
        };
    }

    /** The internal token the chart generated (Secret {@code <fullname>-internal-token}). */
    public String internalToken() {
        Secret secret = client.secrets().inNamespace(namespace).withName(fullname() + "-internal-token").get();
        return new String(Base64.getDecoder().decode(secret.getData().get("token")), StandardCharsets.UTF_8);
    }

    /** The Lease the scheduler replicas elect the reconcile loop's leader on. */
    public String leaseName() {
        return fullname() + "-scheduler";
    }

    /** Writes the logs of every pod of a service (current containers) to {@code file}, one after the other. */
    public Path writeLogs(Service service, Path file) {
        StringBuilder all = new StringBuilder();
        for (Pod pod : pods(service)) {
            try {
                String log = client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).getLog();
                all.append(log == null ? "" : log);
            } catch (RuntimeException e) {
                // a pod whose container has not started yet (or is gone): nothing to add
                log("no log of " + pod.getMetadata().getName() + " yet: " + e.getMessage());
            }
        }
        try {
            Files.writeString(file, all, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private Map<String, String> imageTags() {
        Map<String, String> tags = new LinkedHashMap<>();
        if (!tag.isBlank()) {
            for (String key : List.of("api.image.tag", "scheduler.image.tag", "log.image.tag",
                    "sandboxes.baseImage.tag", "postgresql.image.tag")) {
                tags.put(key, tag);
            }
        }
        return tags;
    }

    @Override
    public void close() {
        try {
            if (installed && !TensorBoxCluster.keepHome()) {
                uninstall();
            }
        } finally {
            client.close();
        }
    }

    private static String seconds(long t0) {
        return String.format("%.1f s", (System.nanoTime() - t0) / 1e9);
    }

    private static void log(String message) {
        System.err.println("[e2e] helm: " + message);
    }
}
