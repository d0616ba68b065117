package io.tensorbox.logs.logs;

import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.LogFiles;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Map;

/**
 * The commands that read a process log inside its sandbox. Paths travel as arguments, never
 * spliced into a script, so no file name can become shell code.
 */
final class LogCommands {

    /**
     * Follows the log while its writer lives, then ends. The current file is held open on fd 3 and
     * drained with {@code cat <&3}, which continues from where the last drain stopped. When the
     * name points at a new file the log has rolled: the held file is complete by then (the writer
     * renames only after its last byte), so it is drained once more and the new file is opened.
     * If {@code .log.1} is not the held file, the log rolled twice between two looks: that middle
     * file is read whole too. The writer's liveness is checked before a drain, so the last drain
     * sees its last byte.
     * ({@code tail -F --pid} as the reader loses the bytes written after a roll when the writer ends
     * right after it: tail exits on the old file before it switches to the new one.)
     * <p>
     * Between drains the script waits without polling: a {@code tail -F --pid} started at the byte
     * after the last one drained ({@code /proc/self/fdinfo} of fd 3) writes into a FIFO that
     * {@code head -c 1} reads, so the wait ends at the first new byte, or when the writer ends
     * (tail's {@code --pid}). A quiet follower costs no fork at all (every process start costs
     * milliseconds of CPU in a small VM: hundreds of polling followers filled two cores), a chatty one
     * is drained at most five times a second. A roll comes only once the held file is full
     * ({@code $3} bytes), so the name still means the held file while it is not: no wake-up is
     * missed. The FIFO lives beside {@code writer.pid} (the process's state directory), so one left by a
     * follower that was killed goes with the sandbox. Without {@code /proc} or a FIFO it falls back to
     * looking every 0.2 s.
     * <p>
     * The fourth argument places the held fd before the first drain, so that a follow started
     * mid-file meets a roll exactly as one from byte 0 does: {@code 0} is the whole file; {@code end}
     * its end ({@code tail -c 1} seeks there and reads the last byte away); a decimal {@code N}
     * (no leading zero: the shell would read octal) is byte N, reached without reading what lies
     * before it: {@code dd} seeks the shared fd to N-1 and reads one byte, so the fd stands at N
     * exactly when the file holds byte N-1. Otherwise the file is shorter than N and the fd stands
     * past its end, where it would skip what is written next; the follow starts at the end instead
     * (the fd is reopened through {@code /dev/fd/3}, the same file whatever its name now, and
     * {@code tail -c 1} seeks). Placing costs one process per follow, two for an offset past the end,
     * none per chunk; the writer's pid is read with the {@code read} builtin (no process). Without
     * {@code /proc} the bytes before N are read away with {@code head -c N}, which stops at the end.
     */
    static final String FOLLOW_SCRIPT = """
            log="$1"; full=${3:-10485760}; from=${4:-0}
            wpid=; { read -r wpid <"$2"; } 2>/dev/null
            exec 3<"$log" || exit 1
            wake="${2%/*}/follow-$$"
            trap 'rm -f "$wake"' EXIT
            at() { pos=; while read -r k v; do if [ "$k" = pos: ]; then pos=$v; break; fi; done </proc/$$/fdinfo/3 2>/dev/null; }
            case $from in
              0) ;;
              end) tail -c 1 <&3 >/dev/null ;;
              *) at
                 if [ -z "$pos" ]; then head -c "$from" <&3 >/dev/null
                 else
                   dd bs=1 skip=$((from - 1)) count=1 status=none <&3 >/dev/null 2>&1; at
                   if [ "$pos" != "$from" ]; then exec 3</dev/fd/3 || exit 1; tail -c 1 <&3 >/dev/null; fi
                 fi ;;
            esac
            while :; do
              alive=0
              if [ -n "$wpid" ] && kill -0 "$wpid" 2>/dev/null; then alive=1; fi
              cat <&3
              if [ -e "$log" ] && ! [ "$log" -ef /dev/fd/3 ]; then
                cat <&3
                { [ /dev/fd/4 -ef /dev/fd/3 ] || cat <&4; } 4<"$log.1" 2>/dev/null
                exec 3<"$log" || exit 1
                continue
              fi
              [ "$alive" = 1 ] || exit 0
              at
              if [ -n "$pos" ] && [ "$pos" -lt "$full" ] && rm -f "$wake" && mkfifo -m 600 "$wake" 2>/dev/null; then
                tail -c +$((pos + 1)) -F --pid="$wpid" "$log" >"$wake" 2>/dev/null &
                head -c 1 <"$wake" >/dev/null
                kill $! 2>/dev/null
                rm -f "$wake"
              fi
              sleep 0.2
            done
            """;

    private LogCommands() {
    }

    static String logPath(String stateDir, String processId) {
        return LogFiles.current(stateDir, processId);
    }

    static String writerPidPath(String stateDir, String processId) {
        return stateDir + "/procs/" + processId + "/writer.pid";
    }

    static ExecRequest fileExists(String path, Duration timeout) {
        return request(List.of("sh", "-c", "test -f \"$1\"", "sh", path), timeout);
    }

    /** As {@link #fileExists}, and prints the file's size in bytes (exit 1: no file). */
    static ExecRequest fileSize(String path, Duration timeout) {
        return request(List.of("sh", "-c", "test -f \"$1\" || exit 1; wc -c <\"$1\"", "sh", path), timeout);
    }

    /**
     * The size printed by {@link #fileSize}: read from inside the sandbox, so strictly digits (wc
     * may pad with blanks), else empty (the follow then finds the end itself).
     */
    static Optional<Long> parseSize(String printed) {
        String digits = printed.strip();
        if (!digits.matches("[0-9]{1,15}")) {
            return Optional.empty();
        }
        return Optional.of(Long.parseLong(digits));
    }

    static ExecRequest read(String path, Duration timeout) {
        return request(List.of("cat", path), timeout);
    }

    /**
     * The file from byte {@code offset} on: {@code tail} seeks there (a regular file is never read
     * from its start) and prints nothing when the file is shorter.
     */
    static ExecRequest readFrom(String path, long offset, Duration timeout) {
        return request(List.of("tail", "-c", "+" + (reachable(offset) + 1), "--", path), timeout);
    }

    static ExecRequest follow(String path, String writerPidPath, LogOffset offset, Duration timeout) {
        return request(List.of("sh", "-c", FOLLOW_SCRIPT, "sh", path, writerPidPath,
                String.valueOf(LogFiles.ROTATE_BYTES), offset.end() ? "end" : Long.toString(reachable(offset.bytes()))),
                timeout);
    }

    /**
     * A log file never holds more than {@link LogFiles#ROTATE_BYTES}, so every position past that
     * means its end. Seeking much further fails on some file systems (past their largest file size
     * {@code lseek} is {@code EINVAL}; {@code dd} then reads its way there a byte at a time).
     */
    static long reachable(long offset) {
        return Math.min(offset, LogFiles.ROTATE_BYTES + 1);
    }

    private static ExecRequest request(List<String> argv, Duration timeout) {
        return new ExecRequest(argv, null, Map.of(), new byte[0], timeout.toMillis());
    }
}
