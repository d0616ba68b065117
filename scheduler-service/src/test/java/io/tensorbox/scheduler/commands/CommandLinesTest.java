package io.tensorbox.scheduler.commands;

import io.tensorbox.common.ApiException;
import io.tensorbox.common.CommandSpec;
import io.tensorbox.common.ProcessSpec;
import io.tensorbox.scheduler.runtime.SandboxLayout;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * The wrappers of {@link CommandLines} run as a sandbox runs them, outside Quarkus: real processes,
 * the exec's stdin held open by this test as a runtime holds it. What the local runtime cannot show
 * (switching users, which only a pod does) is run here as root when the test runs as root.
 */
class CommandLinesTest {

    @TempDir
    Path dir;
    SandboxLayout layout;

    record Result(int status, String stdout, String stderr) {
    }

    @BeforeEach
    void layout() throws IOException {
        Files.createDirectories(dir.resolve("workspace"));
        Files.createDirectories(dir.resolve("state"));
        layout = new SandboxLayout(dir.resolve("workspace").toString(), dir.resolve("state").toString());
    }

    static CommandSpec argv(String cmd, List<String> args) {
        return new CommandSpec(cmd, args, null, null, null, null, 10_000);
    }

    static CommandSpec shell(String line) {
        return new CommandSpec(line, null, null, null, null, null, 10_000);
    }

    /** Runs argv with stdin bytes written and the exec's stdin left open until the command ended. */
    Result exec(List<String> argv, byte[] stdin) throws Exception {
        Path out = dir.resolve("out-" + System.nanoTime());
        Path err = dir.resolve("err-" + System.nanoTime());
        ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("HOME", layout.workspaceDir()); // as the local runtime: no login files of this host
        Process p = pb.start();
        OutputStream in = p.getOutputStream();
        if (stdin != null) {
            in.write(stdin);
            in.flush();
        }
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("ended within 20 s").isTrue();
        in.close();
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    Result run(CommandSpec spec, boolean switchesUsers) throws Exception {
        CommandLines.Run run = CommandLines.run(spec, layout, switchesUsers);
        return exec(run.argv(), run.stdin());
    }

    @Test
    void theHeaderComesFirstAndVariablesNamedLikeTheWrappersOwnChangeNothing() throws Exception {
        Result r = run(new CommandSpec("sh", List.of("-c", "echo \"$k $sw $uid $n $f $A\"; pwd"), "sub/..", Map.of(
                "k", "9", "sw", "1", "uid", "0", "n", "7", "f", "/etc/passwd", "A", "x y"), null, null, 10_000), true);

        assertThat(r.status()).isZero();
        assertThat(r.stdout()).matches("tbx-started [0-9]+\n9 1 0 7 /etc/passwd x y\n" + dir.resolve("workspace") + "\n");
    }

    @Test
    void aProgramIsLookedUpInThePathTheCommandGets() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path tool = bin.resolve("tbx-tool");
        Files.writeString(tool, "#!/bin/sh\necho tool ran\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));

        Result r = run(new CommandSpec("tbx-tool", List.of(), null, Map.of("PATH", bin + ":/usr/bin:/bin"), null, null, 10_000), false);

        assertThat(r.stdout()).endsWith("\ntool ran\n");
        Result missing = run(argv("tbx-tool", List.of()), false);
        assertThat(missing.status()).isEqualTo(127);
        assertThat(missing.stderr()).isEqualTo("tbx-tool: command not found\n");
    }

    @Test
    void stdinIsDeliveredWithItsEndAndItsFileRemoved() throws Exception {
        Result r = run(new CommandSpec("wc", List.of("-c"), null, null, null, "héllo\n", 10_000), false);

        assertThat(r.stdout()).endsWith("\n7\n");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(Files.list(dir.resolve("state"))).isEmpty());
    }

    @Test
    void aRunRefusesToStartWhereItWouldKillItsCallersProcessGroup() throws Exception {
        CommandLines.Run run = CommandLines.run(shell("echo ran"), layout, false);
        List<String> unguarded = new ArrayList<>(run.argv().subList(run.argv().indexOf("sh"), run.argv().size()));
        // in a session of its own, so that a broken check could only kill this group, not the JVM's
        List<String> argv = new ArrayList<>(List.of("setsid", "-w", "sh", "-c", "\"$@\"; exit $?", "caller"));
        argv.addAll(unguarded);

        Result r = exec(argv, null);

        assertThat(r.stdout()).isEqualTo("tbx-error exec_failed no_group\n");
    }

    @Test
    void anotherUserIsSwitchedToWithSetprivWhereUsersSwitch() throws Exception {
        assumeThat(ProcessHandle.current().info().user()).hasValue("root");
        Result r = run(new CommandSpec("sh", List.of("-c", "id -un; echo $HOME $USER; ps -o comm= -p $PPID"), "/", null,
                "nobody", null, 10_000), true);
        assertThat(r.stdout()).matches("tbx-started [0-9]+\nnobody\n/nonexistent nobody\n(sh|timeout)\n");

        Result unknown = run(new CommandSpec("id", List.of(), null, null, "no-such-user-tbx", null, 10_000), true);
        assertThat(unknown.stdout()).isEqualTo("tbx-error invalid_user unknown\n");

        Result same = run(new CommandSpec("id", List.of("-un"), null, null, "root", null, 10_000), true);
        assertThat(same.stdout()).endsWith("\nroot\n");
    }

