package io.tensorbox.cli.sandbox;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code tensor-box sandbox ...}: sandboxes, the commands in them, their terminals and logs. */
@Command(name = "sandbox", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND",
        description = "Create, list, inspect and kill sandboxes; run commands and terminals in them.",
        subcommands = {CreateCommand.class, ListCommand.class, GetCommand.class, KillCommand.class,
            ExecCommand.class, TerminalCommand.class, LogsCommand.class, PortsCommand.class})
public final class SandboxCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand");
    }
}
