package io.tensorbox.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.restassured.path.json.JsonPath;

/**
 * A sandbox process that counts (1, 2, 3... a line every 0.2 s), so that a log read across
 * restarts, kills and upgrades shows a gap or a repeat as a break in the count; and plain-text log
 * follows of it through any api-service URL, each read on its own thread.
 */
final class Ticker {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String SCRIPT = "i=0; while :; do i=$((i+1)); echo $i; sleep 0.2; done";

    final String sandbox;
    final String id;
    final long pid;

    private Ticker(String sandbox, String id, long pid) {
        this.sandbox = sandbox;
        this.id = id;
        this.pid = pid;
    }

    static Ticker start(String sandbox) {
        JsonPath started = Api.startProcess(sandbox, "sh", "-c", SCRIPT);
        return new Ticker(sandbox, started.getString("id"), started.getLong("pid"));
    }

    /** The whole log, checked to count 1..n without a gap or a repeat; returns n. */
    int assertCountsWithoutGap() {
        return assertCounts(new String(Api.logs(sandbox, id), StandardCharsets.UTF_8), 1);
    }

    /** Checks that {@code text} is whole lines counting up by one from {@code first}; returns the last. */
    static int assertCounts(String text, int first) {
        int expected = first;
        int last = first - 1;
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty()) {
                continue; // the end of the text, or a line cut at the end of what was read
            }
            assertEquals(Integer.toString(expected), line, () -> "the count goes on by one: " + abbreviate(text));
            last = expected;
            expected++;
        }
        return last;
    }

    /** Waits until the log has grown past {@code n} lines (the ticker still runs and is still logged). */
    void awaitPast(int n, Duration atMost) {
        await("the ticker's log past " + n).atMost(atMost).pollInterval(Duration.ofMillis(250))
                .until(this::assertCountsWithoutGap, last -> last > n);
    }

    /**
     * The ticker's output stream through {@code apiUrl} from byte {@code offset} of its log (SPEC §5:
     * {@code GET /commands/{pid}/stream?offset=N} as server-sent events), which is how a client
     * resumes a stream that ended with the replica serving it.
     */
    Follow follow(String apiUrl, long offset) {
        return new Follow(apiUrl + RuntimeApi.streamPath(sandbox, id, Long.toString(offset)));
    }

    private static String abbreviate(String text) {
        return text.length() <= 400 ? text : text.substring(0, 200) + " ... " + text.substring(text.length() - 200);
    }

    /** One follow, read to its end (or the failure of its connection) on a thread of its own. */
    static final class Follow implements AutoCloseable {
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private final CompletableFuture<Throwable> ended = new CompletableFuture<>();
        private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        private volatile InputStream body;
        final int status;

        Follow(String url) {
            HttpResponse<InputStream> r;
            try {
                r = client.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + Api.viewer())
                        .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                status = -1;
                ended.complete(e);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            status = r.statusCode();
            body = r.body();
            Thread reader = new Thread(() -> {
                // one JSON message per data line: {"type":"output","data":"..."} ... {"type":"exit",...}
                try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.startsWith("data:")) {
                            JsonNode message = JSON.readTree(line.substring(5).trim());
                            if ("output".equals(message.path("type").asText())) {
                                byte[] bytes = message.path("data").asText().getBytes(StandardCharsets.UTF_8);
                                synchronized (received) {
                                    received.write(bytes, 0, bytes.length);
                                }
                            }
                        }
                    }
                    ended.complete(null);
                } catch (IOException | RuntimeException e) {
                    ended.complete(e);
                }
            }, "e2e-ticker-follow");
            reader.setDaemon(true);
            reader.start();
        }

        byte[] received() {
            synchronized (received) {
                return received.toByteArray();
            }
        }

        String text() {
            return new String(received(), StandardCharsets.UTF_8);
        }

        boolean ended() {
            return ended.isDone();
        }

        /** Waits until what came in counts past {@code n} (from {@code first}); returns the last count. */
        int awaitPast(int first, int n, Duration atMost) {
            return await("the follow to count past " + n).atMost(atMost).pollInterval(Duration.ofMillis(100))
                    .until(() -> assertCounts(text(), first), last -> last > n);
        }

        void assertOpen() {
            assertEquals(200, status, "the follow answered " + status);
            assertTrue(!ended.isDone() || ended.getNow(null) == null, () -> "the follow failed: " + ended.getNow(null));
        }

        @Override
        public void close() {
            try {
                InputStream in = body;
                if (in != null) {
                    in.close();
                }
            } catch (IOException ignored) {
                // closing anyway
            }
            client.shutdownNow();
        }
    }
}
