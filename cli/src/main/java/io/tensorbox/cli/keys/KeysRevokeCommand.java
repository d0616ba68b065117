package io.tensorbox.cli.keys;

import java.util.List;
import java.util.concurrent.Callable;

import io.tensorbox.cli.Cli;
import io.tensorbox.sdk.ApiKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tensor-box keys revoke <id>...}: the keys are refused at once; prints each id revoked. */
@Command(name = "revoke", aliases = {"delete", "rm"}, mixinStandardHelpOptions = true,
        description = "Revoke API keys (refused at once); prints each id revoked.")
public final class KeysRevokeCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "ID", description = "The key ids (from 'keys list', not the secret)")
    List<String> ids;

    @Override
    public Integer call() {
        ApiKeys keys = ApiKeys.of(Cli.config());
        for (String id : ids) {
            keys.revoke(id);
            Cli.outLine(id);
        }
        return 0;
    }
}
