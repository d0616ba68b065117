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
     * file is read whole too. The writer's liveness is checked before a look, so the last drain
     * sees its last byte.
     * ({@code tail -F --pid} loses the bytes written after a roll when the writer ends right
     * after it: tail exits on the old file before it switches to the new one.)
     * <p>
     * Cost: a look is one {@code stat} (inode and size); {@code cat} runs only when the size
     * moved. A quiet log is looked at less and less often (0.1 s doubling to 1 s, back to 0.1 s on
     * the first new byte), so hundreds of followers of quiet processes cost a few forks a second each.
     */
    static final String FOLLOW_SCRIPT = """
            log="$1"; wpid=$(cat "$2" 2>/dev/null)
            exec 3<"$log" || exit 1
            held=$(stat -L -c %i /dev/fd/3)
            seen=-1; nap=0.1
            while :; do
              alive=0
              if [ -n "$wpid" ] && kill -0 "$wpid" 2>/dev/null; then alive=1; fi
              now=$(stat -c '%i %s' "$log" 2>/dev/null)
              current=${now%% *}; size=${now#* }
              if [ -n "$now" ] && [ "$current" != "$held" ]; then
                cat <&3
                { [ "$(stat -L -c %i /dev/fd/4)" = "$held" ] || cat <&4; } 4<"$log.1" 2>/dev/null
                exec 3<"$log" || exit 1
                held=$(stat -L -c %i /dev/fd/3)
                seen=-1; nap=0.1
                continue
              fi
              if [ "$size" != "$seen" ] || [ "$alive" = 0 ]; then
                seen=$size
                cat <&3
                nap=0.1
              else
                case $nap in 0.1) nap=0.2 ;; 0.2) nap=0.5 ;; *) nap=1 ;; esac
              fi
              [ "$alive" = 1 ] || exit 0
              sleep "$nap"
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
        return request(List.of("sh", "-c", FOLLOW_SCRIPT, "sh", path, writerPidPath), timeout);
    }

    private static ExecRequest request(List<String> argv, Duration timeout) {
        return new ExecRequest(argv, null, Map.of(), new byte[0], timeout.toMillis());
    }
}
