package io.tensorbox.scheduler.process;

import io.tensorbox.common.ProcessState;
import io.tensorbox.common.ProcessStatus;
import io.tensorbox.scheduler.runtime.RuntimeUnavailableException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What comes back from a sandbox is written by whoever runs there: it is parsed strictly, and bounded. */
class HostileSupervisorOutputTest {

    static final String SANDBOX = "sbx_0123456789abcdef01234567";
    static final String PROC = "proc_0123456789abcdef01234567";

    @Test
    void anExitLineIsReadForTheSandboxItCameFrom() {
        ProcessStatus exit = Supervisor.parseEvent(SANDBOX, "exit " + PROC + " 3 1700000000000 0").orElseThrow();
        assertThat(exit.sandboxId()).isEqualTo(SANDBOX);
        assertThat(exit.id()).isEqualTo(PROC);
        assertThat(exit.state()).isEqualTo(ProcessState.exited);
        assertThat(exit.exitCode()).isEqualTo(3);
        assertThat(Supervisor.parseEvent(SANDBOX, "exit " + PROC + " 0 1 1").orElseThrow().state())
                .isEqualTo(ProcessState.killed);
    }

    @Test
    void malformedExitLinesAreDroppedWithoutAnException() {
        for (String line : List.of(
                "exit ../../procs/" + PROC + " 0 1 0",
                "exit proc_../../x 0 1 0",
                "exit " + PROC.toUpperCase() + " 0 1 0",
                "exit " + PROC + "0 0 1 0",
                "exit " + PROC + " 99999999999999999999 1 0",
                "exit " + PROC + " 0 99999999999999999999 0",
                "exit " + PROC + " 256 1 0",
                "exit " + PROC + " -1 1 0",
                "exit " + PROC + " 0 1 0 extra",
                "exit " + PROC + " 0 1 2",
                "exit " + PROC + "  0 1 0",
                "exit " + PROC + " 0 x 0",
                "exit " + PROC + " ٣ 1 0",
                "\u0001\uFFFD binary junk",
                "",
                "exit")) {
            assertThat(Supervisor.parseEvent(SANDBOX, line)).as(line).isEmpty();
        }
    }

    @Test
    void statusAnswersAreReadStrictly() {
        assertThat(Supervisor.parseStatus(SANDBOX, PROC, "running 42 1000").orElseThrow().pid()).isEqualTo(42);
        assertThat(Supervisor.parseStatus(SANDBOX, PROC, "ended 137 2000 0 42 1000").orElseThrow().state())
                .isEqualTo(ProcessState.killed);
        assertThat(Supervisor.parseStatus(SANDBOX, PROC, "lost 0 0").orElseThrow().state()).isEqualTo(ProcessState.killed);
        assertThat(Supervisor.parseStatus(SANDBOX, PROC, "unknown")).isEmpty();
        for (String line : List.of("running abc 1000", "running 99999999999 1000", "running 0 1000", "running -5 1",
                "running 42 1000 extra", "ended 999 1 0 42 1000", "ended 1 2 3 42 1000", "lost x y", "ok", "",
                "running 42 99999999999999999999")) {
            assertThatThrownBy(() -> Supervisor.parseStatus(SANDBOX, PROC, line)).as(line)
                    .isInstanceOf(RuntimeUnavailableException.class);
        }
    }

    @Test
    void aFailureReasonIsPrintableAndBounded() {
        String reason = Supervisor.parseStatus(SANDBOX, PROC, "failed a\u0007b\u001b[31mc" + "x".repeat(5000))
                .orElseThrow().reason();
        assertThat(reason).startsWith("a b [31mc").hasSizeLessThanOrEqualTo(1003).doesNotContain("\u0007", "\u001b");
        assertThat(Supervisor.parseStatus(SANDBOX, PROC, "failed").orElseThrow().reason()).isEmpty();
    }

    @Test
    void channelAnswersAreReadStrictly() {
        var answer = SupervisorChannels.parseAnswer("r12 0 ok 42 1000").orElseThrow();
        assertThat(answer.getKey()).isEqualTo("r12");
        assertThat(answer.getValue()).isEqualTo(new SupervisorChannels.Answer(0, "ok 42 1000"));
        assertThat(SupervisorChannels.parseAnswer("r3 4").orElseThrow().getValue()).isEqualTo(new SupervisorChannels.Answer(4, ""));
        for (String line : List.of("r1 99999999999999999999 x", "r1 x ok", "r1 256 ok", "x1 0 ok", "r 0 ok", "", "r1")) {
            assertThat(SupervisorChannels.parseAnswer(line)).as(line).isEmpty();
        }
    }

    @Test
    void aLineLongerThanTheLimitIsDroppedWithoutBeingBuffered() {
        List<String> lines = new ArrayList<>();
        LineReader reader = new LineReader(lines::add);
        byte[] huge = new byte[1 << 20];
        Arrays.fill(huge, (byte) 'x');
        reader.write("first\n".getBytes(StandardCharsets.UTF_8), 0, 6);
        for (int i = 0; i < 8; i++) {
            reader.write(huge, 0, huge.length);
        }
        reader.write('\n');
        byte[] tail = "\u00e9t\u00e9\nlast".getBytes(StandardCharsets.UTF_8);
        reader.write(tail, 0, tail.length);
        reader.write('\n');

        assertThat(lines).containsExactly("first", "\u00e9t\u00e9", "last");
        assertThat(reader.lines()).as("lines ended, the dropped one included").isEqualTo(4);
    }

    @Test
    void aLineAtTheLimitIsKeptAndAConsumerThatThrowsCostsOnlyItsLine() {
        List<String> lines = new ArrayList<>();
        LineReader reader = new LineReader(line -> {
            if (line.equals("boom")) {
                throw new NumberFormatException("For input string: boom");
            }
            lines.add(line);
        });
        byte[] data = ("y".repeat(LineReader.MAX_LINE_BYTES) + "\nboom\nafter\n").getBytes(StandardCharsets.UTF_8);
        reader.write(data, 0, data.length);
        assertThat(lines).containsExactly("y".repeat(LineReader.MAX_LINE_BYTES), "after");
    }
}
