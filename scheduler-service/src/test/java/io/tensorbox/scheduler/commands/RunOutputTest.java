package io.tensorbox.scheduler.commands;

import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The events of a run from the bytes an exec delivers, however the streams are cut and interleaved. */
class RunOutputTest {

    final AtomicInteger closed = new AtomicInteger();

    RunOutput output() {
        RunOutput output = new RunOutput(1 << 20, (code, reason, detail) -> "{\"" + code + "\":\"" + reason + "\",\"detail\":\"" + detail + "\"}");
        output.onRefused(closed::incrementAndGet);
        return output;
    }

    static List<RunEvent> all(RunOutput output) {
        AssertSubscriber<RunEvent> events = output.events().subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        return events.awaitCompletion().getItems();
    }

    static void write(java.io.OutputStream to, String text) throws IOException {
        to.write(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theHeaderIsReadAcrossWritesAndNeverShownAndAForgedOneIsOutput() throws IOException {
        RunOutput output = output();
        write(output.stdout(), "tbx-sta");
        write(output.stdout(), "rted 4242\nhello\n");
        write(output.stdout(), "tbx-started 1\n");
        output.exited(0, "{\"exit_code\":0}", false);

        assertThat(all(output)).containsExactly(
                new RunEvent("start", "{\"pid\":4242}"),
                new RunEvent("stdout", "\"hello\\n\""),
                new RunEvent("stdout", "\"tbx-started 1\\n\""),
                new RunEvent("exit", "{\"exit_code\":0}"));
    }

    @Test
    void stderrThatOvertakesTheHeaderComesAfterStart() throws IOException {
        RunOutput output = output();
        write(output.stderr(), "early\n");
        write(output.stdout(), "tbx-started 7\n");
        write(output.stderr(), "late\n");
        output.exited(1, "{}", false);

        assertThat(all(output)).extracting(RunEvent::name).containsExactly("start", "stderr", "stderr", "exit");
    }

    @Test
    void aCharacterSplitAcrossChunksSurvivesPerStream() throws IOException {
        RunOutput output = output();
        byte[] e = "é€".getBytes(StandardCharsets.UTF_8); // 2 + 3 bytes
        write(output.stdout(), "tbx-started 7\n");
        output.stdout().write(e, 0, 1);
        output.stderr().write(e, 2, 2);
        output.stdout().write(e, 1, 1);
        output.stderr().write(e, 4, 1);
        output.stdout().write(new byte[] {(byte) 0xe2}); // cut short by the end of the stream
        output.exited(0, "{}", false);

        assertThat(all(output)).containsExactly(
                new RunEvent("start", "{\"pid\":7}"),
                new RunEvent("stdout", "\"é\""),
                new RunEvent("stderr", "\"€\""),
                new RunEvent("stdout", "\"\uFFFD\""),
                new RunEvent("exit", "{}"));
    }

    @Test
    void aRefusalIsTheOnlyEventAndEndsTheExec() throws IOException {
        RunOutput output = output();
        write(output.stdout(), "tbx-error invalid_cwd missing\n");
        write(output.stderr(), "whatever\n");
        output.exited(0, "{}", false);

        assertThat(all(output)).containsExactly(new RunEvent("error", "{\"invalid_cwd\":\"missing\",\"detail\":\"\"}"));
        assertThat(closed).hasValue(1);
    }

    @Test
    void anythingButAHeaderEndsTheRunWithAnError() throws IOException {
        RunOutput garbage = output();
        write(garbage.stdout(), "x".repeat(500));
        garbage.exited(0, "{}", false);
        assertThat(all(garbage)).extracting(RunEvent::data).containsExactly("{\"exec_failed\":\"unreadable_header\",\"detail\":\"\"}");
        assertThat(closed).hasValue(1);

        RunOutput silent = output();
        write(silent.stderr(), "sh: 1: timeout: not found\n");
        silent.exited(127, "{}", false);
        assertThat(all(silent)).extracting(RunEvent::data)
                .containsExactly("{\"exec_failed\":\"no_header\",\"detail\":\"exit status 127 sh: 1: timeout: not found\"}");
    }

    @Test
    void aDeadlineThatKillsTheRunBeforeItsHeaderIsATimedOutExitNotAnError() {
        // timeoutMs shorter than the sandbox takes to start the command (a loaded node, a slow exec)
        RunOutput output = output();
        output.exited(137, "{\"exit_code\":-1,\"duration_ms\":310,\"timed_out\":true}", true);
        assertThat(all(output)).extracting(RunEvent::name, RunEvent::data)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("exit", "{\"exit_code\":-1,\"duration_ms\":310,\"timed_out\":true}"));
    }

    @Test
    void aFailureAfterTheStartCutsTheStream() throws IOException {
        RunOutput output = output();
        write(output.stdout(), "tbx-started 7\nsome");
        output.failed(new IOException("connection reset"));

        AssertSubscriber<RunEvent> events = output.events().subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        events.awaitFailure();
        assertThat(events.getItems()).extracting(RunEvent::name).containsExactly("start", "stdout");
    }

    @Test
    void aReaderThatGoesAwayClosesTheExecOnce() throws IOException {
        RunOutput output = output();
        AtomicInteger cancelled = new AtomicInteger();
        output.onCancel(cancelled::incrementAndGet);
        AssertSubscriber<RunEvent> events = output.events().subscribe().withSubscriber(AssertSubscriber.create(1));
        write(output.stdout(), "tbx-started 7\nsome\n");
        events.cancel();

        assertThat(cancelled).hasValue(1);
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> write(output.stdout(), "more"));
    }
}
