package io.tensorbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.tensorbox.cli.sandbox.ExecCommand;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** What needs no platform: exit codes, tables, times, the command tree and its parsing. */
class CliUnitTest {
    @Test
    void exitCodesOfCommands() {
        assertThat(ExitCodes.ofCommand(0, false)).isZero();
        assertThat(ExitCodes.ofCommand(3, false)).isEqualTo(3);
        assertThat(ExitCodes.ofCommand(-1, true)).isEqualTo(124);
        assertThat(ExitCodes.ofCommand(-1, false)).isEqualTo(137);
        assertThat(ExitCodes.ofCommand(256 + 7, false)).isEqualTo(7);
    }

    @Test
    void tablesPadColumnsAndDropTrailingSpace() {
        String t = new Table("ID", "STATE").row("sbx_1", "running").row("sbx_22222", "").render();
        assertThat(t).isEqualTo("ID         STATE\nsbx_1      running\nsbx_22222\n");
        assertThat(Table.keyValues("id", "x", "template", "base")).isEqualTo("id        x\ntemplate  base\n");
    }

    @Test
    void spansReadLikePeopleWriteThem() {
        assertThat(Times.span(5)).isEqualTo("5s");
        assertThat(Times.span(125)).isEqualTo("2m");
        assertThat(Times.span(3600 + 120)).isEqualTo("1h2m");
        assertThat(Times.span(2 * 86400)).isEqualTo("2d");
        assertThat(Times.relative(0)).isEmpty();
    }

    @Test
    void execParsesTheSeedsOptionsAnywhereOnTheLine() {
        CommandLine cl = Main.commandLine();
        ParseResult r = cl.parseArgs("sandbox", "exec", "sbx_1", "npm test", "--cwd", "/home/user/project",
                "--env", "NODE_ENV=test", "--env", "A=b=c", "--user", "user", "--timeout-ms", "120000", "--json");
        ParseResult exec = r.subcommand().subcommand();
        assertThat(exec.commandSpec().userObject()).isInstanceOf(ExecCommand.class);
        assertThat(exec.matchedPositionalValue(0, "")).isEqualTo("sbx_1");
        assertThat(exec.<java.util.Map<String, String>>matchedOptionValue("--env", null))
                .containsEntry("NODE_ENV", "test").containsEntry("A", "b=c");
        assertThat(exec.<Long>matchedOptionValue("--timeout-ms", null)).isEqualTo(120000L);
        assertThat(exec.hasMatchedOption("--json")).isTrue();
    }

    @Test
    void usageErrorsExitTwoAndTheHiddenTrainerStaysOutOfHelpAndCompletion() {
        assertThat(Main.run("sandbox", "exec")).isEqualTo(ExitCodes.USAGE);
        assertThat(Main.run("sandbox", "nope")).isEqualTo(ExitCodes.USAGE);
        String help = Main.commandLine().getUsageMessage();
        assertThat(help).contains("sandbox", "keys", "completion").doesNotContain("__train");
        assertThat(picocli.AutoComplete.bash("tensor-box", Main.commandLine())).doesNotContain("__train");
    }
}
