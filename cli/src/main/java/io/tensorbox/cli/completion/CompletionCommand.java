package io.tensorbox.cli.completion;

import io.tensorbox.cli.Cli;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tensor-box completion}: prints a bash (and zsh) completion script. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print a bash completion script (zsh too, after 'autoload -U +X bashcompinit && bashcompinit').",
            "Use: source <(tensor-box completion)   or   tensor-box completion > /etc/bash_completion.d/tensor-box"})
public final class CompletionCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        Cli.out(AutoComplete.bash(spec.root().name(), spec.root().commandLine()));
    }
}
