package io.tensorbox.cli.sandbox;

import java.util.List;
import java.util.concurrent.Callable;

import io.tensorbox.cli.Cli;
import io.tensorbox.cli.CliException;
import io.tensorbox.cli.ExitCodes;
import io.tensorbox.sdk.ConnectionConfig;
import io.tensorbox.sdk.Sandbox;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tensor-box sandbox kill <id>...}: deletes sandboxes, printing each id killed. */
@Command(name = "kill", aliases = {"rm", "delete"}, mixinStandardHelpOptions = true,
        description = "Kill (delete) sandboxes; prints each id killed.")
public final class KillCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "ID", description = "The sandbox ids (sbx_...)")
    List<String> ids;

    @Override
    public Integer call() {
        ConnectionConfig config = Cli.config();
        List<String> missing = new java.util.ArrayList<>();
        for (String id : ids) {
            if (Sandbox.kill(id, config)) {
                Cli.outLine(id);
            } else {
                missing.add(id);
            }
        }
        if (!missing.isEmpty()) {
            throw new CliException(ExitCodes.API_ERROR, "no such sandbox: " + String.join(", ", missing));
        }
        return 0;
    }
}
