package io.tensorbox.cli.sandbox;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import io.tensorbox.cli.Cli;
import io.tensorbox.cli.CliException;
import io.tensorbox.cli.ExitCodes;
import io.tensorbox.cli.Json;
import io.tensorbox.cli.Progress;
import io.tensorbox.cli.Times;
import io.tensorbox.sdk.Sandbox;
import io.tensorbox.sdk.SandboxInfo;
import io.tensorbox.sdk.SandboxOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tensor-box sandbox create}: creates a sandbox, waits until it runs (a progress line on
 * stderr when stderr is a terminal) and prints its id on stdout, so {@code sbx=$(tensor-box sandbox
 * create)} works; {@code --json} prints the whole record instead.
 */
@Command(name = "create", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Create a sandbox, wait until it runs and print its id (--json: the whole record).",
            "Example: sbx=$(tensor-box sandbox create --timeout 600 --metadata owner=me)"})
public final class CreateCommand implements Callable<Integer> {
    private static final Duration START_DEADLINE = Duration.ofMinutes(5);

    @Option(names = "--template", paramLabel = "NAME", description = "Template (default: the server's, 'base')")
    String template;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Seconds until the sandbox is stopped (default: the server's)")
    Long timeoutSeconds;

    @Option(names = "--metadata", paramLabel = "KEY=VALUE", description = "A metadata entry (repeatable)")
    Map<String, String> metadata = new LinkedHashMap<>();

    @Option(names = "--env", paramLabel = "KEY=VALUE", description = "An environment variable of every command in it (repeatable)")
    Map<String, String> env = new LinkedHashMap<>();

    @Option(names = "--no-wait", description = "Return as soon as the sandbox is created, even if it is still pending")
    boolean noWait;

    @Option(names = "--json", description = "Print the sandbox as the API's create returns it, access_token included")
    boolean json;

    @Override
    public Integer call() {
        if (timeoutSeconds != null && timeoutSeconds <= 0) {
            throw CliException.usage("--timeout must be a number of seconds > 0");
        }
        SandboxOptions.Builder b = SandboxOptions.builder().config(Cli.config());
        if (template != null) {
            b.template(template);
        }
        if (timeoutSeconds != null) {
            b.timeout(Duration.ofSeconds(timeoutSeconds));
        }
        if (!metadata.isEmpty()) {
            b.metadata(metadata);
        }
        if (!env.isEmpty()) {
            b.envs(env);
        }
        SandboxInfo info;
        String token;
        try (Progress progress = Progress.start("creating a sandbox" + (template == null ? "" : " from " + template))) {
            Sandbox sandbox = Sandbox.create(b.build());
            token = sandbox.accessToken();
            info = sandbox.info(); // what the create answered
            long deadline = System.nanoTime() + START_DEADLINE.toNanos();
            while (!noWait && "pending".equals(info.state())) {
                progress.update("starting " + sandbox.id() + " (pending)");
                if (System.nanoTime() > deadline) {
                    throw new CliException(ExitCodes.API_ERROR, "sandbox " + sandbox.id() + " is still pending after "
                            + START_DEADLINE.toMinutes() + " minutes");
                }
                sleep(200);
                info = sandbox.getInfo();
            }
        }
        if ("failed".equals(info.state())) {
            throw new CliException(ExitCodes.API_ERROR, "sandbox " + info.id() + " failed to start");
        }
        if (json) {
            java.util.Map<String, Object> out = SandboxViews.json(info);
            if (token != null) {
                out.put("access_token", token); // as POST /v1/sandboxes answers: only create shows it
            }
            Json.print(out);
        } else {
            Cli.outLine(info.id());
            if (Cli.isTerminal(2)) {
                Cli.errLine("created " + info.id() + " (" + info.template() + ", " + info.state()
                        + (info.expiresAt() > 0 ? ", expires " + Times.relative(info.expiresAt()) : "") + ")");
            }
        }
        return 0;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.API_ERROR, "interrupted");
        }
    }
}
