package io.tensorbox.scheduler.runtime.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tensorbox.common.Ids;
import io.tensorbox.common.SandboxSpec;
import io.tensorbox.scheduler.runtime.Terminal;
import io.tensorbox.scheduler.runtime.TerminalRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The local driver's terminals on a real pty of this host (pty4j's native library for linux x86-64
 * must load), without Quarkus.
 */
class LocalTerminalTest {

    @TempDir
    Path home;
    LocalRuntime runtime;
    String sandbox;

    @BeforeEach
    void setUp() {
        runtime = new LocalRuntime(() -> home, new ObjectMapper());
        sandbox = Ids.newSandboxId();
        runtime.create(new SandboxSpec(sandbox, "t1", "base", Map.of("FROM_SPEC", "spec-value")));
    }

    @Test
    void aCommandRunsOnARealTerminalInTheWorkspaceWithTheSandboxEnvironment() throws Exception {
        var out = new ByteArrayOutputStream();
        try (Terminal terminal = runtime.openTerminal(sandbox, new TerminalRequest(
                List.of("sh", "-c", "tty; pwd; echo \"$FROM_SPEC\"; test -t 0 && test -t 1 && test -t 2 && echo all-ttys"), 80, 24), out)) {
            assertThat(terminal.exitCode().get(10, TimeUnit.SECONDS)).isZero();
        }
        String shown = out.toString(StandardCharsets.UTF_8);
        // the line discipline turns \n into \r\n: this is a terminal, not a pipe
        assertThat(shown).matches("(?s)/dev/pts/[0-9]+\r\n"
                + java.util.regex.Pattern.quote(home.resolve("sandboxes").resolve(sandbox).resolve("workspace").toString())
                + "\r\nspec-value\r\nall-ttys\r\n");
    }

    @Test
    void theWindowHasTheRequestedSizeAndFollowsAResize() throws Exception {
        var out = new SyncBuffer();
        // pty4j sizes the pty just after the fork: the first size is read once the command waited for a line
        try (Terminal terminal = runtime.openTerminal(sandbox, new TerminalRequest(
                List.of("sh", "-c", "read x; stty size; read y; stty size"), 120, 40), out)) {
            terminal.write("\n".getBytes(StandardCharsets.US_ASCII));
            await().atMost(Duration.ofSeconds(10)).until(() -> out.text().contains("40 120\r\n"));

            terminal.resize(100, 30);
            terminal.write("\n".getBytes(StandardCharsets.US_ASCII));

            assertThat(terminal.exitCode().get(10, TimeUnit.SECONDS)).isZero();
        }
        assertThat(out.text()).endsWith("40 120\r\n\r\n30 100\r\n");
    }

    @Test
    void theExitStatusIsTheCommandsAndASignalIsOneHundredTwentyEightPlusIt() throws Exception {
        try (Terminal exits = runtime.openTerminal(sandbox, new TerminalRequest(List.of("sh", "-c", "exit 3"), 80, 24), new SyncBuffer())) {
            assertThat(exits.exitCode().get(10, TimeUnit.SECONDS)).isEqualTo(3);
        }
        try (Terminal killed = runtime.openTerminal(sandbox, new TerminalRequest(List.of("sh", "-c", "kill -KILL $$"), 80, 24), new SyncBuffer())) {
            assertThat(killed.exitCode().get(10, TimeUnit.SECONDS)).isEqualTo(128 + 9);
        }
    }

    /** Written by the pty's reader thread, read by the test. */
    static final class SyncBuffer extends ByteArrayOutputStream {
        synchronized String text() {
            return toString(StandardCharsets.UTF_8);
        }
    }
}
