package io.tensorbox.cli;

/** The exit codes of {@code tensor-box} beside those of the commands it runs. */
public final class ExitCodes {
    /** The platform refused or failed a request. */
    public static final int API_ERROR = 1;
    /** A bad option, a missing argument, a missing API key. */
    public static final int USAGE = 2;
    /** A command killed at its deadline ({@code timeoutMs}), as coreutils' {@code timeout} does. */
    public static final int TIMED_OUT = 124;
    /** A command killed otherwise (exit code -1 on the wire), as a shell reports SIGKILL. */
    public static final int KILLED = 137;
    /** Our stdout was closed by its reader (e.g. {@code | head}): 128 + SIGPIPE, without a message. */
    public static final int OUTPUT_CLOSED = 141;

    private ExitCodes() {
    }

    /** The exit code this CLI exits with for a command that ended with {@code exitCode}. */
    public static int ofCommand(int exitCode, boolean timedOut) {
        if (exitCode >= 0) {
            return exitCode & 0xff;
        }
        return timedOut ? TIMED_OUT : KILLED;
    }
}
