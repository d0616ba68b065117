package io.tensorbox.common;

import java.util.List;
import java.util.Map;

/**
 * One command run inside a sandbox. {@code cwd} may be absolute (inside the sandbox) or relative
 * to the workspace root; null means the workspace root. {@code stdin} is handed to the command
 * as bytes, and must be read with a known length: an exec cannot signal end of input on every
 * runtime (see STACK.md).
 */
public record ExecRequest(
        List<String> argv,
        String cwd,
        Map<String, String> env,
        byte[] stdin,
        long timeoutMs) {
}
