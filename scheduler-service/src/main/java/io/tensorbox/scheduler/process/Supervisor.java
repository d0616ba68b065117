package io.tensorbox.scheduler.process;

import io.tensorbox.common.ApiException;
import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.ExecResult;
import io.tensorbox.common.Ids;
import io.tensorbox.common.ProcessSpec;
import io.tensorbox.common.ProcessState;
import io.tensorbox.common.ProcessStatus;
import io.tensorbox.scheduler.commands.CommandLines;
import io.tensorbox.scheduler.config.SchedulerConfig;
import io.tensorbox.scheduler.exec.ExecService;
import io.tensorbox.scheduler.metrics.SchedulerMetrics;
import io.tensorbox.scheduler.metrics.SchedulerMetrics.ExecKind;
import io.tensorbox.scheduler.runtime.RuntimeUnavailableException;
import io.tensorbox.scheduler.runtime.SandboxLayout;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drives {@code supervisor.sh} inside a sandbox through {@link SandboxRuntime#exec}: the only process
 * supervision TensorBox has, identical for every runtime.
 */
@ApplicationScoped
public class Supervisor {

    private static final Logger LOG = Logger.getLogger(Supervisor.class);
    static final byte[] SCRIPT = loadScript();
    private static final int MAX_REASON = 1000;
    private static final String PID = "([1-9][0-9]{0,8})";
    private static final String ANY_PID = "([0-9]{1,9})";
    private static final String MS = "([0-9]{1,15})";
    private static final Pattern OK = Pattern.compile("ok " + PID + " " + MS);
    private static final Pattern RUNNING = Pattern.compile("running " + PID + " " + MS);
    private static final Pattern ENDED = Pattern.compile("ended ([0-9]{1,3}) " + MS + " ([01]) " + ANY_PID + " " + MS);
    private static final Pattern LOST = Pattern.compile("lost " + ANY_PID + " " + MS);
    private static final Pattern FAILED = Pattern.compile("failed(?: (.*))?", Pattern.DOTALL);
    private static final Pattern EVENT = Pattern.compile("exit (proc_[0-9a-f]{24}) ([0-9]{1,3}) " + MS + " ([01])");
    private static final Pattern LIST_LINE = Pattern.compile("(proc_[0-9a-f]{24}) (.*)", Pattern.DOTALL);
    static final String SCRIPT_NAME = "tbx-" + sha256(SCRIPT).substring(0, 16);

    private final SandboxRuntime runtime;
    private final ExecService exec;
    private final SchedulerConfig config;
    /** The verbs {@code serve} answers: the hot path of starting and watching processes. */
    private static final Set<String> CHANNEL_VERBS = Set.of("start", "status", "signal", "closestdin");

    private final Set<String> installedIn = ConcurrentHashMap.newKeySet();
    private final SupervisorChannels channels;

    private final SchedulerMetrics metrics;

    Supervisor(SandboxRuntime runtime, ExecService exec, SchedulerConfig config, SupervisorChannels channels,
               SchedulerMetrics metrics) {
        this.metrics = metrics;
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
            throw new RuntimeUnavailableException("cannot install the supervisor in " + sandboxId + ": " + r.stderrText().strip());
        }
        installedIn.add(sandboxId);
    }

    /** The sandbox lost the script (a restarted pod): the next call installs it again. */
    public void reinstall(String sandboxId) {
        installedIn.remove(sandboxId);
    }

    public void forget(String sandboxId) {
        installedIn.remove(sandboxId);
        channels.forget(sandboxId);
    }

    public ProcessStatus start(String sandboxId, ProcessSpec spec) {
        requireProcessId(spec.id());
        SandboxLayout layout = runtime.layout(sandboxId);
        long startedAt = System.currentTimeMillis();
        List<String> args = new ArrayList<>(List.of(layout.workspaceDir(), spec.id(), String.valueOf(startedAt),
                spec.cwd() == null ? "" : spec.cwd()));
        List<String> env = spec.env() == null ? List.of() : spec.env();
        args.add(String.valueOf(env.size()));
        args.addAll(env);
        // shell, user and deadline of a background command: the same wrapper code as a run's
        args.addAll(CommandLines.background(spec, runtime.switchesUsers()));
        install(sandboxId);
        String line;
        switch (askChannel(sandboxId, "start", args)) {
            case SupervisorChannels.Answered a -> line = a.answer().output().strip();
            case SupervisorChannels.Unanswered u -> {
                LOG.infof("the start of %s in %s went unanswered (%s); asking the sandbox what became of it",
                        spec.id(), sandboxId, u.why());
                return failedAt(settle(sandboxId, spec.id()), startedAt);
            }
            case SupervisorChannels.NotSent ignored -> {
                ExecResult r;
                try {
                    r = exec(sandboxId, "start", args, null);
                } catch (RuntimeUnavailableException e) {
                    // The exec may have failed before or after the start ran.
                    LOG.infof("the start of %s in %s failed (%s); asking the sandbox what became of it",
                            spec.id(), sandboxId, e.getMessage());
                    return failedAt(settle(sandboxId, spec.id()), startedAt);
                }
                if (r.timedOut()) {
                    return failedAt(settle(sandboxId, spec.id()), startedAt);
                }
                line = r.stdoutText().strip();
            }
        }
        Matcher ok = OK.matcher(line);
        if (ok.matches()) {
            metrics.execStarted(ExecKind.background, Duration.ofMillis(System.currentTimeMillis() - startedAt));
            return new ProcessStatus(spec.id(), sandboxId, ProcessState.running, pid(ok.group(1)), -1,
                    Long.parseLong(ok.group(2)), 0, null);
        }
        // A failed start, or a repeated one: it answers the status of the start that holds the id.
        Optional<ProcessStatus> status = parseStatus(sandboxId, spec.id(), line);
        // Empty: a start that lost the id to one that never finished; ask once more, waiting for it.
        return failedAt(status.isPresent() ? status.get() : settle(sandboxId, spec.id()), startedAt);
    }

    /** A start that failed failed when it was asked for. */
    private static ProcessStatus failedAt(ProcessStatus status, long startedAt) {
        return status.state() != ProcessState.failed ? status : new ProcessStatus(status.id(), status.sandboxId(),
                ProcessState.failed, 0, -1, startedAt, System.currentTimeMillis(), status.reason());
    }

    /**
     * What became of a start whose answer was lost: the supervisor records a start that never arrived
     * as failed (so that it cannot run later) and answers the status of one that did.
     *
     * @throws RuntimeUnavailableException when the sandbox cannot be asked
     */
    private ProcessStatus settle(String sandboxId, String processId) {
        ExecResult r;
        try {
            r = exec(sandboxId, "settle", List.of(processId), null);
        } catch (RuntimeException e) {
            throw new RuntimeUnavailableException("cannot find out whether " + processId + " started: " + e.getMessage(), e);
        }
        if (r.timedOut()) {
            throw new RuntimeUnavailableException("cannot find out whether " + processId + " started: the sandbox did not answer within "
                    + config.controlTimeout().toSeconds() + " s");
        }
        return parseStatus(sandboxId, processId, r.stdoutText().strip()).orElseThrow(() ->
                new RuntimeUnavailableException("cannot find out whether " + processId + " started: the sandbox has no record of it"));
    }

    public Optional<ProcessStatus> status(String sandboxId, String processId) {
        requireProcessId(processId);
        return parseStatus(sandboxId, processId, call(sandboxId, "status", List.of(processId), null).stdoutText().strip());
    }

    /** Every process the sandbox's supervisor knows; lines that are not a process's status are dropped. */
    public List<ProcessStatus> list(String sandboxId) {
        List<ProcessStatus> all = new ArrayList<>();
        for (String line : call(sandboxId, "list", List.of(), null).stdoutText().split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            Matcher m = LIST_LINE.matcher(line);
            try {
                if (!m.matches()) {
                    throw new IllegalArgumentException("not '<process id> <status>'");
                }
                parseStatus(sandboxId, m.group(1), m.group(2)).ifPresent(all::add);
            } catch (RuntimeException e) {
                LOG.warnf("dropped a line of the process list of %s '%s': %s", sandboxId, LineReader.printable(line),
                        e.getMessage());
            }
        }
        return all;
    }

    /** @return false when the sandbox has no such process */
    public boolean signal(String sandboxId, String processId, String signal) {
        requireProcessId(processId);
        int code = call(sandboxId, "signal", List.of(processId, signal), null).exitCode();
        return switch (code) {
            case 0 -> true;
            case 4 -> false;
            default -> throw new RuntimeUnavailableException("signalling " + processId + " failed with " + code
                    + (code == 5 ? " (the pid on record in the sandbox is not one)" : ""));
        };
    }

    /** What became of a write to (or a close of) a process's stdin. */
    public enum StdinResult { WRITTEN, CLOSED, ENDED, UNKNOWN }

    /** @return {@code CLOSED} when the process's stdin was closed before: nothing was written */
    public StdinResult stdin(String sandboxId, String processId, byte[] data) {
        requireProcessId(processId);
        int code = call(sandboxId, "stdin", List.of(processId, String.valueOf(data.length)), data).exitCode();
        return switch (code) {
            case 0 -> StdinResult.WRITTEN;
            case 3 -> StdinResult.ENDED;
            case 4 -> StdinResult.UNKNOWN;
            case 6 -> StdinResult.CLOSED;
            default -> throw new RuntimeUnavailableException("writing stdin of " + processId + " failed with " + code);
        };
    }

    /**
     * Ends a process's input: it reads end of input once it has read what was written before.
     * Idempotent ({@code CLOSED} again); later writes answer {@code CLOSED}.
     */
    public StdinResult closeStdin(String sandboxId, String processId) {
        requireProcessId(processId);
        int code = call(sandboxId, "closestdin", List.of(processId), null).exitCode();
        return switch (code) {
            case 0 -> StdinResult.CLOSED;
            case 3 -> StdinResult.ENDED;
            case 4 -> StdinResult.UNKNOWN;
            default -> throw new RuntimeUnavailableException("closing stdin of " + processId + " failed with " + code);
        };
    }

    public void killAll(String sandboxId) {
        call(sandboxId, "killall", List.of(), null);
    }

    /**
     * argv of the long-lived exec that prints the exits of the sandbox from line {@code fromLine} of
     * its events file on (1: every exit so far), then each new one.
     */
    public List<String> eventsCommand(String sandboxId, long fromLine) {
        SandboxLayout layout = runtime.layout(sandboxId);
        return List.of("sh", scriptPath(layout), "events", layout.stateDir(), String.valueOf(Math.max(1, fromLine)));
    }

    /** Whether {@code id} is a process id, and so safe to become a path inside a sandbox. */
    /**
     * The port watcher's argv ({@code ports STATE MARKER}, see supervisor.sh): run it after {@link #install}.
     * {@code marker} ({@code K=V}) keeps only sockets whose owner's environment holds it; null keeps all.
     */
    public static List<String> portsCommand(SandboxLayout layout, String marker) {
        return List.of("sh", scriptPath(layout), "ports", layout.stateDir(), marker == null ? "" : marker);
    }

    public static boolean isProcessId(String id) {
        return id != null && Ids.PROCESS.matcher(id).matches();
    }

    static void requireProcessId(String id) {
        if (!isProcessId(id)) {
            throw new ApiException(400, "invalid_process_id", "a process id is proc_ and 24 lowercase hex digits");
        }
    }

    /**
     * Reads one line of {@code STATE/events}: {@code exit <id> <status> <exited_at_ms> <killed>}. The
     * sandbox can write that file: anything else is dropped, and the event is bound to the sandbox it
     * was read from whatever process it names.
     */
    public static Optional<ProcessStatus> parseEvent(String sandboxId, String line) {
        Matcher m = EVENT.matcher(line);
        if (!m.matches() || Integer.parseInt(m.group(2)) > 255) {
            LOG.warnf("dropped a malformed line of the events of %s: '%s'", sandboxId, LineReader.printable(line));
            return Optional.empty();
        }
        return Optional.of(ended(sandboxId, m.group(1), Integer.parseInt(m.group(2)), Long.parseLong(m.group(3)),
                m.group(4).equals("1"), 0, 0));
    }

    /**
     * Reads a status answer of the supervisor; empty for {@code unknown}.
     *
     * @throws RuntimeUnavailableException for anything that is not a status
     */
    static Optional<ProcessStatus> parseStatus(String sandboxId, String processId, String line) {
        Matcher m;
        if (line.equals("unknown")) {
            return Optional.empty();
        }
        if ((m = RUNNING.matcher(line)).matches()) {
            return Optional.of(new ProcessStatus(processId, sandboxId, ProcessState.running,
                    pid(m.group(1)), -1, Long.parseLong(m.group(2)), 0, null));
        }
        if ((m = ENDED.matcher(line)).matches() && Integer.parseInt(m.group(1)) <= 255) {
            return Optional.of(ended(sandboxId, processId, Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)),
                    m.group(3).equals("1"), pid(m.group(4)), Long.parseLong(m.group(5))));
        }
        if ((m = LOST.matcher(line)).matches()) {
            return Optional.of(new ProcessStatus(processId, sandboxId, ProcessState.killed,
                    pid(m.group(1)), -1, Long.parseLong(m.group(2)), System.currentTimeMillis(),
                    "the process ended without its supervisor (sandbox restarted?)"));
        }
        if ((m = FAILED.matcher(line)).matches()) {
            return Optional.of(new ProcessStatus(processId, sandboxId, ProcessState.failed, 0, -1, 0,
                    0, reason(m.group(1))));
        }
        throw new RuntimeUnavailableException("the supervisor in " + sandboxId + " answered an unreadable status for "
                + processId + ": '" + LineReader.printable(line) + "'");
    }

    private static int pid(String digits) {
        return Integer.parseInt(digits); // at most 9 digits by the patterns
    }

    /** A failure reason as the sandbox wrote it, fit to be shown: printable and bounded. */
    private static String reason(String raw) {
        String text = raw == null ? "" : raw.strip().codePoints()
                .map(c -> Character.isISOControl(c) ? ' ' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return text.length() > MAX_REASON ? text.substring(0, MAX_REASON) + "..." : text;
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

    /** A verb over the sandbox's supervisor channel when it serves it; {@code NotSent} otherwise. */
    private SupervisorChannels.Reply askChannel(String sandboxId, String verb, List<String> args) {
        if (!config.supervisorChannel() || !CHANNEL_VERBS.contains(verb)) {
            return new SupervisorChannels.NotSent("not a channel verb");
        }
        SandboxLayout layout = runtime.layout(sandboxId);
        List<String> verbArgs = new ArrayList<>(List.of(layout.stateDir()));
        verbArgs.addAll(args);
        return channels.ask(sandboxId, List.of("sh", scriptPath(layout), "serve"), verb, verbArgs, config.controlTimeout());
    }

    /** A verb over the channel if it can answer, else over an exec of its own; a deadline is an error. */
    private ExecResult call(String sandboxId, String verb, List<String> args, byte[] stdin) {
        install(sandboxId);
        if (stdin == null && askChannel(sandboxId, verb, args) instanceof SupervisorChannels.Answered a) {
            return new ExecResult((a.answer().output() + "\n").getBytes(StandardCharsets.UTF_8), new byte[0],
                    a.answer().status(), 0, false, false);
        }
        ExecResult r = exec(sandboxId, verb, args, stdin);
        if (r.timedOut()) {
            throw new RuntimeUnavailableException("the sandbox did not answer '" + verb + "' within "
                    + config.controlTimeout().toSeconds() + " s");
        }
        return r;
    }

    /** A verb over an exec of its own, with the control deadline. */
    private ExecResult exec(String sandboxId, String verb, List<String> args, byte[] stdin) {
        install(sandboxId);
        SandboxLayout layout = runtime.layout(sandboxId);
        List<String> argv = new ArrayList<>(List.of("sh", scriptPath(layout), verb, layout.stateDir()));
        argv.addAll(args);
        ExecResult r = exec.run(sandboxId, new ExecRequest(argv, null, null, stdin, config.controlTimeout().toMillis()));
        if (r.exitCode() == 127 || (r.exitCode() == 2 && r.stderrText().contains(SCRIPT_NAME))) {
            // The sandbox lost its files (a restarted pod): install again next time.
            installedIn.remove(sandboxId);
            throw new RuntimeUnavailableException("the supervisor is missing in " + sandboxId + ": " + r.stderrText().strip());
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
