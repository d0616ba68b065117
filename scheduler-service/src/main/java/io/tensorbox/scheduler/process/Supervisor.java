package io.tensorbox.scheduler.process;

import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.ExecResult;
import io.tensorbox.common.ProcessSpec;
import io.tensorbox.common.ProcessState;
import io.tensorbox.common.ProcessStatus;
import io.tensorbox.scheduler.config.SchedulerConfig;
import io.tensorbox.scheduler.exec.ExecService;
import io.tensorbox.scheduler.runtime.RuntimeUnavailableException;
import io.tensorbox.scheduler.runtime.SandboxLayout;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Drives {@code supervisor.sh} inside a sandbox through {@link SandboxRuntime#exec}: the only process
 * supervision TensorBox has, identical for every runtime.
 */
@ApplicationScoped
public class Supervisor {

    static final byte[] SCRIPT = loadScript();
    static final String SCRIPT_NAME = "tbx-" + sha256(SCRIPT).substring(0, 16);

    private final SandboxRuntime runtime;
    private final ExecService exec;
    private final SchedulerConfig config;
    /** The verbs {@code serve} answers: the hot path of starting and watching processes. */
    private static final Set<String> CHANNEL_VERBS = Set.of("start", "status", "signal");

    private final Set<String> installedIn = ConcurrentHashMap.newKeySet();
    private final SupervisorChannels channels;

    Supervisor(SandboxRuntime runtime, ExecService exec, SchedulerConfig config, SupervisorChannels channels) {
        this.runtime = runtime;
        this.exec = exec;
        this.config = config;
        this.channels = channels;
    }

    /** Puts the script into the sandbox (once per sandbox and scheduler start; idempotent). */
    public void install(String sandboxId) {
        if (installedIn.contains(sandboxId)) {
            return;
        }
        SandboxLayout layout = runtime.layout(sandboxId);
        String target = scriptPath(layout);
        // Length-delimited read: an exec cannot always close stdin (STACK.md).
        ExecResult r = exec.run(sandboxId, new ExecRequest(List.of("sh", "-c",
                "mkdir -p \"$1/bin\" && head -c $2 > \"$3.$$\" && mv -f \"$3.$$\" \"$3\" && sh \"$3\" install \"$1\"",
                "sh", layout.stateDir(), String.valueOf(SCRIPT.length), target),
                null, null, SCRIPT, config.controlTimeout().toMillis()));
        if (r.exitCode() != 0) {
            throw new RuntimeUnavailableException("cannot install the supervisor in " + sandboxId + ": " + r.stderr().strip());
        }
        installedIn.add(sandboxId);
    }

    public void forget(String sandboxId) {
        installedIn.remove(sandboxId);
        channels.forget(sandboxId);
    }

    public ProcessStatus start(String sandboxId, ProcessSpec spec) {
        SandboxLayout layout = runtime.layout(sandboxId);
        long startedAt = System.currentTimeMillis();
        List<String> args = new ArrayList<>(List.of(layout.workspaceDir(), spec.id(), String.valueOf(startedAt),
                spec.cwd() == null ? "" : spec.cwd()));
        List<String> env = spec.env() == null ? List.of() : spec.env();
        args.add(String.valueOf(env.size()));
        args.addAll(env);
        args.addAll(spec.command());
        String line = call(sandboxId, "start", args, null).stdout().strip();
        if (line.startsWith("failed ")) {
            return new ProcessStatus(spec.id(), sandboxId, ProcessState.failed, 0, -1, startedAt,
                    System.currentTimeMillis(), line.substring("failed ".length()));
        }
        String[] ok = line.split(" ");
        if (ok.length == 3 && ok[0].equals("ok")) {
            return new ProcessStatus(spec.id(), sandboxId, ProcessState.running, Integer.parseInt(ok[1]), -1,
                    Long.parseLong(ok[2]), 0, null);
        }
        // A retried start answers the status of the process it started before.
        return parseStatus(sandboxId, spec.id(), line)
                .orElseThrow(() -> new RuntimeUnavailableException("supervisor answered '" + line + "' to start"));
    }

    public Optional<ProcessStatus> status(String sandboxId, String processId) {
        return parseStatus(sandboxId, processId, call(sandboxId, "status", List.of(processId), null).stdout().strip());
    }

    public List<ProcessStatus> list(String sandboxId) {
        List<ProcessStatus> all = new ArrayList<>();
        for (String line : call(sandboxId, "list", List.of(), null).stdout().split("\n")) {
            int space = line.indexOf(' ');
            if (space > 0) {
                parseStatus(sandboxId, line.substring(0, space), line.substring(space + 1)).ifPresent(all::add);
            }
        }
        return all;
    }

    /** @return false when the sandbox has no such process */
    public boolean signal(String sandboxId, String processId, String signal) {
        return call(sandboxId, "signal", List.of(processId, signal), null).exitCode() != 4;
    }

    public enum StdinResult { WRITTEN, ENDED, UNKNOWN }

    public StdinResult stdin(String sandboxId, String processId, byte[] data) {
        int code = call(sandboxId, "stdin", List.of(processId, String.valueOf(data.length)), data).exitCode();
        return switch (code) {
            case 0 -> StdinResult.WRITTEN;
            case 3 -> StdinResult.ENDED;
            case 4 -> StdinResult.UNKNOWN;
            default -> throw new RuntimeUnavailableException("writing stdin of " + processId + " failed with " + code);
        };
    }

    public void killAll(String sandboxId) {
        call(sandboxId, "killall", List.of(), null);
    }

    /** argv of the long-lived exec that prints every exit of the sandbox, past ones first. */
    public List<String> eventsCommand(String sandboxId) {
        SandboxLayout layout = runtime.layout(sandboxId);
        return List.of("sh", scriptPath(layout), "events", layout.stateDir());
    }

    /** Reads one line of {@code STATE/events}: {@code exit <id> <status> <exited_at_ms> <killed>}. */
    public static Optional<ProcessStatus> parseEvent(String sandboxId, String line) {
        String[] f = line.strip().split(" ");
        if (f.length != 5 || !f[0].equals("exit")) {
            return Optional.empty();
        }
        return Optional.of(ended(sandboxId, f[1], Integer.parseInt(f[2]), Long.parseLong(f[3]), f[4].equals("1"), 0, 0));
    }

    static Optional<ProcessStatus> parseStatus(String sandboxId, String processId, String line) {
        String[] f = line.split(" ");
        return switch (f[0]) {
            case "running" -> Optional.of(new ProcessStatus(processId, sandboxId, ProcessState.running,
                    Integer.parseInt(f[1]), -1, Long.parseLong(f[2]), 0, null));
            case "ended" -> Optional.of(ended(sandboxId, processId, Integer.parseInt(f[1]), Long.parseLong(f[2]),
                    f[3].equals("1"), Integer.parseInt(f[4]), Long.parseLong(f[5])));
            case "lost" -> Optional.of(new ProcessStatus(processId, sandboxId, ProcessState.killed,
                    Integer.parseInt(f[1]), -1, Long.parseLong(f[2]), System.currentTimeMillis(),
                    "the process ended without its supervisor (sandbox restarted?)"));
            case "failed" -> Optional.of(new ProcessStatus(processId, sandboxId, ProcessState.failed, 0, -1, 0,
                    0, line.substring("failed".length()).strip()));
            default -> Optional.empty();
        };
    }

    /**
     * A shell reports death by signal N as 128+N and so cannot tell it from {@code exit 128+N}; like
     * bash's {@code $?}, TensorBox reads it as the signal. A kill asked for through the API is a kill
     * whatever the status.
     */
    static ProcessStatus ended(String sandboxId, String processId, int status, long exitedAtMs, boolean killRequested,
                               int pid, long startedAtMs) {
        boolean bySignal = killRequested || status > 128;
        return new ProcessStatus(processId, sandboxId, bySignal ? ProcessState.killed : ProcessState.exited, pid,
                bySignal ? -1 : status, startedAtMs, exitedAtMs, null);
    }

    private ExecResult call(String sandboxId, String verb, List<String> args, byte[] stdin) {
        install(sandboxId);
        SandboxLayout layout = runtime.layout(sandboxId);
        if (config.supervisorChannel() && stdin == null && CHANNEL_VERBS.contains(verb)) {
            List<String> verbArgs = new ArrayList<>(List.of(layout.stateDir()));
            verbArgs.addAll(args);
            Optional<SupervisorChannels.Answer> answer = channels.ask(sandboxId,
                    List.of("sh", scriptPath(layout), "serve"), verb, verbArgs, config.controlTimeout());
            if (answer.isPresent()) {
                return new ExecResult(answer.get().output() + "\n", "", answer.get().status(), 0, false, false);
            }
        }
        List<String> argv = new ArrayList<>(List.of("sh", scriptPath(layout), verb, layout.stateDir()));
        argv.addAll(args);
        ExecResult r = exec.run(sandboxId, new ExecRequest(argv, null, null, stdin, config.controlTimeout().toMillis()));
        if (r.timedOut()) {
            throw new RuntimeUnavailableException("the sandbox did not answer '" + verb + "' within "
                    + config.controlTimeout().toSeconds() + " s");
        }
        if (r.exitCode() == 127 || (r.exitCode() == 2 && r.stderr().contains(SCRIPT_NAME))) {
            // The sandbox lost its files (a restarted pod): install again next time.
            installedIn.remove(sandboxId);
            throw new RuntimeUnavailableException("the supervisor is missing in " + sandboxId + ": " + r.stderr().strip());
        }
        return r;
    }

    private static String scriptPath(SandboxLayout layout) {
        return layout.stateDir() + "/bin/" + SCRIPT_NAME;
    }

    private static byte[] loadScript() {
        try (InputStream in = Supervisor.class.getResourceAsStream("/supervisor.sh")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
