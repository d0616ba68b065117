package io.tensorbox.cli.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.tensorbox.cli.Cli;
import io.tensorbox.cli.CliException;
import io.tensorbox.cli.ExitCodes;
import io.tensorbox.cli.Json;
import io.tensorbox.sdk.CommandHandle;
import io.tensorbox.sdk.CommandOptions;
import io.tensorbox.sdk.CommandResult;
import io.tensorbox.sdk.Sandbox;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tensor-box sandbox exec <id> '<cmd>'}: runs a shell command line in the sandbox. By default
 * its stdout and stderr go to ours as they come and we exit with its exit code; {@code --json}
 * prints one result object; {@code --background} prints the pid and returns at once.
 */
@Command(name = "exec", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a shell command line in a sandbox: its stdout and stderr stream to ours as they come,",
            "and tensor-box exits with its exit code (124: killed at --timeout-ms, 137: killed otherwise).",
            "Several CMD words are joined with spaces, like ssh; put '--' before a command with options.",
            "Example: tensor-box sandbox exec \"$sbx\" 'python3 -c \"print(1 + 1)\"' --cwd app --env K=v"})
public final class ExecCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ID", description = "The sandbox id (sbx_...)")
    String id;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "The command line (run by bash -l -c)")
    List<String> command;

    @Option(names = "--cwd", paramLabel = "DIR", description = "Working directory: absolute, or relative to the workspace")
    String cwd;

    @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "An environment variable (repeatable)")
    Map<String, String> env = new LinkedHashMap<>();

    @Option(names = {"-u", "--user"}, paramLabel = "USER", description = "The user to run as (default: the template's, 'user')")
    String user;

    @Option(names = "--timeout-ms", paramLabel = "MS", description = "Kill the command after this long (0 = never; default: the server's, 60000; none with --background)")
    Long timeoutMs;

    @Option(names = {"-i", "--stdin"}, description = "Feed our standard input to the command (read to its end first)")
    boolean stdin;

    @Option(names = "--json", description = "Print one result object {stdout, stderr, exit_code, duration_ms, timed_out, truncated}")
    boolean json;

    @Option(names = {"-b", "--background"}, description = "Start the command in the background, print its pid and return at once (--json: {pid, process_id})")
    boolean background;

    @Override
    public Integer call() {
        if (timeoutMs != null && timeoutMs < 0) {
            throw CliException.usage("--timeout-ms must be >= 0");
        }
        String cmd = String.join(" ", command);
        if (cmd.isBlank()) {
            throw CliException.usage("the command is empty");
        }
        CommandOptions.Builder o = CommandOptions.builder();
        if (cwd != null) {
            o.cwd(cwd);
        }
        if (!env.isEmpty()) {
            o.envs(env);
        }
        if (user != null) {
            o.user(user);
        }
        if (timeoutMs != null) {
            o.timeoutMs(timeoutMs);
        }
        if (stdin) {
            o.stdin(readStdin());
        }
        Sandbox sandbox = Sandbox.connect(id, Cli.config());
        if (background) {
            CommandHandle handle = sandbox.commands().runBackground(cmd, o.build());
            handle.disconnect();
            if (json) {
                Json.print(Json.object("pid", handle.pid(), "process_id", handle.processId()));
            } else {
                Cli.outLine(Integer.toString(handle.pid()));
            }
            return 0;
        }
        if (!json) {
            o.onStdout(Cli::out).onStderr(Cli::err);
        }
        CommandResult r = sandbox.commands().run(cmd, o.build());
        if (json) {
            Json.print(Json.object("stdout", r.stdout(), "stderr", r.stderr(), "exit_code", r.exitCode(),
                    "duration_ms", r.durationMs(), "timed_out", r.timedOut(), "truncated", r.truncated()));
        } else if (r.truncated()) {
            Cli.errLine("tensor-box: the output was truncated by the server (over its per-stream cap)");
        }
        return ExitCodes.ofCommand(r.exitCode(), r.timedOut());
    }

    private static String readStdin() {
        try {
            return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading stdin", e);
        }
    }
}
