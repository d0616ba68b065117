package io.tensorbox.scheduler.runtime.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.pty4j.PtyProcess;
import com.pty4j.PtyProcessBuilder;
import com.pty4j.WinSize;
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
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
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
    /**
     * Pipe reads block in the kernel; on virtual threads each would pin a carrier, and the
     * long-lived event followers would hold them for good.
     */
    private static final java.util.concurrent.ThreadFactory PIPE_THREADS =
            Thread.ofPlatform().daemon().name("local-exec-pipe-", 0).factory();

    /**
     * Every exec, channel and terminal of a sandbox (and so every process the supervisor starts in it)
     * carries {@code TENSORBOX_SANDBOX=<id>}: the host's socket table is shared by all sandboxes, and
     * port discovery keeps only sockets whose owner carries it. Not a security boundary (the local
     * runtime has none): it tells sandboxes apart from each other and from the host's own listeners.
     */
    public static final String MARKER = "TENSORBOX_SANDBOX";

    private final Path sandboxes;
    private final ObjectMapper json;
    private final java.util.Map<String, SandboxSpec> specs = new java.util.concurrent.ConcurrentHashMap<>();

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
                // The API's create call and the reconcile loop may create one sandbox at once: each
                // writes its own file and renames it over the other's (same content, same outcome).
                Path tmp = Files.createTempFile(root, SPEC_FILE, ".tmp");
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
        specs.remove(sandboxId);
        Path root = root(sandboxId);
        if (!Files.exists(root)) {
            return;
        }
        // Supervisors of killed processes may still be writing their last files: move the tree out
        // of their way first, then remove it, tolerating entries that vanish meanwhile.
        Path doomed = sandboxes.resolve(".deleting-" + sandboxId + "-" + System.nanoTime());
        try {
            Files.move(root, doomed, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + root, e);
        }
        removeTree(doomed);
    }

    private static void removeTree(Path dir) {
        try {
            Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
                @Override
                public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attrs)
                        throws IOException {
                    Files.deleteIfExists(file);
                    return java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof java.nio.file.NoSuchFileException) {
                        return java.nio.file.FileVisitResult.CONTINUE;
                    }
                    throw e;
                }

                @Override
                public java.nio.file.FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    try {
                        Files.deleteIfExists(d);
                    } catch (java.nio.file.DirectoryNotEmptyException late) {
                        // a supervisor wrote one last file into it; the next pass takes it
                        removeTree(d);
                    }
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }

    @Override
    public List<SandboxStatus> list() {
        if (!Files.isDirectory(sandboxes)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(sandboxes)) {
            List<SandboxStatus> all = new ArrayList<>();
            dirs.filter(d -> !d.getFileName().toString().startsWith(".") && Files.exists(d.resolve(SPEC_FILE)))
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

    /** A sandbox's ports are this host's. */
    @Override
    public String address(String sandboxId) {
        return "127.0.0.1";
    }

    @Override
    public String socketOwnerMarker(String sandboxId) {
        return MARKER + "=" + sandboxId;
    }

    /** A sandbox is a directory of this host with nothing around it: files stay inside it. */
    @Override
    public String confinedTo(String sandboxId) {
        return root(sandboxId).toString();
    }

    /** Every command runs as the user running TensorBox: there is no other user to switch to. */
    @Override
    public boolean switchesUsers() {
        return false;
    }

    @Override
    public ExecHandle spawn(String sandboxId, ExecRequest request, OutputStream stdout, OutputStream stderr) {
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
        env.put(MARKER, sandboxId);
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new RuntimeUnavailableException("cannot run " + request.argv().getFirst() + ": " + e.getMessage(), e);
        }
        CompletableFuture<Void> err = pump(process.getErrorStream(), stderr, null, null);
        // Held open like a pod exec's stdin: written, never closed before the handle is (end of input
        // is what the watchdog of SandboxRuntime#exec ends the command at).
        OutputStream stdin = process.getOutputStream();
        byte[] bytes = request.stdin();
        if (bytes != null && bytes.length > 0) {
            PIPE_THREADS.newThread(() -> {
                try {
                    stdin.write(bytes);
                    stdin.flush();
                } catch (IOException ignored) {
                    // the command did not read its input; its exit status tells the rest
                }
            }).start();
        }
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        pump(process.getInputStream(), stdout, process, () -> {
            closeQuietly(stdin);
            err.join();
            exit.complete(process.exitValue());
        });
        return new ExecHandle() {
            @Override
            public CompletableFuture<Integer> exitCode() {
                return exit;
            }

            @Override
            public void close() {
                // As a kubelet does when an exec's connection closes: stdin ends and the exec goes.
                // What the command started is ended by the guards inside the sandbox, not from here.
                closeQuietly(stdin);
                if (process.isAlive()) {
                    process.destroyForcibly();
                }
            }
        };
    }

    @Override
    public Channel openChannel(String sandboxId, List<String> argv, OutputStream stdout) {
        Path root = root(sandboxId);
        SandboxSpec spec = readSpec(sandboxId, root);
        ProcessBuilder pb = new ProcessBuilder(argv).directory(root.resolve("workspace").toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("HOME", root.resolve("workspace").toString());
        if (spec.env() != null) {
            pb.environment().putAll(spec.env());
        }
        pb.environment().put(MARKER, sandboxId);
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new RuntimeUnavailableException("cannot run " + argv.getFirst() + ": " + e.getMessage(), e);
        }
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        pump(process.getInputStream(), stdout, process, () -> exit.complete(process.exitValue()));
        return new Channel() {
            @Override
            public OutputStream stdin() {
                return process.getOutputStream();
            }

            @Override
            public CompletableFuture<Integer> exitCode() {
                return exit;
            }

            @Override
            public void close() {
                closeQuietly(process.getOutputStream());
                process.destroyForcibly();
            }
        };
    }

    @Override
    public Terminal openTerminal(String sandboxId, TerminalRequest request, OutputStream output) {
        Path root = root(sandboxId);
        SandboxSpec spec = readSpec(sandboxId, root);
        Path workspace = root.resolve("workspace");
        // what ProcessBuilder would give a child, as spawn() does: this process's environment first
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("HOME", workspace.toString());
        if (spec.env() != null) {
            env.putAll(spec.env());
        }
        env.put(MARKER, sandboxId);
        PtyProcess process;
        try {
            process = new PtyProcessBuilder(request.argv().toArray(String[]::new))
                    .setEnvironment(env)
                    .setDirectory(workspace.toString())
                    .setInitialColumns(request.cols())
                    .setInitialRows(request.rows())
                    .setConsole(false) // a session of its own with the pty as controlling terminal
                    .setRedirectErrorStream(true)
                    .start();
        } catch (IOException | RuntimeException | LinkageError e) {
            throw new RuntimeUnavailableException("cannot open a terminal in sandbox " + sandboxId + ": " + e.getMessage(), e);
        }
        return new LocalTerminal(process, output);
    }

    /**
     * A pty of this host. One platform thread reads it (pty reads block in the kernel); a blocked
     * write to the caller's stream pauses that read, and with it the program once the pty is full.
     */
    private static final class LocalTerminal implements Terminal {
        private final PtyProcess process;
        private final OutputStream keys;
        private final CompletableFuture<Integer> exit = new CompletableFuture<>();

        LocalTerminal(PtyProcess process, OutputStream output) {
            this.process = process;
            this.keys = process.getOutputStream();
            InputStream screen = process.getInputStream();
            PIPE_THREADS.newThread(() -> {
                byte[] buf = new byte[16384];
                boolean sinkOpen = true;
                try {
                    int n;
                    while ((n = screen.read(buf, 0, buf.length)) > 0) {
                        if (sinkOpen) {
                            try {
                                output.write(buf, 0, n);
                                output.flush();
                            } catch (IOException sinkGone) {
                                sinkOpen = false; // keep reading so the program is not stuck on a full pty
                            }
                        }
                    }
                } catch (IOException ignored) {
                    // the pty was closed
                }
                int status;
                try {
                    status = process.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    exit.completeExceptionally(e);
                    return;
                } finally {
                    closeQuietly(keys);
                }
                exit.complete(status);
            }).start();
        }

        @Override
        public void write(byte[] bytes) throws IOException {
            synchronized (keys) {
                keys.write(bytes);
                keys.flush();
            }
        }

        @Override
        public void resize(int cols, int rows) {
            try {
                process.setWinSize(new WinSize(cols, rows));
            } catch (RuntimeException closed) {
                // the pty is gone: nothing to resize
            }
        }

        @Override
        public CompletableFuture<Integer> exitCode() {
            return exit;
        }

        @Override
        public void close() {
            // Closing the master hangs the terminal up (SIGHUP to its session), as an sshd does; what
            // ignores that is ended by the terminal's session guard, as on every runtime.
            exit.completeExceptionally(new CancellationException("the terminal was closed before its command ended"));
            closeQuietly(keys);
        }
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
        SandboxSpec cached = specs.get(sandboxId);
        if (cached != null && Files.isDirectory(root)) {
            return cached;
        }
        try {
            SandboxSpec spec = json.readValue(root.resolve(SPEC_FILE).toFile(), SandboxSpec.class);
            specs.put(sandboxId, spec);
            return spec;
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

    /**
     * Copies {@code from} to {@code to} on a thread of its own until end of input, then (if given)
     * waits for {@code process} to end and runs {@code ended} on the same thread. Nothing here goes
     * through {@code Process.onExit()}, whose completion needs a free thread of the common pool.
     */
    private static CompletableFuture<Void> pump(InputStream from, OutputStream to, Process process, Runnable ended) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        PIPE_THREADS.newThread(() -> {
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
            if (process != null) {
                boolean interrupted = false;
                while (true) {
                    try {
                        process.waitFor();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                ended.run();
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }).start();
        return done;
    }

    private static void closeQuietly(OutputStream stream) {
        try {
            stream.close();
        } catch (IOException ignored) {
            // nothing was written to it
        }
    }
}
