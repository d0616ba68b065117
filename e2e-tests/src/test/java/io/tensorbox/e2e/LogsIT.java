package io.tensorbox.e2e;

import static io.tensorbox.e2e.Api.as;
import static io.tensorbox.e2e.Api.assertJsonError;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.restassured.response.Response;

/** SPEC §4 logs: merged order, text/plain, follow, binary safety and the 10 MiB roll. */
@TensorBoxTest
class LogsIT {
    static final int TEN_MIB = 10 * 1024 * 1024;
    private static final ExecutorService readers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "e2e-follow-reader");
        t.setDaemon(true);
        return t;
    });

    @AfterAll
    static void stopReaders() {
        readers.shutdownNow();
    }

    @Test
    void stdoutAndStderrAreMergedInWriteOrderAsPlainText() {
        String sandbox = Api.newSandbox();
        String id = Api.runToCompletion(sandbox, "echo a; echo b >&2; echo c").getString("id");
        byte[] expected = "a\nb\nc\n".getBytes(StandardCharsets.UTF_8);
        Api.awaitLogs(sandbox, id, expected);
        Response r = Api.logsResponse(Api.viewer(), sandbox, id);
        r.then().statusCode(200);
        assertTrue(r.contentType().startsWith("text/plain"), () -> "content type " + r.contentType());
        assertEquals("a\nb\nc\n", r.asString());
    }

    @Test
    void logsOfUnknownProcessesAreNotFound() {
        String sandbox = Api.newSandbox();
        assertJsonError(as(Api.viewer()).get("/v1/sandboxes/{id}/processes/{p}/logs", sandbox,
                "proc_000000000000000000000000"), 404);
        assertJsonError(as(Api.viewer()).get("/v1/sandboxes/{id}/processes/{p}/logs",
                "sbx_000000000000000000000000", "proc_000000000000000000000000"), 404);
    }

    @Test
    void aProcessWithoutOutputHasAnEmptyLog() {
        String sandbox = Api.newSandbox();
        String id = Api.runToCompletion(sandbox, "true").getString("id");
        assertEquals(0, Api.logs(sandbox, id).length);
    }

    @Test
    void followStreamsOutputAsItComesAndEndsWhenTheProcessExits() throws Exception {
        String sandbox = Api.newSandbox();
        String id = Api.startProcess(sandbox, "sh", "-c",
                "echo first; while [ ! -f go ]; do sleep 0.05; done; echo second").getString("id");

        InputStream stream = follow(sandbox, id);
        String first = within(Duration.ofSeconds(10), () -> readLine(stream), "the first line of a follow");
        assertEquals("first", first);
        assertEquals("running", Api.process(sandbox, id).getString("state"),
                "the first line arrived while the process still ran");

        Api.runToCompletion(sandbox, "touch go");
        byte[] rest = within(Duration.ofSeconds(10), stream::readAllBytes,
                "the end of a follow after the process exited");
        assertEquals("second\n", new String(rest, StandardCharsets.UTF_8));
        assertEquals("exited", Api.awaitEnded(sandbox, id, Duration.ofSeconds(5)).getString("state"));
    }

    @Test
    void followOfAnEndedProcessAnswersItsLogAndEnds() throws Exception {
        String sandbox = Api.newSandbox();
        String id = Api.runToCompletion(sandbox, "echo done").getString("id");
        Api.awaitLogs(sandbox, id, "done\n".getBytes());
        InputStream stream = follow(sandbox, id);
        byte[] all = within(Duration.ofSeconds(10), stream::readAllBytes, "a follow of an ended process");
        assertEquals("done\n", new String(all, StandardCharsets.UTF_8));
    }

    @Test
    void everyByteValueSurvives() {
        String sandbox = Api.newSandbox();
        StringBuilder format = new StringBuilder();
        byte[] expected = new byte[256 * 4];
        for (int i = 0; i < expected.length; i++) {
            format.append(String.format("\\%03o", i % 256));
            expected[i] = (byte) i;
        }
        String id = Api.startProcess(sandbox, "printf", format.toString()).getString("id");
        Api.awaitState(sandbox, id, "exited", Duration.ofSeconds(10));
        assertArrayEquals(expected, Api.awaitLogs(sandbox, id, expected));
    }

    @Test
    void aMegabyteOfRandomBytesIsByteExact() throws Exception {
        String sandbox = Api.newSandbox();
        String blob = Api.runToCompletion(sandbox, "head -c 1000000 /dev/urandom > blob; cat blob").getString("id");
        String sum = Api.runToCompletion(sandbox, "sha256sum blob").getString("id");
        String expectedSum = new String(Api.awaitLogs(sandbox, sum, new byte[64])).substring(0, 64);
        byte[] log = Api.awaitLogs(sandbox, blob, new byte[1_000_000]);
        assertEquals(1_000_000, log.length);
        assertEquals(expectedSum, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(log)));
    }

    @Test
    void theLogRollsAtTenMebibytesByteForByte() throws IOException {
        rollTest(TEN_MIB + 12_345, 2_000_000);
    }

    @Test
    void aSecondRollReplacesTheFirst() throws IOException {
        rollTest(2 * TEN_MIB + 777, 3_000_000);
    }

    @Test
    void aFollowAcrossTheRollLosesAndRepeatsNothing() throws Exception {
        String sandbox = Api.newSandbox();
        int size = TEN_MIB + 12_345;
        byte[] stream = Arrays.copyOf(seq(2_000_000), size);
        String id = Api.startProcess(sandbox, "sh", "-c",
                "echo start; while [ ! -f go ]; do sleep 0.05; done; seq 1 2000000 | head -c " + size).getString("id");
        InputStream follow = follow(sandbox, id);
        assertEquals("start", within(Duration.ofSeconds(10), () -> readLine(follow), "the first line of a follow"));

        Api.runToCompletion(sandbox, "touch go");
        byte[] followed = within(Duration.ofSeconds(60), follow::readAllBytes, "the end of a follow across a roll");
        assertEquals(size, followed.length, "a follow across the roll delivers every byte once");
        assertArrayEquals(stream, followed);
    }

    /** A process writes {@code size} deterministic bytes (the output of seq); the roll splits them exactly. */
    private void rollTest(int size, int seqTo) throws IOException {
        String sandbox = Api.newSandbox();
        byte[] stream = Arrays.copyOf(seq(seqTo), size);
        String id = Api.startProcess(sandbox, "sh", "-c", "seq 1 " + seqTo + " | head -c " + size).getString("id");
        assertEquals("exited", Api.awaitEnded(sandbox, id, Duration.ofSeconds(30)).getString("state"));

        int currentSize = size % TEN_MIB;
        byte[] tail = Arrays.copyOfRange(stream, size - currentSize, size);
        byte[] served = await("the rolled log").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> Api.logs(sandbox, id), b -> b.length == currentSize);
        assertArrayEquals(tail, served, "the endpoint serves the current file only, byte for byte");

        // The only peek at files in the suite: the runtime's state directory, to check the roll itself.
        SandboxFiles files = Api.cluster().files();
        byte[] current = files.readState(sandbox, "logs/proc-" + id + ".log");
        byte[] previous = files.readState(sandbox, "logs/proc-" + id + ".log.1");
        assertEquals(TEN_MIB, previous.length, ".log.1 is exactly 10 MiB");
        assertArrayEquals(tail, current);
        assertArrayEquals(Arrays.copyOfRange(stream, size - currentSize - TEN_MIB, size - currentSize), previous,
                ".log.1 holds the 10 MiB just before the current file, byte for byte");
        assertEquals(List.of("proc-" + id + ".log", "proc-" + id + ".log.1"),
                files.listState(sandbox, "logs").stream().filter(f -> f.startsWith("proc-" + id)).toList(),
                "only .log and one .log.1");
    }

    /** What {@code seq 1 n} prints. */
    static byte[] seq(int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(n * 8);
        for (int i = 1; i <= n; i++) {
            out.writeBytes(Integer.toString(i).getBytes(StandardCharsets.US_ASCII));
            out.write('\n');
        }
        return out.toByteArray();
    }

    private static InputStream follow(String sandbox, String id) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(Api.cluster().apiUrl() + "/v1/sandboxes/" + sandbox
                        + "/processes/" + id + "/logs?follow=true"))
                .header("Authorization", "Bearer " + Api.viewer())
                .build();
        HttpResponse<InputStream> response = HttpClient.newHttpClient()
                .send(request, HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            fail("follow answered " + response.statusCode() + ": " + new String(response.body().readAllBytes()));
        }
        String type = response.headers().firstValue("Content-Type").orElse("");
        assertTrue(type.startsWith("text/plain"), "follow content type " + type);
        return response.body();
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    interface IoCall<T> {
        T call() throws IOException;
    }

    private static <T> T within(Duration limit, IoCall<T> call, String what) throws Exception {
        Future<T> future = readers.submit(call::call);
        try {
            return future.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new AssertionError("no " + what + " within " + limit);
        }
    }
}
