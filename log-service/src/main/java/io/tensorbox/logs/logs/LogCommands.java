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
     * Follows the log while its writer lives ({@code --pid} makes tail stop after the writer's last
     * write); a log whose writer is gone is complete and is simply read. {@code -F} keeps
     * following across the roll to {@code .log.1}.
     */
    static final String FOLLOW_SCRIPT = """
            log="$1"; writer_pid_file="$2"
            wpid=$(cat "$writer_pid_file" 2>/dev/null)
            if [ -n "$wpid" ] && kill -0 "$wpid" 2>/dev/null; then
              exec tail -c +1 -s 0.2 -F --pid="$wpid" "$log"
            fi
            exec cat "$log"
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
