package io.tensorbox.cli.sandbox;

import java.util.concurrent.Callable;

import io.tensorbox.cli.Cli;
import io.tensorbox.cli.Json;
import io.tensorbox.sdk.Sandbox;
import io.tensorbox.sdk.SandboxInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tensor-box sandbox get <id> [--json]}. */
@Command(name = "get", mixinStandardHelpOptions = true, description = "Show one sandbox.")
public final class GetCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ID", description = "The sandbox id (sbx_...)")
    String id;

    @Option(names = "--json", description = "Print the sandbox as the API returns it")
    boolean json;

    @Override
    public Integer call() {
        SandboxInfo info = Sandbox.connect(id, Cli.config()).info(); // connect has just fetched it
        if (json) {
            Json.print(SandboxViews.json(info));
        } else {
            Cli.out(SandboxViews.record(info));
        }
        return 0;
    }
}
