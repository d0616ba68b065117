package io.tensorbox.sdk;

/** Thrown by {@link CommandResult#check()} when a command exited with a non-zero code. */
public class CommandExitException extends TensorBoxException {
    private static final long serialVersionUID = 1L;
    private final transient CommandResult result;

    /** Creates the error for a result. */
    public CommandExitException(CommandResult result) {
        super(0, "command_failed", "command exited with code " + result.exitCode()
                + (result.stderr() == null || result.stderr().isEmpty() ? "" : ": " + result.stderr().strip()));
        this.result = result;
    }

    /** The result of the failed command. */
    public CommandResult result() {
        return result;
    }

    /** The exit code of the failed command. */
    public int exitCode() {
        return result.exitCode();
    }
}
