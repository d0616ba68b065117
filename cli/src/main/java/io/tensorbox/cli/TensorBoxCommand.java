package io.tensorbox.cli;

import java.time.Duration;

import io.tensorbox.cli.aot.TrainCommand;
import io.tensorbox.cli.completion.CompletionCommand;
import io.tensorbox.cli.keys.KeysCommand;
import io.tensorbox.cli.sandbox.SandboxCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code tensor-box}: the root command and its global options. */
@Command(name = "tensor-box", mixinStandardHelpOptions = true, versionProvider = TensorBoxCommand.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "Drive TensorBox sandboxes from the command line.",
        subcommands = {SandboxCommand.class, KeysCommand.class, CompletionCommand.class, TrainCommand.class},
        footerHeading = "%nEnvironment:%n",
        footer = {
            "  TENSORBOX_API_URL  the API URL (default " + Cli.DEFAULT_API_URL + "); --api-url wins",
            "  TENSORBOX_API_KEY  the API key (ask_...); --api-key wins",
            "  TENSORBOX_DEBUG=1  print stack traces with errors",
            "%nExit codes: 0 ok, 1 the API refused or failed, 2 usage or configuration error;",
            "sandbox exec/terminal exit with the command's code (124 timed out, 137 killed)."})
public final class TensorBoxCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--api-url", paramLabel = "URL", scope = ScopeType.INHERIT, order = 100,
            description = "TensorBox API URL (else $TENSORBOX_API_URL, else " + Cli.DEFAULT_API_URL + ")")
    void apiUrl(String url) {
        Cli.setOptions(url, null, null);
    }

    @Option(names = "--api-key", paramLabel = "KEY", scope = ScopeType.INHERIT, order = 101,
            description = "API key (else $TENSORBOX_API_KEY)")
    void apiKey(String key) {
        Cli.setOptions(null, key, null);
    }

    @Option(names = "--request-timeout", paramLabel = "SECONDS", scope = ScopeType.INHERIT, order = 102, hidden = true,
            description = "How long to wait for each response's headers")
    void requestTimeout(double seconds) {
        if (!(seconds > 0)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--request-timeout must be > 0");
        }
        Cli.setOptions(null, null, Duration.ofMillis((long) (seconds * 1000)));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The version from the jar's manifest. */
    public static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = TensorBoxCommand.class.getPackage().getImplementationVersion();
            return new String[] {"tensor-box " + (v == null ? "(development build)" : v)};
        }
    }
}
