package io.tensorbox.logs.logs;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Runs the follow script for real with {@code sh}, against a writer that appends and rolls its log
 * the way the supervisor does (hard link to {@code .log.1}, then an empty file renamed over the log).
 */
class FollowScriptTest {

    @TempDir
    Path dir;
    private Path log;
    private Path writerPid;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void paths() {
        log = dir.resolve("proc-x.log");
        writerPid = dir.resolve("writer.pid");
    }

    @AfterEach
    void stopAll() {
        started.forEach(Process::destroyForcibly);
    }

    private Process sh(String script, String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of("sh", "-c", script, "sh"));
        argv.addAll(Arrays.asList(args));
        Process process = new ProcessBuilder(argv).directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        started.add(process);
        return process;
    }

    /** Appends {@code first}, waits for a file named go, then writes, rolls, writes a little and exits. */
    private Process writer() throws IOException {
        Process writer = sh("""
                log="$1"
                echo $$ > writer.pid
                printf 'first\\n' >> "$log"
                while [ ! -f go ]; do sleep 0.02; done
                seq 1 2000000 | head -c 3000000 >> "$log"
                ln -f "$log" "$log.1"; : > "$log.new"; mv -f "$log.new" "$log"
                seq 1 2000000 | head -c 12345 >> "$log"
                """, log.toString());
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(log) && Files.size(writerPid) > 0);
        return writer;
    }

    private Process follower() throws IOException {
        return sh(LogCommands.FOLLOW_SCRIPT, log.toString(), writerPid.toString());
    }

    /** Collects a process's stdout as it comes. */
    private static final class Output {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final CompletableFuture<Void> done;

        Output(InputStream in) {
            done = CompletableFuture.runAsync(() -> {
                byte[] buffer = new byte[8192];
                try (in) {
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        synchronized (bytes) {
                            bytes.write(buffer, 0, n);
                        }
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }

        String text() {
            synchronized (bytes) {
                return bytes.toString();
            }
        }
    }

    private byte[] wholeLog() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(Files.readAllBytes(Path.of(log + ".1")));
        all.write(Files.readAllBytes(log));
        return all.toByteArray();
    }

    /** A race (the roll, then the writer's end, while the follower reads): repeated to catch it. */
    @RepeatedTest(6)
    void followDeliversLiveOutputAndEveryByteAcrossARollWhenTheWriterEndsRightAfterIt() throws Exception {
        Process writer = writer();
        Process follower = follower();
        Output output = new Output(follower.getInputStream());

        await().atMost(Duration.ofSeconds(10)).until(() -> output.text().equals("first\n"));
        Files.createFile(dir.resolve("go"));
        await().atMost(Duration.ofSeconds(20)).until(() -> !writer.isAlive() && output.done.isDone());

        output.done.join();
        assertEquals(0, follower.waitFor());
        assertEquals(3_000_006 + 12_345, output.bytes.size());
        assertArrayEquals(wholeLog(), output.bytes.toByteArray());
    }

    @Test
    void aLogWhoseWriterIsGoneIsReadOnceAndTheFollowEnds() throws Exception {
        Files.write(log, new byte[] {'d', 'o', 'n', 'e', 0, (byte) 0xff});
        Files.writeString(writerPid, "999999999\n"); // no such process

        Process follower = follower();
        Output output = new Output(follower.getInputStream());

        await().atMost(Duration.ofSeconds(10)).until(output.done::isDone);
        assertArrayEquals(new byte[] {'d', 'o', 'n', 'e', 0, (byte) 0xff}, output.bytes.toByteArray());
    }

    /**
     * Hundreds of followers of quiet processes must not fill the machine with process starts: a
     * quiet follower waits in one tail and one head, and the first new byte wakes it.
     */
    @Test
    void aQuietFollowerWaitsWithoutStartingProcessesAndWakesAtTheFirstNewByte() throws Exception {
        Files.writeString(log, "quiet\n");
        sh("echo $$ > writer.pid; exec sleep 60");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(writerPid) && Files.size(writerPid) > 0);
        Process follower = follower();
        Output output = new Output(follower.getInputStream());
        await().atMost(Duration.ofSeconds(10)).until(() -> output.text().equals("quiet\n"));

        await().atMost(Duration.ofSeconds(10)).until(() -> children(follower).size() >= 2);
        java.util.Set<Long> waiting = children(follower);
        await("the same processes while nothing is written").during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(4)).until(() -> children(follower).equals(waiting));

        Files.writeString(log, "more\n", java.nio.file.StandardOpenOption.APPEND);
        await().atMost(Duration.ofSeconds(5)).until(() -> output.text().equals("quiet\nmore\n"));
    }

    private static java.util.Set<Long> children(Process process) {
        return process.descendants().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
                .collect(java.util.stream.Collectors.toSet());
    }
}
