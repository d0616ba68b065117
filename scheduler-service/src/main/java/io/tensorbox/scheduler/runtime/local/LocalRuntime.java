package io.tensorbox.scheduler.runtime.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.common.annotation.Identifier;
import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.SandboxSpec;
import io.tensorbox.common.SandboxState;
import io.tensorbox.common.SandboxStatus;
import io.tensorbox.scheduler.runtime.ExecHandle;
import io.tensorbox.scheduler.runtime.RuntimeUnavailableException;
import io.tensorbox.scheduler.runtime.SandboxLayout;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * Sandboxes as directories on this host, commands as child processes. No isolation: for laptops,
 * trying TensorBox out, and tests.
 */
@ApplicationScoped
@Identifier("local")
public class LocalRuntime implements SandboxRuntime {

    private static final String SPEC_FILE = "sandbox.json";

    private final Path sandboxes;
    private final ObjectMapper json;

    LocalRuntime(LocalRuntimeConfig config, ObjectMapper json) {
        this.sandboxes = config.home().toAbsolutePath().resolve("sandboxes");
        this.json = json;
    }

    @Override
    public SandboxStatus create(SandboxSpec spec) {
        Path root = root(spec.id());
        try {
            Files.createDirectories(root.resolve("workspace"));
            Files.createDirectories(root.resolve("state"));
            Path specFile = root.resolve(SPEC_FILE);
            if (!Files.exists(specFile)) {
                Path tmp = root.resolve(SPEC_FILE + ".tmp");
                json.writeValue(tmp.toFile(), spec);
                Files.move(tmp, specFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            return new SandboxStatus(spec.id(), SandboxState.failed, "cannot create " + root + ": " + e.getMessage());
        }
        return new SandboxStatus(spec.id(), SandboxState.running, null);
    }

    @Override
    public SandboxStatus status(String sandboxId) {
        boolean exists = Files.exists(root(sandboxId).resolve(SPEC_FILE));
        return new SandboxStatus(sandboxId, exists ? SandboxState.running : SandboxState.stopped, null);
    }

    @Override
    public void delete(String sandboxId) {
        Path root = root(sandboxId);
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> tree = Files.walk(root)) {
            for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + root, e);
        }
    }

    @Override
    public List<SandboxStatus> list() {
        if (!Files.isDirectory(sandboxes)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(sandboxes)) {
            List<SandboxStatus> all = new ArrayList<>();
            dirs.filter(d -> Files.exists(d.resolve(SPEC_FILE)))
                    .forEach(d -> all.add(new SandboxStatus(d.getFileName().toString(), SandboxState.running, null)));
            return all;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public SandboxLayout layout(String sandboxId) {
        Path root = root(sandboxId);
        return new SandboxLayout(root.resolve("workspace").toString(), root.resolve("state").toString());
    }

    @Override
    public ExecHandle exec(String sandboxId, ExecRequest request, OutputStream stdout, OutputStream stderr) {
        Path root = root(sandboxId);
        SandboxSpec spec = readSpec(sandboxId, root);
        Path workspace = root.resolve("workspace");
        Path cwd = request.cwd() == null || request.cwd().isEmpty() ? workspace : workspace.resolve(request.cwd());
        ProcessBuilder pb = new ProcessBuilder(request.argv()).directory(cwd.toFile());
        Map<String, String> env = pb.environment();
        env.put("HOME", workspace.toString());
        if (spec.env() != null) {
            env.putAll(spec.env());
        }
        if (request.env() != null) {
            env.putAll(request.env());
        }
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new RuntimeUnavailableException("cannot run " + request.argv().getFirst() + ": " + e.getMessage(), e);
        }
        CompletableFuture<Void> out = pump(process.getInputStream(), stdout);
        CompletableFuture<Void> err = pump(process.getErrorStream(), stderr);
        Thread.ofVirtual().start(() -> {
            try (OutputStream in = process.getOutputStream()) {
                if (request.stdin() != null) {
                    in.write(request.stdin());
                }
            } catch (IOException ignored) {
                // the command did not read its input; its exit status tells the rest
            }
        });
        CompletableFuture<Integer> exit = process.onExit()
                .thenCombine(CompletableFuture.allOf(out, err), (p, ignored) -> p.exitValue());
        return new ExecHandle() {
            @Override
            public CompletableFuture<Integer> exitCode() {
                return exit;
            }

            @Override
            public void close() {
                if (process.isAlive()) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                }
            }
        };
    }

    @Override
    public AutoCloseable lead(String identity, Runnable onStart, Runnable onStop) {
        // One scheduler per host: it always leads.
        onStart.run();
        return onStop::run;
    }

    @Override
    public void onSandboxChange(SandboxListener listener) {
        // Directories do not change state behind our back.
    }

    private SandboxSpec readSpec(String sandboxId, Path root) {
        try {
            return json.readValue(root.resolve(SPEC_FILE).toFile(), SandboxSpec.class);
        } catch (IOException e) {
            throw new RuntimeUnavailableException("no sandbox " + sandboxId + " on this host");
        }
    }

    private Path root(String sandboxId) {
        Path root = sandboxes.resolve(sandboxId).normalize();
        if (!root.getParent().equals(sandboxes)) {
            throw new IllegalArgumentException("bad sandbox id " + sandboxId);
        }
        return root;
    }

    private static CompletableFuture<Void> pump(InputStream from, OutputStream to) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[65536];
            boolean sinkOpen = true;
            try (from) {
                int n;
                while ((n = from.read(buf)) >= 0) {
                    if (sinkOpen) {
                        try {
                            to.write(buf, 0, n);
                            to.flush();
                        } catch (IOException sinkGone) {
                            sinkOpen = false; // keep draining so the command is not blocked on a full pipe
                        }
                    }
                }
            } catch (IOException ignored) {
                // the process was destroyed
            } finally {
                done.complete(null);
            }
        });
        return done;
    }
}
