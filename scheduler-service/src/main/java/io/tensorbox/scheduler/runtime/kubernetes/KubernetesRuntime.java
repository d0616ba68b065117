package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.http.WebSocketHandshakeException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.smallrye.common.annotation.Identifier;
import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.SandboxSpec;
import io.tensorbox.common.SandboxState;
import io.tensorbox.common.SandboxStatus;
import io.tensorbox.scheduler.runtime.ExecHandle;
import io.tensorbox.scheduler.runtime.RuntimeUnavailableException;
import io.tensorbox.scheduler.runtime.SandboxLayout;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import io.tensorbox.scheduler.runtime.Terminal;
import io.tensorbox.scheduler.runtime.TerminalRequest;
import io.tensorbox.scheduler.template.Template;
import io.tensorbox.scheduler.template.Templates;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * One pod per sandbox; every exec goes through the API server's {@code pods/exec} on one shared
 * client. Pod states come from an informer on our pods, so status reads cost no API call and pods
 * that change behind our back are reported to the {@link SandboxListener}s. Nothing touches the
 * cluster before the first call.
 */
@ApplicationScoped
@Identifier("kubernetes")
public class KubernetesRuntime implements SandboxRuntime {

    private static final Logger LOG = Logger.getLogger(KubernetesRuntime.class);

    /**
     * Gives an exec its working directory and environment: {@code $1} the directory (empty: the
     * container's, which is the workspace), {@code $2} how many NAME=value follow, then argv.
     */
    static final String EXEC_PRELUDE = "[ -z \"$1\" ] || cd -- \"$1\" || exit 126; shift; n=$1; shift; "
            + "while [ \"$n\" -gt 0 ]; do export \"$1\" || exit 126; shift; n=$((n-1)); done; exec \"$@\"";

