package io.tensorbox.cli;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.channels.UnresolvedAddressException;

import io.tensorbox.sdk.TensorBoxException;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Turns every failure into ONE line on stderr ({@code tensor-box: <message>}) and an exit code:
 * the server's message for an API error (1), this CLI's own for a usage or configuration error (2).
 * {@code TENSORBOX_DEBUG=1} adds the stack trace.
 */
public final class Errors {
    private Errors() {
    }

    static int onExecution(Exception ex, CommandLine cl, ParseResult parsed) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof Cli.OutputClosedException) {
                return ExitCodes.OUTPUT_CLOSED;
            }
        }
        if (ex instanceof CliException e) {
            return fail(e.getMessage(), e.exitCode(), null);
        }
        return fail(describe(ex), ExitCodes.API_ERROR, ex);
    }

    static int onParameter(ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        String help = cl.getCommandSpec().qualifiedName() + " --help";
        String msg = ex.getMessage();
        return fail(msg + " (see '" + help + "')", ExitCodes.USAGE, Cli.debug() ? ex : null);
    }

    /** The one line that says what went wrong. */
    public static String describe(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof TensorBoxException tb) {
                Throwable reach = unreachable(tb);
                if (reach != null) {
                    return cannotReach(reach);
                }
                String m = tb.getMessage();
                if (m == null || m.isBlank()) {
                    m = tb.code() != null ? tb.code() : "HTTP " + tb.status();
                }
                return m;
            }
            if (t instanceof CliException) {
                return t.getMessage();
            }
        }
        Throwable reach = unreachable(ex);
        if (reach != null) {
            return cannotReach(reach);
        }
        String m = ex.getMessage();
        return m == null || m.isBlank() ? ex.getClass().getSimpleName() : m;
    }

    private static Throwable unreachable(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof UnknownHostException
                    || t instanceof UnresolvedAddressException || t instanceof HttpConnectTimeoutException) {
                return t;
            }
        }
        return null;
    }

    private static String cannotReach(Throwable t) {
        String why = t.getMessage() == null || t.getMessage().isBlank()
                ? (t instanceof ConnectException ? "connection refused" : t instanceof HttpConnectTimeoutException
                        ? "connect timed out" : "unknown host")
                : t.getMessage();
        return "cannot reach the TensorBox API at " + Cli.apiUrlForMessages() + " (" + why
                + "); set TENSORBOX_API_URL or pass --api-url";
    }

    static int fail(String message, int code, Throwable trace) {
        Cli.flush();
        try {
            Cli.errLine("tensor-box: " + oneLine(message));
        } catch (Cli.OutputClosedException stderrGone) {
            return code;
        }
        if (trace != null && Cli.debug()) {
            trace.printStackTrace(System.err);
        }
        return code;
    }

    static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
