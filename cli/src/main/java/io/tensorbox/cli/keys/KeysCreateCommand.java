package io.tensorbox.cli.keys;

import java.util.concurrent.Callable;

import io.tensorbox.cli.Cli;
import io.tensorbox.cli.Json;
import io.tensorbox.cli.Table;
import io.tensorbox.cli.Times;
import io.tensorbox.sdk.ApiKeys;
import io.tensorbox.sdk.CreatedApiKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tensor-box keys create <name> [--role R] [--e2b] [--json]}: the new key is shown once. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = {"Create an API key; its secret is shown only now.",
            "Example: export TENSORBOX_API_KEY=$(tensor-box keys create ci --role developer --json | jq -r .key)"})
public final class KeysCreateCommand implements Callable<Integer> {
    /** The roles, lowest first. */
    public enum Role { viewer, developer, admin }

    @Parameters(index = "0", paramLabel = "NAME", description = "A name for the key")
    String name;

    @Option(names = "--role", paramLabel = "ROLE", defaultValue = "developer",
            description = "viewer, developer or admin (default: ${DEFAULT-VALUE})")
    Role role;

    @Option(names = "--e2b", description = "Spell the key e2b_<hex>, the form E2B's SDKs accept as E2B_API_KEY")
    boolean e2b;

    @Option(names = "--json", description = "Print {id, name, role, team, key, created_at}")
    boolean json;

    @Override
    public Integer call() {
        CreatedApiKey k = ApiKeys.of(Cli.config()).create(name, role.name(), e2b ? "e2b" : null);
        if (json) {
            Json.print(Json.object("id", k.id(), "name", k.name(), "role", k.role(), "team", k.team(),
                    "key", k.key(), "created_at", k.createdAt()));
        } else {
            Cli.out(Table.keyValues("id", k.id(), "name", k.name(), "role", k.role(), "team", k.team(),
                    "created", Times.absolute(k.createdAt()), "key", k.key()));
            if (Cli.isTerminal(2)) {
                Cli.errLine("Keep the key now: it is not shown again.");
            }
        }
        return 0;
    }
}
