package io.tensorbox.e2e;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.dsl.PodResource;

/**
 * The kubernetes runtime seen from outside TensorBox, with our own fabric8 client on the
 * cluster {@code KUBECONFIG} names: a sandbox is the pod {@code sbx-<24 hex>} in the sandbox
 * namespace, its state directory {@code /tmp/.tensorbox} and its pids those of the pod.
 */
public final class KubernetesSandboxes implements SandboxFiles, SandboxPids, AutoCloseable {
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String SANDBOX_ID = "tensorbox.io/sandbox-id";
    public static final String TEAM = "tensorbox.io/team";
    public static final String TEMPLATE = "tensorbox.io/template";
    /** The scheduler's default {@code tensorbox.kubernetes.state-dir}. */
    static final String STATE_DIR = "/tmp/.tensorbox";
    private static final String CONTAINER = "sandbox";
    private static final long EXEC_TIMEOUT_SECONDS = 60;

    private final KubernetesClient client;
    private final String namespace;

    private KubernetesSandboxes(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /** The cluster of {@code $KUBECONFIG}; fails with a sentence when there is none or the namespace is missing. */
    static KubernetesSandboxes connect(String namespace) {
        String kubeconfig = kubeconfig();
        KubernetesClient client = new KubernetesClientBuilder().build();
        try {
            if (client.namespaces().withName(namespace).get() == null) {
                throw new IllegalStateException("namespace " + namespace + " does not exist in the cluster of KUBECONFIG="
                        + kubeconfig + " (create it, or choose another with -Dtensorbox.e2e.kubernetes.namespace=...)");
            }
        } catch (KubernetesClientException e) {
            client.close();
            throw new IllegalStateException("the cluster of KUBECONFIG=" + kubeconfig + " does not answer: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
        return new KubernetesSandboxes(client, namespace);
    }

    /** {@code $KUBECONFIG}, which must name a readable file. */
    static String kubeconfig() {
        String kubeconfig = System.getenv("KUBECONFIG");
        if (kubeconfig == null || kubeconfig.isBlank()) {
            throw new IllegalStateException("the kubernetes end-to-end run needs KUBECONFIG to name the cluster "
                    + "(e.g. export KUBECONFIG=/opt/kube/admin.kubeconfig)");
        }
        if (!Files.isReadable(Path.of(kubeconfig.split(":")[0]))) {
            throw new IllegalStateException("KUBECONFIG=" + kubeconfig + " is not a readable file");
        }
        return kubeconfig;
    }

    public KubernetesClient client() {
        return client;
    }

    public String namespace() {
        return namespace;
    }

    public static String podName(String sandboxId) {
        return sandboxId.replace('_', '-');
    }

    public PodResource pod(String sandboxId) {
        return client.pods().inNamespace(namespace).withName(podName(sandboxId));
    }

    /** {@code kubectl get pods -l key=value} in the sandbox namespace. */
    public List<Pod> podsLabelled(String key, String value) {
        return client.pods().inNamespace(namespace).withLabel(key, value).list().getItems();
    }

    /** Pods of TensorBox in the namespace (any run's). */
    public List<Pod> tensorBoxPods() {
        return podsLabelled(MANAGED_BY, "tensorbox");
    }

    /** The outcome of one command run in a sandbox's pod through {@code pods/exec}. */
    public record Exec(int exitCode, byte[] stdout, byte[] stderr) {
        public String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        public String err() {
            return new String(stderr, StandardCharsets.UTF_8);
        }
    }

    /** Runs argv in the sandbox's container and waits for its exit status. */
    public Exec exec(String sandboxId, String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (ExecWatch watch = pod(sandboxId).inContainer(CONTAINER).writingOutput(out).writingError(err).exec(argv)) {
            int code = watch.exitCode().get(EXEC_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return new Exec(code, out.toByteArray(), err.toByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during an exec in " + podName(sandboxId), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("exec " + Arrays.toString(argv) + " in pod " + podName(sandboxId) + " failed: " + e, e);
        }
    }

    private Exec execOk(String sandboxId, String... argv) {
        Exec exec = exec(sandboxId, argv);
        if (exec.exitCode() != 0) {
            throw new AssertionError("exec " + Arrays.toString(argv) + " in pod " + podName(sandboxId) + " exited "
                    + exec.exitCode() + ": " + exec.err());
        }
        return exec;
    }

    @Override
    public byte[] readState(String sandboxId, String relativePath) {
        return execOk(sandboxId, "cat", STATE_DIR + "/" + relativePath).stdout();
    }

    @Override
    public List<String> listState(String sandboxId, String relativeDir) {
        return execOk(sandboxId, "ls", "-1A", STATE_DIR + "/" + relativeDir).out().lines().sorted().toList();
    }

    /** A zombie is not alive, as for the host's ProcessHandle once it is reaped; a pod that is gone has no process. */
    @Override
    public List<String> commandLines(String sandboxId) {
        return execOk(sandboxId, "sh", "-c",
                "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < \"$f\" 2>/dev/null; echo; done")
                .out().lines().filter(l -> !l.isBlank()).toList();
    }

    @Override
    public String stateDirInSandbox(String sandboxId) {
        return STATE_DIR;
    }

    @Override
    public boolean exists(String sandboxId, String absolutePath) {
        return exec(sandboxId, "test", "-e", absolutePath).exitCode() == 0;
    }

    @Override
    public byte[] read(String sandboxId, String absolutePath) {
        return execOk(sandboxId, "cat", absolutePath).stdout();
    }

    @Override
    public String state(String sandboxId, long pid) {
        Exec stat = exec(sandboxId, "cat", "/proc/" + pid + "/stat");
        return stat.exitCode() == 0 ? LocalSandboxes.stateOf(stat.out()) : "";
    }

    @Override
    public boolean isAlive(String sandboxId, long pid) {
        Pod pod = pod(sandboxId).get();
        if (pod == null || !"Running".equals(pod.getStatus().getPhase())) {
            return false;
        }
        try {
            return exec(sandboxId, "sh", "-c", "s=$(cut -d')' -f2 /proc/\"$1\"/stat 2>/dev/null) || exit 1; "
                    + "case \"$s\" in ' Z'*) exit 1;; esac", "tbx-alive", Long.toString(pid)).exitCode() == 0;
        } catch (IllegalStateException | KubernetesClientException e) {
            if (pod(sandboxId).get() == null) {
                return false; // deleted while we asked
            }
            throw e;
        }
    }

    @Override
    public void terminate(String sandboxId, long pid) {
        execOk(sandboxId, "sh", "-c", "kill -TERM \"$1\"", "tbx-term", Long.toString(pid));
    }

    /** Last resort at the end of a run: the pods of these sandboxes that are still there. */
    void deletePodsOf(Collection<String> sandboxIds) {
        for (Pod pod : tensorBoxPods()) {
            String id = pod.getMetadata().getLabels().get(SANDBOX_ID);
            if (sandboxIds.contains(id)) {
                System.err.println("[e2e] deleting leftover pod " + pod.getMetadata().getName());
                client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).delete();
            }
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
