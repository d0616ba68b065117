package io.tensorbox.cli.sandbox;

import java.util.List;
import java.util.concurrent.Callable;

import io.tensorbox.cli.Cli;
import io.tensorbox.cli.Json;
import io.tensorbox.sdk.Sandbox;
import io.tensorbox.sdk.SandboxInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tensor-box sandbox list [--state S] [--json]}. */
@Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true,
        description = "List the sandboxes of your team.")
public final class ListCommand implements Callable<Integer> {
    @Option(names = "--state", paramLabel = "STATE", description = "Only those in this state: pending, running, stopped, failed")
    String state;

    @Option(names = "--json", description = "Print {\"sandboxes\":[...]} as the API returns it")
    boolean json;

    @Override
    public Integer call() {
        List<SandboxInfo> list = Sandbox.list(state, Cli.config());
        if (json) {
            Json.print(Json.object("sandboxes", list.stream().map(SandboxViews::json).toList()));
        } else {
            SandboxViews.table(list).print();
        }
        return 0;
    }
}