    private final Supplier<KubernetesClient> clientSupplier;
    private final KubernetesRuntimeConfig config;
    private final Templates templates;
    private final Clock clock;
    private final List<SandboxListener> listeners = new CopyOnWriteArrayList<>();
    /** Last state seen per sandbox, to report transitions only. */
    private final Map<String, SandboxState> lastStates = new ConcurrentHashMap<>();
    /** Sandboxes whose pod we are deleting: their disappearance is no news. */
    private final Set<String> deleting = ConcurrentHashMap.newKeySet();
    /** Listeners run here, in order, so a slow one (an exec) never holds up the informer. */
    private final ExecutorService notifier = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("tensorbox-sandbox-changes").factory());

    private volatile KubernetesClient client;
    private volatile String namespace;
    private volatile SharedIndexInformer<Pod> informer;
    private volatile CompletableFuture<Void> informerStarted;
    private final WarmExecs warm;

    @Inject
    public KubernetesRuntime(Instance<KubernetesClient> client, KubernetesRuntimeConfig config, Templates templates) {
        this(client::get, config, templates, Clock.systemUTC());
    }

    KubernetesRuntime(Supplier<KubernetesClient> client, KubernetesRuntimeConfig config, Templates templates, Clock clock) {
        this.clientSupplier = client;
        this.config = config;
        this.templates = templates;
        this.clock = clock;
        this.warm = new WarmExecs(this::openExec, config.warmExecs(), clock);
    }

    @Override
    public SandboxStatus create(SandboxSpec spec) {
        Template template = templates.get(spec.template());
        String name = PodNames.podName(spec.id());
        KubernetesClient c = client();
        ensureInformer();
        Pod pod = PodSpecs.podOf(spec, template, namespace(), config);
        try {
            Pod created = c.pods().inNamespace(namespace()).resource(pod).create();
            return statusOf(spec.id(), created);
        } catch (KubernetesClientException e) {
            if (httpCode(e) == HttpURLConnection.HTTP_CONFLICT) {
                Pod existing = c.pods().inNamespace(namespace()).withName(name).get();
                return statusOf(spec.id(), existing);
            }
            throw unavailable("cannot create the pod of sandbox " + spec.id(), e);
        }
    }

    @Override
    public SandboxStatus status(String sandboxId) {
        String name = PodNames.podName(sandboxId);
        ensureInformer();
        Pod pod = informer.getIndexer().getByKey(namespace() + "/" + name);
        if (pod == null) {
            // the cache may not have seen a pod created a moment ago
            try {
                pod = client().pods().inNamespace(namespace()).withName(name).get();
            } catch (KubernetesClientException e) {
                throw unavailable("cannot read the pod of sandbox " + sandboxId, e);
            }
        }
        return statusOf(sandboxId, pod);
    }

    /** The pod's IP from its status (the informer's copy, else the API server's); null while it has none. */
    @Override
    public String address(String sandboxId) {
        String name = PodNames.podName(sandboxId);
        ensureInformer();
        Pod pod = informer.getIndexer().getByKey(namespace() + "/" + name);
        if (pod == null || pod.getStatus() == null || pod.getStatus().getPodIP() == null) {
            try {
                pod = client().pods().inNamespace(namespace()).withName(name).get();
            } catch (KubernetesClientException e) {
                throw unavailable("cannot read the pod of sandbox " + sandboxId, e);
            }
        }
        if (pod == null || pod.getStatus() == null) {
            return null;
        }
        String ip = pod.getStatus().getPodIP();
        return ip == null || ip.isBlank() ? null : ip;
    }

    @Override
    public void delete(String sandboxId) {
        String name = PodNames.podName(sandboxId);
        warm.forget(sandboxId);
        deleting.add(sandboxId);
        try {
            var deleted = client().pods().inNamespace(namespace()).withName(name).delete();
            if (deleted.isEmpty()) {
                deleting.remove(sandboxId);
            }
        } catch (KubernetesClientException e) {
            deleting.remove(sandboxId);
            throw unavailable("cannot delete the pod of sandbox " + sandboxId, e);
        }
    }

    @Override
    public List<SandboxStatus> list() {
        ensureInformer();
        List<SandboxStatus> all = new ArrayList<>();
        for (Pod pod : informer.getStore().list()) {
            String id = sandboxIdOf(pod);
            if (id != null) {
                all.add(statusOf(id, pod));
            }
        }
        return all;
    }

    @Override
    public SandboxLayout layout(String sandboxId) {
        String name = PodNames.podName(sandboxId);
        SharedIndexInformer<Pod> cache = informer;
        Pod pod = cache == null ? null : cache.getIndexer().getByKey(namespace() + "/" + name);
        if (pod == null && cache != null) {
            // just created, and the informer has not seen it yet: ask the API server
            try {
                pod = client().pods().inNamespace(namespace()).withName(name).get();
            } catch (KubernetesClientException e) {
                LOG.debugf("layout of %s from the defaults: %s", sandboxId, e.getMessage());
            }
        }
        String template = pod == null || pod.getMetadata().getAnnotations() == null ? null
                : pod.getMetadata().getAnnotations().get(PodNames.TEMPLATE);
        String workspace = template != null && templates.exists(template)
                ? templates.get(template).workspaceDir()
                : templates.get(null).workspaceDir();
        return new SandboxLayout(workspace, config.stateDir());
    }

    @Override
    public ExecHandle spawn(String sandboxId, ExecRequest request, OutputStream stdout, OutputStream stderr) {
        PodNames.podName(sandboxId); // checks the id before it names a pod
        if (request.argv() == null || request.argv().isEmpty()) {
            throw new IllegalArgumentException("argv must name a command");
        }
        List<String> argv = commandLine(request);
        byte[] stdin = request.stdin();
        Optional<ExecWatch> taken = warm.take(sandboxId, argv, stdin, stdout, stderr);
        if (taken.isPresent()) {
            return new PodExec(sandboxId, taken.get());
        }
        ExecWatch watch = openExec(sandboxId, argv, stdout, stderr);
        PodExec exec = new PodExec(sandboxId, watch);
        if (stdin != null && stdin.length > 0) {
            try {
                // written, never closed: the exec protocol cannot signal end of input (STACK.md)
                watch.getInput().write(stdin);
                watch.getInput().flush();
            } catch (IOException e) {
                exec.close();
                throw new RuntimeUnavailableException("cannot send stdin to the exec in sandbox " + sandboxId + ": " + e.getMessage(), e);
            }
        }
        return exec;
    }

    /** A fresh {@code pods/exec} of {@code argv} in the sandbox's container. */
    private ExecWatch openExec(String sandboxId, List<String> argv, OutputStream stdout, OutputStream stderr) {
        var container = client().pods().inNamespace(namespace()).withName(PodNames.podName(sandboxId))
                .inContainer(PodNames.CONTAINER);
        try {
            // stdin always: the kubelet closes it when this exec's connection closes, which is how
            // the watchdog of SandboxRuntime#exec learns that its caller went away
            return container.redirectingInput().writingOutput(stdout).writingError(stderr).exec(argv.toArray(String[]::new));
        } catch (KubernetesClientException e) {
            throw execRejected(sandboxId, e);
        }
    }

    @Override
    public Channel openChannel(String sandboxId, List<String> argv, OutputStream stdout) {
        var container = client().pods().inNamespace(namespace()).withName(PodNames.podName(sandboxId))
                .inContainer(PodNames.CONTAINER);
        ExecWatch watch;
        try {
            watch = container.redirectingInput().writingOutput(stdout).writingError(OutputStream.nullOutputStream())
                    .exec(argv.toArray(String[]::new));
        } catch (KubernetesClientException e) {
            throw execRejected(sandboxId, e);
        }
        PodExec exec = new PodExec(sandboxId, watch);
        return new Channel() {
            @Override
            public OutputStream stdin() {
                return watch.getInput();
            }

            @Override
            public CompletableFuture<Integer> exitCode() {
                return exec.exitCode();
            }

            @Override
            public void close() {
                exec.close();
            }
        };
    }

    @Override
    public Terminal openTerminal(String sandboxId, TerminalRequest request, OutputStream output) {
        var container = client().pods().inNamespace(namespace()).withName(PodNames.podName(sandboxId))
                .inContainer(PodNames.CONTAINER);
        ExecWatch watch;
        try {
            // a TTY exec: one output stream (the terminal's), stdin as keystrokes, resize on channel 4
            watch = container.redirectingInput().writingOutput(output).withTTY().exec(request.argv().toArray(String[]::new));
        } catch (KubernetesClientException e) {
            throw execRejected(sandboxId, e);
        }
        PodExec exec = new PodExec(sandboxId, watch);
        // the kubelet opens the pty without a size; kubectl sends the first one at once, as here
        watch.resize(request.cols(), request.rows());
        return new Terminal() {
            @Override
            public void write(byte[] bytes) throws IOException {
                OutputStream keys = watch.getInput();
                synchronized (keys) {
                    keys.write(bytes);
                    keys.flush();
                }
            }

            @Override
            public void resize(int cols, int rows) {
                watch.resize(cols, rows);
            }

            @Override
            public CompletableFuture<Integer> exitCode() {
                return exec.exitCode();
            }

            @Override
            public void close() {
                exec.close();
            }
        };
    }

    @Override
    public AutoCloseable lead(String identity, Runnable onStart, Runnable onStop) {
        return new ReconcileLeadership(this, config).start(identity, onStart, onStop);
    }

    @Override
    public void onSandboxChange(SandboxListener listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    /** The namespace sandbox pods live in (resolved from the client when not configured). */
    public String namespace() {
        String ns = namespace;
        if (ns == null) {
            ns = config.namespace().filter(n -> !n.isBlank())
                    .orElseGet(() -> Objects.requireNonNullElse(client().getNamespace(), "default"));
            namespace = ns;
        }
        return ns;
    }

    /** The shared client; for the leader election of the reconcile loop. */
    public KubernetesClient client() {
        KubernetesClient c = client;
        if (c == null) {
            synchronized (this) {
                if (client == null) {
                    client = clientSupplier.get();
                }
                c = client;
            }
        }
        return c;
    }

    @PreDestroy
    void stop() {
        warm.close();
        SharedIndexInformer<Pod> cache = informer;
        if (cache != null) {
            cache.stop();
        }
        notifier.shutdownNow();
    }

    static List<String> commandLine(ExecRequest request) {
        boolean hasEnv = request.env() != null && !request.env().isEmpty();
        boolean hasCwd = request.cwd() != null && !request.cwd().isEmpty();
        if (!hasEnv && !hasCwd) {
            return request.argv();
        }
        List<String> line = new ArrayList<>(List.of("sh", "-c", EXEC_PRELUDE, "tbx-exec", hasCwd ? request.cwd() : ""));
        Map<String, String> env = hasEnv ? request.env() : Map.of();
        line.add(Integer.toString(env.size()));
        env.forEach((k, v) -> line.add(k + "=" + v));
        line.addAll(request.argv());
        return line;
    }

    private SandboxStatus statusOf(String sandboxId, Pod pod) {
        if (deleting.contains(sandboxId)) {
            // deleted by us; the informer may not have seen the deletion yet
            return new SandboxStatus(sandboxId, SandboxState.stopped, null);
        }
        return PodStatuses.of(sandboxId, pod, clock.instant(), config.unschedulableTimeout());
    }

    private static String sandboxIdOf(Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        return labels == null ? null : labels.get(PodNames.SANDBOX_ID);
    }

    /** Starts the pod informer on first use and waits (bounded) for its first list. */
    private void ensureInformer() {
        if (informer == null) {
            synchronized (this) {
                if (informer == null) {
                    SharedIndexInformer<Pod> cache = client().pods().inNamespace(namespace())
                            .withLabel(PodNames.MANAGED_BY, PodNames.MANAGER)
                            .runnableInformer(config.resyncPeriod().toMillis());
                    cache.addEventHandler(new PodEvents());
                    cache.exceptionHandler((started, t) -> {
                        LOG.warnf("pod informer in namespace %s: %s (retrying)", namespace(), t.toString());
                        return true;
                    });
                    informerStarted = cache.start().toCompletableFuture();
                    informer = cache;
                }
            }
        }
        try {
            informerStarted.get(config.syncTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new RuntimeUnavailableException("the Kubernetes API at " + client().getMasterUrl()
                    + " did not answer the pod list in namespace " + namespace() + " within " + config.syncTimeout().toSeconds() + " s");
        } catch (ExecutionException e) {
            throw unavailable("cannot watch pods in namespace " + namespace(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeUnavailableException("interrupted while waiting for the pod informer", e);
        }
    }

    private void podChanged(Pod pod) {
        String id = sandboxIdOf(pod);
        if (id == null) {
            return;
        }
        SandboxStatus now = statusOf(id, pod);
        SandboxState before = lastStates.put(id, now.state());
        boolean news = before == null ? now.state().isFinal() : before != now.state();
        if (news && !(now.state() == SandboxState.stopped && deleting.contains(id))) {
            notifyListeners(now);
        }
    }

    private void podGone(Pod pod) {
        String id = sandboxIdOf(pod);
        if (id == null) {
            return;
        }
        SandboxState before = lastStates.remove(id);
        boolean ours = deleting.remove(id);
        if (!ours && (before == null || !before.isFinal())) {
            notifyListeners(new SandboxStatus(id, SandboxState.stopped, "the sandbox's pod was deleted outside TensorBox"));
        }
    }

    private void notifyListeners(SandboxStatus status) {
        notifier.execute(() -> {
            for (SandboxListener listener : listeners) {
                try {
                    listener.changed(status);
                } catch (RuntimeException e) {
                    LOG.warnf(e, "sandbox listener failed on %s", status);
                }
            }
        });
    }

    private final class PodEvents implements ResourceEventHandler<Pod> {
        @Override
        public void onAdd(Pod pod) {
            podChanged(pod);
        }

        @Override
        public void onUpdate(Pod oldPod, Pod newPod) {
            podChanged(newPod);
        }

        @Override
        public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
            podGone(pod);
        }
    }

    private RuntimeUnavailableException execRejected(String sandboxId, KubernetesClientException e) {
        int code = httpCode(e);
        if (code == HttpURLConnection.HTTP_NOT_FOUND) {
            return new RuntimeUnavailableException("sandbox " + sandboxId + " has no pod in namespace " + namespace()
                    + " (deleted or never created)", e);
        }
        if (code == HttpURLConnection.HTTP_FORBIDDEN) {
            return new RuntimeUnavailableException("the scheduler may not exec into pods in namespace " + namespace()
                    + " (RBAC: pods/exec needs get and create): " + e.getMessage(), e);
        }
        return new RuntimeUnavailableException("exec in sandbox " + sandboxId + " was rejected"
                + (code > 0 ? " (HTTP " + code + ")" : "") + ": " + e.getMessage(), e);
    }

    /** The HTTP status of a failed call; the WebSocket upgrade of an exec hides it in a cause. */
    static int httpCode(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof KubernetesClientException kce && kce.getCode() > 0) {
                return kce.getCode();
            }
            if (t instanceof WebSocketHandshakeException handshake && handshake.getResponse() != null) {
                return handshake.getResponse().code();
            }
        }
        return 0;
    }

    private RuntimeUnavailableException unavailable(String what, Throwable e) {
        return new RuntimeUnavailableException(what + ": " + (e == null ? "unknown error" : e.getMessage()), e);
    }

    /** An exec in a pod: its exit code from the status channel, its watch closed once it ended. */
    private final class PodExec implements ExecHandle {
        private final ExecWatch watch;
        private final CompletableFuture<Integer> exitCode = new CompletableFuture<>();

        PodExec(String sandboxId, ExecWatch watch) {
            this.watch = watch;
            watch.exitCode().whenComplete((code, failure) -> {
                if (failure != null) {
                    Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure;
                    exitCode.completeExceptionally(cause instanceof KubernetesClientException kce
                            ? execRejected(sandboxId, kce)
                            : new RuntimeUnavailableException("exec in sandbox " + sandboxId + " failed: " + cause.getMessage(), cause));
                } else if (code == null) {
                    exitCode.completeExceptionally(new RuntimeUnavailableException(
                            "exec in sandbox " + sandboxId + " ended without an exit status"));
                } else {
                    exitCode.complete(code);
                }
                watch.close();
            });
        }

        @Override
        public CompletableFuture<Integer> exitCode() {
            return exitCode;
        }

        @Override
        public void close() {
            exitCode.completeExceptionally(new CancellationException("the exec was closed before the command ended"));
            watch.close();
        }
    }
}
