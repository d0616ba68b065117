package io.tensorbox.cli.sandbox;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.EnumSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jline.terminal.Attributes;
import org.jline.terminal.Attributes.ControlChar;
import org.jline.terminal.Attributes.InputFlag;
import org.jline.terminal.Attributes.LocalFlag;
import org.jline.terminal.Attributes.OutputFlag;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.Terminal.Signal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.NonBlockingInputStream;

import io.tensorbox.cli.Cli;
import io.tensorbox.cli.CliException;
import io.tensorbox.cli.ExitCodes;
import io.tensorbox.sdk.Sandbox;
import io.tensorbox.sdk.TerminalListener;
import io.tensorbox.sdk.TerminalOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tensor-box sandbox terminal <id>}: an interactive terminal in the sandbox. The local
 * terminal is put in raw mode (every key, Ctrl-C included, goes to the sandbox), the remote size
 * follows ours on SIGWINCH, and the local terminal is restored on exit, on error and on SIGTERM.
 * Exits with the shell's exit code.
 */
@Command(name = "terminal", aliases = {"term", "shell"}, mixinStandardHelpOptions = true,
        description = {"Open an interactive terminal (PTY) in a sandbox: raw mode, every key including Ctrl-C goes",
            "to the sandbox, the size follows the window; exits with the shell's exit code."})
public final class TerminalCommand implements Callable<Integer> {
    private static final int DEFAULT_COLS = 80;
    private static final int DEFAULT_ROWS = 24;

    @Parameters(index = "0", paramLabel = "ID", description = "The sandbox id (sbx_...)")
    String id;

    @Option(names = "--cmd", paramLabel = "CMD", description = "Run this command line instead of the login shell")
    String cmd;

    @Option(names = "--cwd", paramLabel = "DIR", description = "Start in this directory")
    String cwd;

    @Override
    public Integer call() throws IOException {
        Sandbox sandbox = Sandbox.connect(id, Cli.config());
        // before JLine touches anything: the exact settings to put back at the very end
        TerminalState exact = TerminalState.save(0);
        Terminal local = TerminalBuilder.builder().system(true).dumb(true).nativeSignals(true)
                .signalHandler(Terminal.SignalHandler.SIG_DFL).build();
        boolean raw = !Terminal.TYPE_DUMB.equals(local.getType()) && !Terminal.TYPE_DUMB_COLOR.equals(local.getType());
        Attributes saved = local.getAttributes();
        Thread hook = new Thread(() -> restore(local, saved, exact), "restore-terminal");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return session(sandbox, local, raw);
        } finally {
            restore(local, saved, exact);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    private int session(Sandbox sandbox, Terminal local, boolean raw) throws IOException {
        Size size = local.getSize();
        TerminalOptions.Builder o = TerminalOptions.builder()
                .cols(size.getColumns() > 0 ? size.getColumns() : DEFAULT_COLS)
                .rows(size.getRows() > 0 ? size.getRows() : DEFAULT_ROWS);
        if (cmd != null) {
            o.cmd(cmd);
        }
        if (cwd != null) {
            o.cwd(cwd);
        }
        OutputStream screen = local.output();
        TerminalListener listener = data -> {
            try {
                screen.write(data);
                screen.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        if (raw) {
            // raw before the socket opens: keys typed meanwhile are not echoed here, they wait for the sandbox
            local.setAttributes(rawMode(local.getAttributes()));
        }
        io.tensorbox.sdk.Terminal remote = sandbox.openTerminal(o.build(), listener);
        try {
            local.handle(Signal.WINCH, s -> resize(local, remote));
            if (!local.getSize().equals(size)) {
                resize(local, remote); // the window changed while the terminal opened
            }
            CompletableFuture<Integer> exit = remote.exitCode();
            java.io.InputStream input = local.input();
            pumpKeys(input instanceof NonBlockingInputStream nb ? nb : org.jline.utils.NonBlocking.nonBlocking("stdin", input),
                    remote, exit);
            int code = await(exit);
            return ExitCodes.ofCommand(code, false);
        } finally {
            local.handle(Signal.WINCH, Terminal.SignalHandler.SIG_DFL);
            remote.close();
        }
    }

    private static void resize(Terminal local, io.tensorbox.sdk.Terminal remote) {
        Size now = local.getSize();
        if (now.getColumns() > 0 && now.getRows() > 0) {
            remote.resize(now.getColumns(), now.getRows());
        }
    }

    /** Keys to the sandbox until the remote side ends (or our input does). */
    private static void pumpKeys(NonBlockingInputStream in, io.tensorbox.sdk.Terminal remote, CompletableFuture<Integer> exit)
            throws IOException {
        byte[] buf = new byte[4096];
        while (!exit.isDone()) {
            int n = in.readBuffered(buf, 100);
            if (n == NonBlockingInputStream.EOF) {
                // our stdin ended (a pipe): wait for the shell to end by itself
                return;
            }
            if (n > 0 && !exit.isDone()) {
                byte[] keys = new byte[n];
                System.arraycopy(buf, 0, keys, 0, n);
                remote.write(keys);
            }
        }
    }

    private static int await(CompletableFuture<Integer> exit) {
        try {
            return exit.get(Long.MAX_VALUE, TimeUnit.DAYS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new CliException(ExitCodes.API_ERROR, "the terminal ended: " + cause.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.API_ERROR, "interrupted");
        } catch (TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    /** cfmakeraw(3): no echo, no line editing, no signals from keys, no CR/NL translation, bytes as they are. */
    static Attributes rawMode(Attributes current) {
        Attributes a = new Attributes(current);
        a.setLocalFlags(EnumSet.of(LocalFlag.ICANON, LocalFlag.ECHO, LocalFlag.ECHONL, LocalFlag.ISIG, LocalFlag.IEXTEN), false);
        a.setInputFlags(EnumSet.of(InputFlag.IGNBRK, InputFlag.BRKINT, InputFlag.PARMRK, InputFlag.ISTRIP,
                InputFlag.INLCR, InputFlag.IGNCR, InputFlag.ICRNL, InputFlag.IXON), false);
        a.setOutputFlag(OutputFlag.OPOST, false);
        a.setControlChar(ControlChar.VMIN, 1);
        a.setControlChar(ControlChar.VTIME, 0);
        return a;
    }

    /** JLine's attributes, then JLine's close (which sets them again), then the exact bytes, last. */
    private static synchronized void restore(Terminal local, Attributes saved, TerminalState exact) {
        try {
            local.setAttributes(saved);
            local.flush();
        } catch (RuntimeException | java.io.IOError e) {
            // the terminal is gone already
        }
        try {
            local.close();
        } catch (IOException | RuntimeException | java.io.IOError e) {
            // closed already
        }
        exact.restore(); // JLine's setAttributes zeroes the line speed (jline/jline3#2170)
    }
}
