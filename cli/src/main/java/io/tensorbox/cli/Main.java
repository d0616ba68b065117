package io.tensorbox.cli;

import picocli.CommandLine;

/**
 * Entry point of the {@code tensor-box} command line.
 *
 * <p>Exit codes: 0 success; 1 the platform refused or failed a request (one line on stderr with the
 * server's message); 2 a usage or configuration error (bad option, missing API key); for
 * {@code sandbox exec} and {@code sandbox terminal} the command's own exit code, with 124 for a
 * command killed at its deadline and 137 for one killed otherwise.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        int code = run(args);
        Cli.flush();
        System.exit(code);
    }

    /** Runs the command line and returns its exit code (no {@code System.exit}). */
    public static int run(String... args) {
        CommandLine cl = commandLine();
        return cl.execute(args);
    }

    /** The command tree with this CLI's error handling. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new TensorBoxCommand());
        cl.setExecutionExceptionHandler(Errors::onExecution);
        cl.setParameterExceptionHandler(Errors::onParameter);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }
}
