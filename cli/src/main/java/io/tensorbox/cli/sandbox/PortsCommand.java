package io.tensorbox.cli.sandbox;

import java.util.List;
import java.util.concurrent.Callable;

import io.tensorbox.cli.Cli;
import io.tensorbox.cli.Json;
import io.tensorbox.cli.Table;
import io.tensorbox.sdk.PortInfo;
import io.tensorbox.sdk.Sandbox;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tensor-box sandbox ports <id> [--json]}: listening and exposed ports with their preview URLs. */
@Command(name = "ports", mixinStandardHelpOptions = true,
        description = "List a sandbox's ports: the ones something listens on and the exposed ones, with their preview URLs.")
public final class PortsCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SANDBOX", description = "The sandbox id")
    String id;

    @Option(names = "--json", description = "Print {\"ports\":[...]} as the API returns it")
    boolean json;

    @Override
    public Integer call() {
        List<PortInfo> ports = Sandbox.connect(id, Cli.config()).ports();
        if (json) {
            Json.print(Json.object("ports", ports.stream().map(p -> Json.object("port", p.port(), "url", p.url(),
                    "reachable", p.reachable(), "reason", p.reason(), "exposed", p.exposed(), "public", p.isPublic(),
                    "process_id", p.processId())).toList()));
            return 0;
        }
        Table table = new Table("PORT", "REACHABLE", "EXPOSED", "PUBLIC", "PROCESS", "URL / REASON");
        for (PortInfo p : ports) {
            table.row(p.port(), p.reachable() ? "yes" : "no", p.exposed() ? "yes" : "no", p.isPublic() ? "yes" : "no",
                    p.processId() == null ? "-" : p.processId(), p.reachable() || p.reason() == null ? p.url() : p.reason());
        }
        table.print();
        return 0;
    }
}
