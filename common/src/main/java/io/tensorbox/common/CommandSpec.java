package io.tensorbox.common;

import java.util.List;
import java.util.Map;

/**
 * A command of the runtime API (SPEC §5) as api-service hands it to the scheduler, already checked
 * for shape. {@code args} present: argv is {@code [cmd, ...args]}; absent: {@code cmd} is a shell
 * line (pipes, {@code &&}, redirections), run by {@code bash -l -c} where bash exists, else
 * {@code sh -c}. {@code cwd} absolute inside the sandbox or relative to the workspace root (null:
 * the root); {@code env} extra variables; {@code user} the OS user (null: the sandbox's default);
 * {@code stdin} fed to the command followed by end of input (null: empty input); {@code timeoutMs}
 * the deadline for the command and everything it started (0: none).
 */
public record CommandSpec(
        String cmd,
        List<String> args,
        String cwd,
        Map<String, String> env,
        String user,
        String stdin,
        long timeoutMs) {

    /** Whether {@code cmd} is a shell line rather than a program name. */
    public boolean shellLine() {
        return args == null;
    }
}
