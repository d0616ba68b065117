package io.tensorbox.scheduler.terminal;

/**
 * A terminal upgrade once checked: its options, the working directory as a path inside the sandbox
 * (null: the workspace), and the user to switch to (null: the exec's own).
 */
record TerminalTarget(String sandboxId, TerminalOptions options, String cwd, String user) {
}
