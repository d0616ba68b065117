package io.tensorbox.cli.sandbox;

import java.util.concurrent.Callable;

import io.tensorbox.cli.Cli;
import io.tensorbox.cli.CliException;
import io.tensorbox.cli.ExitCodes;
import io.tensorbox.sdk.ProcessView;
import io.tensorbox.sdk.Processes;
import io.tensorbox.sdk.Sandbox;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tensor-box sandbox logs <id> <proc> [--follow]}: a process's output, stdout and stderr merged. */
@Command(name = "logs", mixinStandardHelpOptions = true,
        description = {"Print a process's log (stdout and stderr merged, in the order written).",
            "With --follow, keep printing new output until the process ends."})
public final class LogsCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ID", description = "The sandbox id (sbx_...)")
    String id;

    @Parameters(index = "1", paramLabel = "PROC", description = "The process id (proc_...) or a background command's pid")
    String process;

    @Option(names = {"-f", "--follow"}, description = "Stream new output until the process ends")
    boolean follow;

    @Override
    public Integer call() {
        Processes processes = Sandbox.connect(id, Cli.config()).processes();
        String proc = process;
        if (proc.matches("[0-9]+")) {
            int pid = Integer.parseInt(proc);
            proc = processes.list().stream().filter(p -> p.pid() == pid).map(ProcessView::id)
                    .reduce((a, b) -> b) // the newest one with that pid
                    .orElseThrow(() -> new CliException(ExitCodes.API_ERROR, "no process with pid " + pid + " in " + id));
        }
        if (follow) {
            processes.follow(proc, Cli::out);
        } else {
            Cli.out(processes.logs(proc));
        }
        return 0;
    }
}
