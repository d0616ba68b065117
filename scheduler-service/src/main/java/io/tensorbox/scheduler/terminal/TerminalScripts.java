package io.tensorbox.scheduler.terminal;

import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code sh} that runs around a terminal, the same on every runtime (it needs {@code /bin/sh},
 * {@code /proc} and, to switch users, util-linux {@code runuser}). Closing a TTY exec in a pod ends
 * nothing: the container runtime keeps the pty open, so no hangup reaches the shell (runc and
 * containerd leave it running; kubernetes#89031, runc#3359). A terminal therefore reports its
 * session first, and a second, plain exec — the guard — kills that whole session when told to or
 * when its own stdin ends (which the kubelet does when the exec's connection closes, e.g. when the
 * scheduler dies). Public only for the drivers' tests against a real cluster.
 */
public final class TerminalScripts {

    /**
     * Sets the window size ({@code $4} x {@code $5}) before anything runs — drivers size the pty only
     * once its program started (pty4j after the fork, the kubelet on the first resize message), too
     * late for a program that reads it at once — then writes the terminal's first line, before
     * anything the user runs (so it cannot be forged): {@code tbx-term <pid> <session id>}; then
     * {@code cd}, {@code TERM}, the user and the shell. {@code $1} the directory (empty: the
     * workspace), {@code $2} the user (empty: the exec's own), {@code $3} a shell line (empty: a
     * login shell).
     */
    static final String WRAPPER = """
            d=$1 u=$2 c=$3
            stty cols "$4" rows "$5" 2>/dev/null
            f() { s=$4; }
            IFS= read -r l </proc/$$/stat || l=
            f ${l##*) }
            printf 'tbx-term %s %s\\n' "$$" "${s:-0}"
            export TERM=xterm-256color
            [ -z "$d" ] || cd -- "$d" || exit 126
            set --
            if [ -n "$u" ] && [ "$u" != "$(id -un 2>/dev/null)" ]; then set -- runuser -u "$u" --; fi
            if command -v bash >/dev/null 2>&1; then
              [ -z "$c" ] || exec "$@" bash -l -c "$c"
              exec "$@" bash -l
            fi
            [ -z "$c" ] || exec "$@" sh -c "$c"
            exec "$@" sh -l
            """;

    /**
     * Waits for a line or end of input on stdin, then SIGKILLs every process of session {@code $1}
     * (read from {@code /proc/<pid>/stat}; zombies skipped), pass after pass until none is left, so
     * what forks meanwhile goes too. Reads and kills are builtins: one process for the whole guard.
     */
    static final String GUARD = """
            s=$1
            case $s in ''|*[!0-9]*) exit 2;; esac
            [ "$s" -gt 1 ] || exit 2
            IFS= read -r x
            f() { st=$1 se=$4; }
            n=0
            while [ "$n" -lt 20 ]; do
              k=0
              for p in /proc/[0-9]*; do
                IFS= read -r l 2>/dev/null <"$p/stat" || continue
                f ${l##*) }
                [ "$se" = "$s" ] && [ "$st" != Z ] && [ "${p#/proc/}" != "$$" ] || continue
                kill -KILL "${p#/proc/}" 2>/dev/null && k=1
              done
              [ "$k" = 1 ] || exit 0
              n=$((n+1))
            done
            """;

    /** Exit 3: {@code $1} is not a directory one can enter; exit 4: no user {@code $2}. */
    static final String CHECK = """
            [ -z "$1" ] || cd -- "$1" 2>/dev/null || exit 3
            [ -z "$2" ] || id -u -- "$2" >/dev/null 2>&1 || exit 4
            """;

    static final int CHECK_BAD_CWD = 3;
    static final int CHECK_BAD_USER = 4;

    /** The header is short; anything longer is not ours. */
    static final int HEADER_MAX = 64;

    private static final Pattern HEADER = Pattern.compile("tbx-term ([1-9][0-9]{0,9}) ([0-9]{1,10})\r?");

    private TerminalScripts() {
    }

    public static List<String> wrapper(String cwd, String user, String shellLine, int cols, int rows) {
        return List.of("sh", "-c", WRAPPER, "tbx-term", nullToEmpty(cwd), nullToEmpty(user), nullToEmpty(shellLine),
                Integer.toString(cols), Integer.toString(rows));
    }

    public static List<String> guard(long session) {
        return List.of("sh", "-c", GUARD, "tbx-term-guard", Long.toString(session));
    }

    static List<String> check(String cwd, String user) {
        return List.of("sh", "-c", CHECK, "tbx-term-check", nullToEmpty(cwd), nullToEmpty(user));
    }

    /**
     * The terminal's session id from its first line (without the {@code \n}); empty when the line is
     * not the wrapper's, or when the wrapper is not the leader of its own session (then its session is
     * someone else's — the container's, the scheduler's — and must never be killed).
     */
    public static OptionalLong session(String line) {
        Matcher m = HEADER.matcher(line);
        if (!m.matches()) {
            return OptionalLong.empty();
        }
        long pid = Long.parseLong(m.group(1));
        long sid = Long.parseLong(m.group(2));
        return pid == sid && pid > 1 && pid <= Integer.MAX_VALUE ? OptionalLong.of(pid) : OptionalLong.empty();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