    @Test
    void aBackgroundCommandRunsAsAShellLineAsAnotherUserAndDiesAtItsDeadlineWithItsChildren() throws Exception {
        Path marker = dir.resolve("late");
        List<String> argv = new ArrayList<>(List.of("setsid", "-w"));
        argv.addAll(CommandLines.background(new ProcessSpec("proc_0", List.of("echo a | tr a b; (sleep 1.5; touch " + marker
                + ") & sleep 30"), List.of(), null, true, null, 500), false));

        Result r = exec(argv, null);

        assertThat(r.status()).isEqualTo(137);
        assertThat(r.stdout()).isEqualTo("b\n");
        await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(3)).until(() -> !Files.exists(marker));
    }

    @Test
    void aBackgroundCommandSwitchesUsers() throws Exception {
        assumeThat(ProcessHandle.current().info().user()).hasValue("root");
        List<String> argv = new ArrayList<>(List.of("setsid", "-w"));
        argv.addAll(CommandLines.background(new ProcessSpec("proc_0", List.of("id", "-un"), List.of(), null, false, "nobody", 0), true));
        assertThat(exec(argv, null).stdout()).isEqualTo("nobody\n");

        List<String> unknown = new ArrayList<>(List.of("setsid", "-w"));
        unknown.addAll(CommandLines.background(new ProcessSpec("proc_0", List.of("id"), List.of(), null, false, "no-such-user-tbx", 0), true));
        Result r = exec(unknown, null);
        assertThat(r.status()).isEqualTo(126);
        assertThat(r.stderr()).contains("no user no-such-user-tbx");
    }

    @Test
    void aBackgroundCommandOfTheRuntimeApiWhoseProgramIsMissingExits127LikeAShell() throws Exception {
        List<String> argv = new ArrayList<>(List.of("setsid", "-w"));
        argv.addAll(CommandLines.background(new ProcessSpec("proc_0", List.of("no-such-program-tbx", "--flag"), List.of(),
                null, false, null, 0, true), true));
        Result r = exec(argv, null);
        assertThat(r.status()).isEqualTo(127);
        assertThat(r.stderr()).contains("no-such-program-tbx").contains("not found");
    }

    @Test
    void withoutAUserACommandRunsAsTheBaseImagesUserWhenThereIsOneElseAsTheExecsOwn() throws Exception {
        assertThat(CommandLines.defaultUser(null, true, true)).isEqualTo("+user");
        assertThat(CommandLines.defaultUser(null, false, true)).as("the local runtime never switches").isNull();
        assertThat(CommandLines.defaultUser(null, true, false)).as("a process of seed 000 runs as the exec does").isNull();
        assumeThat(ProcessHandle.current().info().user()).hasValue("root");
        boolean hasUser = new ProcessBuilder("getent", "passwd", "user").start().waitFor() == 0;
        Result r = run(new CommandSpec("id", List.of("-un"), null, null, null, null, 10_000), true);
        assertThat(r.stdout()).as("no refusal when the image has no such user")
                .endsWith(hasUser ? "\nuser\n" : "\nroot\n");
    }

    @Test
    void aProcessOfSeedZeroIsStartedAsGiven() {
        List<String> command = List.of("sleep", "1");
        assertThat(CommandLines.background(new ProcessSpec("proc_0", command, List.of(), null), true)).isEqualTo(command);
        assertThat(CommandLines.background(new ProcessSpec("proc_0", command, List.of(), null, false, "user", 0), false))
                .as("no user switch where users do not switch").isEqualTo(command);
    }

    @Test
    void badFieldsAreNamed() {
        assertThatThrownBy(() -> CommandLines.validate(new CommandSpec("", null, null, null, null, null, 0)))
                .isInstanceOf(ApiException.class).hasMessageContaining("cmd");
        assertThatThrownBy(() -> CommandLines.validate(new CommandSpec("ls", null, null, Map.of("1A", "x"), null, null, 0)))
                .hasMessageContaining("env").hasMessageContaining("1A");
        assertThatThrownBy(() -> CommandLines.validate(new CommandSpec("ls", java.util.Arrays.asList("a", null), null, null, null, null, 0)))
                .hasMessageContaining("args[1]");
        assertThatThrownBy(() -> CommandLines.validate(new CommandSpec("ls", null, "a\0b", null, null, null, 0)))
                .hasMessageContaining("cwd");
        assertThatThrownBy(() -> CommandLines.validate(new CommandSpec("ls", null, null, null, "-rf", null, 0)))
                .hasMessageContaining("user");
        assertThatThrownBy(() -> CommandLines.validate(new CommandSpec("ls", null, null, null, null, null, -1)))
                .hasMessageContaining("timeoutMs");
        assertThatThrownBy(() -> CommandLines.validate(new CommandSpec("x".repeat(200_000), null, null, null, null, null, 0)))
                .hasMessageContaining("cmd is longer");
        ApiException local = org.junit.jupiter.api.Assertions.assertThrows(ApiException.class,
                () -> CommandLines.requireUser("nobody", false));
        assertThat(local.status()).isEqualTo(400);
        assertThat(local.code()).isEqualTo("invalid_user");
        CommandLines.requireUser("user", false);
        CommandLines.requireUser(System.getProperty("user.name"), false);
        CommandLines.requireUser("nobody", true);
        assertThat(new String("é".getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).isEqualTo("é");
    }
}
