package io.tensorbox.logs.logs;

import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.LogFiles;

import java.time.Duration;
import java.util.List;
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
     */
    static final String FOLLOW_SCRIPT = """
            log="$1"; wpid=$(cat "$2" 2>/dev/null); full=${3:-10485760}
            exec 3<"$log" || exit 1
            wake="${2%/*}/follow-$$"
            trap 'rm -f "$wake"' EXIT
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
              pos=
              while read -r k v; do if [ "$k" = pos: ]; then pos=$v; break; fi; done </proc/$$/fdinfo/3 2>/dev/null
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

    static ExecRequest read(String path, Duration timeout) {
        return request(List.of("cat", path), timeout);
    }

    static ExecRequest follow(String path, String writerPidPath, Duration timeout) {
        return request(List.of("sh", "-c", FOLLOW_SCRIPT, "sh", path, writerPidPath,
                String.valueOf(LogFiles.ROTATE_BYTES)), timeout);
    }

    private static ExecRequest request(List<String> argv, Duration timeout) {
        return new ExecRequest(argv, null, Map.of(), new byte[0], timeout.toMillis());
    }
}
