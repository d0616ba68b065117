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
     * ({@code tail -F --pid} loses the bytes written after a roll when the writer ends right
     * after it: tail exits on the old file before it switches to the new one.)
     */
    static final String FOLLOW_SCRIPT = """
            log="$1"; wpid=$(cat "$2" 2>/dev/null)
            exec 3<"$log" || exit 1
            held=$(stat -L -c %i /dev/fd/3)
            while :; do
              alive=0
              if [ -n "$wpid" ] && kill -0 "$wpid" 2>/dev/null; then alive=1; fi
              cat <&3
              current=$(stat -c %i "$log" 2>/dev/null)
              if [ -n "$current" ] && [ "$current" != "$held" ]; then
                cat <&3
                { [ "$(stat -L -c %i /dev/fd/4)" = "$held" ] || cat <&4; } 4<"$log.1" 2>/dev/null
                exec 3<"$log" || exit 1
                held=$(stat -L -c %i /dev/fd/3)
                continue
              fi
              [ "$alive" = 1 ] || exit 0
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
        return request(List.of("sh", "-c", FOLLOW_SCRIPT, "sh", path, writerPidPath), timeout);
    }

    private static ExecRequest request(List<String> argv, Duration timeout) {
        return new ExecRequest(argv, null, Map.of(), new byte[0], timeout.toMillis());
    }
}
