package io.tensorbox.scheduler.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What makes an exec end inside the sandbox rather than only on our side: closing an exec's
 * connection does not end its command in a pod (the kubelet keeps it running), so every exec
 * carries its own end with it. Both are argv wrappers built from the sandbox contract ({@code /bin/sh},
 * GNU coreutils, util-linux {@code setsid}), so both runtimes run exactly the same thing.
 */
public final class ExecGuards {

    /**
     * The watchdog: runs {@code "$@"} in a session (and process group) of its own with stdin from
     * {@code /dev/null}, and reads its own stdin in a second session; at end of input it kills the
     * command's whole process group. Exec stdin is open for as long as the caller holds the exec: the
     * kubelet closes it when the exec's connection closes, the local runtime when the handle is closed.
     * The shell's own messages go to {@code /dev/null}; the command keeps the exec's stdout and stderr.
     * The exit status is the command's ({@code 128+n} when killed by signal n).
     */
    static final String WATCHDOG = "exec 3<&0; "
            + "setsid -- \"$@\" </dev/null 3<&- & p=$!; "
            + "setsid sh -c 'cat >/dev/null; kill -KILL -\"$1\" 2>/dev/null || kill -KILL \"$1\" 2>/dev/null' "
            + "tbx-eof \"$p\" <&3 >/dev/null 2>&1 & w=$!; "
            + "exec 3<&- 2>/dev/null; "
            + "wait \"$p\"; s=$?; kill -KILL -\"$w\" 2>/dev/null; exit \"$s\"";

    static final String WATCHDOG_NAME = "tbx-watchdog";

    /** Exit status of a command that {@code timeout -s KILL} ended (it kills its own group, itself included). */
    public static final int KILLED_AT_DEADLINE = 128 + 9;

    private ExecGuards() {
    }

    /** {@code argv} under the watchdog: it ends, with its whole process group, when the exec's stdin closes. */
    public static List<String> endingWithCaller(List<String> argv) {
        List<String> line = new ArrayList<>(argv.size() + 4);
        line.add("sh");
        line.add("-c");
        line.add(WATCHDOG);
        line.add(WATCHDOG_NAME);
        line.addAll(argv);
        return line;
    }

    /**
     * {@code argv} killed (SIGKILL, with every process of its group) at {@code deadline} by coreutils
     * {@code timeout}, wherever it runs.
     */
    public static List<String> killedAt(Duration deadline, List<String> argv) {
        long ms = Math.max(1, deadline.toMillis());
        List<String> line = new ArrayList<>(argv.size() + 4);
        line.add("timeout");
        line.add("-s");
        line.add("KILL");
        line.add(String.format(java.util.Locale.ROOT, "%d.%03d", ms / 1000, ms % 1000));
        line.addAll(argv);
        return line;
    }
}
