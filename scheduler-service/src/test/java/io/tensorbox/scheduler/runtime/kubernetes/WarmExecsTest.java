package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.client.dsl.ExecWatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The warm execs of the kubernetes driver, with each "exec" a real local {@code sh} running the
 * launcher exactly as a pod would: the command line it reads must become that command, word for word.
 */
class WarmExecsTest {

    /** Execs opened so far, as local processes. */
    private final List<LocalExec> opened = new CopyOnWriteArrayList<>();
    private final WarmExecs warm = new WarmExecs((sandbox, argv, out, err) -> open(argv, out, err), 2, Clock.systemUTC());

    @AfterEach
    void close() {
        warm.close();
        opened.forEach(LocalExec::close);
    }

    @Test
    void theFirstCommandFindsNothingWarmTheNextOneRunsInTheExecWarmedMeanwhile() throws Exception {
        assertTrue(warm.take("sbx", List.of("true"), null, OutputStream.nullOutputStream(), OutputStream.nullOutputStream()).isEmpty());
        // a command that found the pool empty grows it: two execs are warmed
        await().atMost(Duration.ofSeconds(10)).until(() -> opened.size() == 2);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> argv = List.of("sh", "-c", "printf '%s|' \"$@\"; echo oops >&2; exit 7", "sh",
                "it's", "two words", "a\nnewline", "$HOME", "\"q\"", "");
        ExecWatch taken = await().atMost(Duration.ofSeconds(10)).until(
                () -> warm.take("sbx", argv, null, out, err), Optional::isPresent).orElseThrow();

        assertEquals(7, taken.exitCode().get(10, TimeUnit.SECONDS));
        await().atMost(Duration.ofSeconds(5)).until(() -> out.toString(StandardCharsets.UTF_8).endsWith("|"));
        assertEquals("it's|two words|a\nnewline|$HOME|\"q\"||", out.toString(StandardCharsets.UTF_8),
                "every word arrives as it was, nothing expanded");
        await().atMost(Duration.ofSeconds(5)).until(() -> err.toString(StandardCharsets.UTF_8).equals("oops\n"));
    }

    @Test
    void stdinFollowsTheCommandLine() throws Exception {
        warm.take("sbx", List.of("true"), null, OutputStream.nullOutputStream(), OutputStream.nullOutputStream());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExecWatch taken = await().atMost(Duration.ofSeconds(10)).until(() -> warm.take("sbx",
                List.of("head", "-c", "11"), "hello\nworld".getBytes(StandardCharsets.UTF_8), out,
                OutputStream.nullOutputStream()), Optional::isPresent).orElseThrow();
        assertEquals(0, taken.exitCode().get(10, TimeUnit.SECONDS));
        await().atMost(Duration.ofSeconds(5)).until(() -> out.toString(StandardCharsets.UTF_8).equals("hello\nworld"));
    }

    @Test
    void anExecThatEndedWhileWarmIsNotUsed() throws Exception {
        warm.take("sbx", List.of("true"), null, OutputStream.nullOutputStream(), OutputStream.nullOutputStream());
        await().atMost(Duration.ofSeconds(10)).until(() -> opened.size() == 2);
        for (LocalExec dead : opened) {
            dead.process.destroyForcibly();
            dead.exitCode().get(10, TimeUnit.SECONDS);
        }
        assertTrue(warm.take("sbx", List.of("true"), null, OutputStream.nullOutputStream(),
                OutputStream.nullOutputStream()).isEmpty(), "the execs that ended are never handed out");
    }

    @Test
    void forgettingASandboxEndsItsWarmExecs() throws Exception {
        warm.take("sbx", List.of("true"), null, OutputStream.nullOutputStream(), OutputStream.nullOutputStream());
        await().atMost(Duration.ofSeconds(10)).until(() -> opened.size() == 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> opened.stream().allMatch(e -> e.process.isAlive()));
        warm.forget("sbx");
        for (LocalExec exec : opened) {
            assertEquals(0, exec.exitCode().get(10, TimeUnit.SECONDS),
                    "the launcher reads end of input and ends without running anything");
            assertFalse(exec.process.isAlive());
        }
    }

    private ExecWatch open(List<String> argv, OutputStream out, OutputStream err) {
        try {
            LocalExec exec = new LocalExec(new ProcessBuilder(argv).start(), out, err);
            opened.add(exec);
            return exec;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A local process standing in for a pods/exec: stdin, stdout and stderr pumped, exit code as the status. */
    static final class LocalExec implements ExecWatch {
        final Process process;
        private final CompletableFuture<Integer> exit;

        LocalExec(Process process, OutputStream out, OutputStream err) {
            this.process = process;
            Thread pumpOut = Thread.ofVirtual().start(() -> pump(process.getInputStream(), out));
            Thread pumpErr = Thread.ofVirtual().start(() -> pump(process.getErrorStream(), err));
            this.exit = process.onExit().thenApply(p -> {
                try {
                    pumpOut.join();
                    pumpErr.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return p.exitValue();
            });
        }

        private static void pump(InputStream in, OutputStream out) {
            try {
                in.transferTo(out);
            } catch (IOException ignored) {
                // the process ended
            }
        }

        @Override
        public OutputStream getInput() {
            return process.getOutputStream();
        }

        @Override
        public InputStream getOutput() {
            return null;
        }

        @Override
        public InputStream getError() {
            return null;
        }

        @Override
        public InputStream getErrorChannel() {
            return null;
        }

        @Override
        public void close() {
            try {
                process.getOutputStream().close(); // as the kubelet closes stdin with the connection
            } catch (IOException ignored) {
                // already closed
            }
        }

        @Override
        public void resize(int cols, int rows) {
        }

        @Override
        public CompletableFuture<Integer> exitCode() {
            return exit;
        }
    }
}
