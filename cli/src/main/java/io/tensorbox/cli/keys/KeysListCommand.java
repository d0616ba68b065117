package io.tensorbox.cli.keys;

import java.util.List;
import java.util.concurrent.Callable;

import io.tensorbox.cli.Cli;
import io.tensorbox.cli.Json;
import io.tensorbox.cli.Table;
import io.tensorbox.cli.Times;
import io.tensorbox.sdk.ApiKeyInfo;
import io.tensorbox.sdk.ApiKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tensor-box keys list [--json]} (never the secrets). */
@Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List the API keys of your team (never their secrets).")
public final class KeysListCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print {\"api_keys\":[...]} as the API returns it")
    boolean json;

    @Override
    public Integer call() {
        List<ApiKeyInfo> keys = ApiKeys.of(Cli.config()).list();
        if (json) {
            Json.print(Json.object("api_keys", keys.stream().map(k -> Json.object("id", k.id(), "name", k.name(),
                    "role", k.role(), "team", k.team(), "created_at", k.createdAt())).toList()));
        } else {
            Table t = new Table("ID", "NAME", "ROLE", "TEAM", "CREATED");
            keys.forEach(k -> t.row(k.id(), k.name(), k.role(), k.team(), Times.absolute(k.createdAt())));
            t.print();
        }
        return 0;
    }
}
