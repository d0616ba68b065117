package io.tensorbox.sdk;

/**
 * The result of a finished command. A non-zero exit code is a result, not an error; call
 * {@link #check()} to turn it into a {@link CommandExitException}. An exit code of {@code -1} means
 * the command was killed (by a signal, {@code kill()} or its {@code timeoutMs}).
 *
 * @param stdout     the standard output (for background commands: stdout and stderr merged)
 * @param stderr     the standard error (empty for background commands)
 * @param exitCode   the exit code, {@code -1} when killed
 * @param timedOut   whether the command's {@code timeoutMs} ended it
 * @param durationMs how long the command ran (0 when unknown)
 * @param truncated  whether the server cut the output
 */
public record CommandResult(String stdout, String stderr, int exitCode, boolean timedOut, long durationMs,
        boolean truncated) {

    /** Returns this result, or throws {@link CommandExitException} when {@link #exitCode()} is not 0. */
    public CommandResult check() {
        if (exitCode != 0) {
            throw new CommandExitException(this);
        }
        return this;
    }
}
