package io.tensorbox.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The local runtime: sandboxes are directories under {@code $TENSORBOX_HOME}, their processes host processes. */
final class LocalSandboxes implements SandboxFiles, SandboxPids {
    private final Path home;

    LocalSandboxes(Path home) {
        this.home = home;
    }

    private Path state(String sandboxId) {
        return home.resolve("sandboxes").resolve(sandboxId).resolve("state");
    }

    @Override
    public byte[] readState(String sandboxId, String relativePath) {
        try {
            return Files.readAllBytes(state(sandboxId).resolve(relativePath));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public List<String> listState(String sandboxId, String relativeDir) {
        try (Stream<Path> files = Files.list(state(sandboxId).resolve(relativeDir))) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String stateDirInSandbox(String sandboxId) {
        return state(sandboxId).toString();
    }

    @Override
    public boolean exists(String sandboxId, String absolutePath) {
        return Files.exists(Path.of(absolutePath));
    }

    @Override
    public byte[] read(String sandboxId, String absolutePath) {
        try {
            return Files.readAllBytes(Path.of(absolutePath));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String state(String sandboxId, long pid) {
        try {
            return stateOf(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException e) {
            return "";
        }
    }

    /** The state field of a {@code /proc/<pid>/stat} line: the letter after the command's closing parenthesis. */
    static String stateOf(String stat) {
        int close = stat.lastIndexOf(')');
        String rest = close < 0 ? "" : stat.substring(close + 1).trim();
        return rest.isEmpty() ? "" : rest.substring(0, 1);
    }

    @Override
    public boolean isAlive(String sandboxId, long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Override
    public List<String> commandLines(String sandboxId) {
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .map(p -> p.info().commandLine().orElse(""))
                .filter(c -> !c.isEmpty())
                .toList();
    }

    @Override
    public void terminate(String sandboxId, long pid) {
        ProcessHandle process = ProcessHandle.of(pid)
                .orElseThrow(() -> new AssertionError("no host process " + pid + " in sandbox " + sandboxId));
        process.destroy();
    }
}
