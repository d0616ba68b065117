package io.tensorbox.common;

import java.util.List;

/**
 * What api-service asks the scheduler to start. {@code cwd} is absolute inside the sandbox or
 * relative to the workspace root (the Processes API of seed 000 only sends relative ones that do
 * not escape it); {@code env} items are {@code KEY=value}.
 * <p>
 * A background command of the runtime API (SPEC §5) adds: {@code shell} ({@code command} is then one
 * shell line, run like {@link CommandSpec#shellLine()}), {@code user} (null: the sandbox's default)
 * and {@code timeoutMs} (0: none; the process and everything it started are killed at the deadline),
 * and {@code command}, set for every command of the runtime API: a program that does not exist then
 * ends the process like a shell would (exit status 127, a message in its log) instead of failing its
 * start as a process of seed 000 does.
 */
public record ProcessSpec(String id, List<String> command, List<String> env, String cwd,
                          boolean shell, String user, long timeoutMs, boolean runtimeCommand) {

    /** A process of the Processes API (seed 000): argv, no user switch, no deadline. */
    public ProcessSpec(String id, List<String> command, List<String> env, String cwd) {
        this(id, command, env, cwd, false, null, 0, false);
    }

    /** A process with the options of a background command, a missing program failing its start. */
    public ProcessSpec(String id, List<String> command, List<String> env, String cwd, boolean shell, String user,
                       long timeoutMs) {
        this(id, command, env, cwd, shell, user, timeoutMs, false);
    }
}
