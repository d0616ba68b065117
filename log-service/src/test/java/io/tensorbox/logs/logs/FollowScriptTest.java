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
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        return writer("printf 'first\\n' >> \"$log\"", ROLL);
    }

    /** 3,000,000 bytes, a roll as the supervisor does it, then 12,345 bytes in the new file. */
    private static final String ROLL = """
            seq 1 2000000 | head -c 3000000 >> "$log"
            ln -f "$log" "$log.1"; : > "$log.new"; mv -f "$log.new" "$log"
            seq 1 2000000 | head -c 12345 >> "$log"
            """;

    /**
     * Runs {@code before} (with {@code $log} set), announces its pid, waits for a file named go,
     * runs {@code after} and exits; returns once {@code before} is done.
     */
    private Process writer(String before, String after) throws IOException {
        Process writer = sh("log=\"$1\"\n" + before + "\necho $$ > writer.pid\n"
                + "while [ ! -f go ]; do sleep 0.02; done\n" + after, log.toString());
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(writerPid) && Files.size(writerPid) > 0);
        return writer;
    }

    private Process follower() throws IOException {
        return sh(LogCommands.FOLLOW_SCRIPT, log.toString(), writerPid.toString());
    }

    /** The follow exactly as log-service sends it, offset and all. */
    private Process follower(LogOffset offset) throws IOException {
        List<String> argv = LogCommands.follow(log.toString(), writerPid.toString(), offset, Duration.ofMinutes(1)).argv();
        Process process = new ProcessBuilder(argv).directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        started.add(process);
        return process;
    }

    /** The follower has placed itself and waits for new bytes (its tail and head, and its FIFO). */
    private void awaitWaiting(Process follower) {
        await().atMost(Duration.ofSeconds(10)).until(() ->
                Files.exists(dir.resolve("follow-" + follower.pid())) && children(follower).size() >= 2);
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

    @RepeatedTest(3)
    void aFollowFromTheMiddleStartsAtThatByteAndLosesNothingAcrossARoll() throws Exception {
        Process writer = writer("seq 1 30000 >> \"$log\"", ROLL);
        long before = Files.size(log);
        Process follower = follower(LogOffset.parse("100001").orElseThrow());
        Output output = new Output(follower.getInputStream());

        await().atMost(Duration.ofSeconds(10)).until(() -> output.bytes.size() == before - 100_001);
        Files.createFile(dir.resolve("go"));
        await().atMost(Duration.ofSeconds(20)).until(() -> !writer.isAlive() && output.done.isDone());

        output.done.join();
        assertEquals(0, follower.waitFor());
        byte[] whole = wholeLog();
        assertArrayEquals(Arrays.copyOfRange(whole, 100_001, whole.length), output.bytes.toByteArray());
    }

    /** {@code end}: what is in the file is skipped, what comes after it is all delivered, without polling. */
    @Test
    void aFollowFromTheEndDeliversOnlyNewOutputAndWaitsWithoutStartingProcesses() throws Exception {
        Process writer = writer("seq 1 40000 >> \"$log\"", "printf 'new\\n' >> \"$log\"\n" + ROLL);
        long before = Files.size(log);
        Process follower = follower(LogOffset.END);
        Output output = new Output(follower.getInputStream());

        awaitWaiting(follower);
        java.util.Set<Long> waiting = children(follower);
        await("the same processes while nothing is written").during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(3)).until(() -> children(follower).equals(waiting));
        assertEquals("", output.text());

        Files.createFile(dir.resolve("go"));
        await().atMost(Duration.ofSeconds(20)).until(() -> !writer.isAlive() && output.done.isDone());

        output.done.join();
        assertEquals(0, follower.waitFor());
        byte[] whole = wholeLog();
        assertArrayEquals(Arrays.copyOfRange(whole, (int) before, whole.length), output.bytes.toByteArray());
        assertEquals(4 + 3_000_000 + 12_345, output.bytes.size());
        assertTrue(output.text().startsWith("new\n"));
    }

    /**
     * An offset past the file's size (a stale one, from before a roll) starts at its end: what is
     * written next is delivered whole, not from the offset on.
     */
    @Test
    void aFollowFromBeyondTheSizeStartsAtTheCurrentEnd() throws Exception {
        Process writer = writer("printf 'abc' >> \"$log\"", "seq 1 1000 >> \"$log\"");
        Process follower = follower(LogOffset.parse("1000").orElseThrow());
        Output output = new Output(follower.getInputStream());

        awaitWaiting(follower);
        assertEquals("", output.text());
        Files.createFile(dir.resolve("go"));
        await().atMost(Duration.ofSeconds(20)).until(() -> !writer.isAlive() && output.done.isDone());

        output.done.join();
        assertEquals(0, follower.waitFor());
        String seq = Files.readString(log).substring(3);
        assertEquals(3_893, seq.length()); // more than the offset: none of it may be skipped
        assertEquals(seq, output.text());
    }

    /** The boundaries, on a finished binary log: each offset is read once and the follow ends. */
    @Test
    void aFollowOfAFinishedLogStartsAtItsOffset() throws Exception {
        byte[] content = {'d', 'o', 'n', 'e', 0, (byte) 0xff};
        Files.write(log, content);
        Files.writeString(writerPid, "999999999\n"); // no such process
        java.util.Map<String, byte[]> expected = new java.util.LinkedHashMap<>();
        expected.put("0", content);
        expected.put("1", Arrays.copyOfRange(content, 1, 6));
        expected.put("5", new byte[] {(byte) 0xff});
        expected.put("6", new byte[0]);
        expected.put("7", new byte[0]);
        expected.put("9007199254740992", new byte[0]);
        expected.put("end", new byte[0]);

        for (var entry : expected.entrySet()) {
            Process follower = follower(LogOffset.parse(entry.getKey()).orElseThrow());
            Output output = new Output(follower.getInputStream());
            await().atMost(Duration.ofSeconds(10)).until(output.done::isDone);
            assertEquals(0, follower.waitFor(), entry.getKey());
            assertArrayEquals(entry.getValue(), output.bytes.toByteArray(), "offset " + entry.getKey());
        }
    }

    /** Without follow an offset is a plain {@code tail -c +K}: it seeks, and prints nothing past the end. */
    @Test
    void aReadFromAnOffsetPrintsTheRestOfTheFile() throws Exception {
        byte[] content = new byte[70_000];
        new java.util.Random(7).nextBytes(content);
        Files.write(log, content);
        for (long offset : new long[] {1, 65_536, 69_999, 70_000, 70_001, LogOffset.MAX_BYTES}) {
            List<String> argv = LogCommands.readFrom(log.toString(), offset, Duration.ofMinutes(1)).argv();
            Process tail = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            started.add(tail);
            byte[] out = tail.getInputStream().readAllBytes();
            assertEquals(0, tail.waitFor());
            int from = (int) Math.min(offset, content.length);
            assertArrayEquals(Arrays.copyOfRange(content, from, content.length), out, "offset " + offset);
        }
    }

    private static java.util.Set<Long> children(Process process) {
        return process.descendants().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
                .collect(java.util.stream.Collectors.toSet());
    }
}
