package io.tensorbox.e2e;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A server-sent-events stream of the public API read as a client would: the JDK HTTP client, the
 * body read line by line on a thread of its own, each event handed over as soon as its blank line
 * arrives. Every stream has its own HTTP client, so {@link #close()} really drops the connection
 * (what "a caller that goes away" means to the server).
 */
final class SseClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** An event line longer than this fails the test instead of filling the heap. */
    private static final int MAX_LINE = 32 * 1024 * 1024;

    /**
     * One event: its name ({@code message} when the server gave none), its data lines joined by
     * newlines, and its id (null when it had none).
     */
    record Event(String name, String data, String id) {
        JsonNode json() {
            try {
                return JSON.readTree(data);
            } catch (IOException e) {
                throw new AssertionError("event " + name + " has data that is not JSON: " + data, e);
            }
        }

        @Override
        public String toString() {
            return name + " " + (data.length() > 200 ? data.substring(0, 200) + "..." : data);
        }
    }

    /** What the reader thread hands over: an event, the end of the stream, or how it broke. */
    private sealed interface Item permits Got, End, Broke {
    }

    private record Got(Event event) implements Item {
    }

    private record End() implements Item {
    }

    private record Broke(Throwable failure) implements Item {
    }

    private final HttpClient client;
    private final int status;
    private final String contentType;
    private final String errorBody;
    private final InputStream body;
    private final BlockingQueue<Item> items = new LinkedBlockingQueue<>();
    private volatile boolean ended;

    private SseClient(HttpClient client, HttpResponse<InputStream> response) throws IOException {
        this.client = client;
        this.status = response.statusCode();
        this.contentType = response.headers().firstValue("Content-Type").orElse("");
        if (status != 200) {
            this.errorBody = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
            this.body = null;
            client.shutdownNow();
            return;
        }
        this.errorBody = null;
        this.body = new BufferedInputStream(response.body(), 64 * 1024);
        Thread reader = new Thread(this::read, "e2e-sse-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** {@code GET path} with {@code Accept: text/event-stream} and the given headers. */
    static SseClient get(String path, Map<String, String> headers) {
        return open("GET", Api.cluster().apiUrl() + path, headers, null);
    }

    /** {@code GET path} of one api-service at {@code baseUrl} (a replica's pod). */
    static SseClient get(String baseUrl, String path, Map<String, String> headers) {
        return open("GET", baseUrl + path, headers, null);
    }

    /** {@code POST path} of a JSON body with {@code Accept: text/event-stream}. */
    static SseClient post(String path, Map<String, String> headers, Object jsonBody) {
        return open("POST", Api.cluster().apiUrl() + path, headers, jsonBody);
    }

    private static SseClient open(String method, String url, Map<String, String> headers, Object jsonBody) {
        String path = URI.create(url).getPath();
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .header("Accept", "text/event-stream");
        headers.forEach(request::header);
        try {
            if (jsonBody == null) {
                request.GET();
            } else {
                request.header("Content-Type", "application/json").method(method,
                        HttpRequest.BodyPublishers.ofString(jsonBody instanceof String s ? s : JSON.writeValueAsString(jsonBody)));
            }
            return new SseClient(client, client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            client.shutdownNow();
            throw new AssertionError(method + " " + path + " as an event stream failed: " + e, e);
        } catch (InterruptedException e) {
            client.shutdownNow();
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    int status() {
        return status;
    }

    String contentType() {
        return contentType;
    }

    /** The body of an answer that was not 200 (a JSON error), else null. */
    String errorBody() {
        return errorBody;
    }

    /** Fails unless the server answered 200 {@code text/event-stream}. */
    SseClient assertStreaming() {
        if (status != 200) {
            throw new AssertionError("the event stream answered " + status + ": " + errorBody);
        }
        if (!contentType.startsWith("text/event-stream")) {
            throw new AssertionError("the event stream is " + contentType + ", not text/event-stream");
        }
        return this;
    }

    /** The next event within {@code limit}; fails when the stream ended or broke first, or nothing came. */
    Event next(Duration limit) {
        Item item = poll(limit);
        if (item instanceof Got got) {
            return got.event();
        }
        if (item instanceof Broke broke) {
            throw new AssertionError("the event stream broke: " + broke.failure(), broke.failure());
        }
        if (item instanceof End) {
            throw new AssertionError("the event stream ended before the next event");
        }
        throw new AssertionError("no event within " + limit);
    }

    /** Every event up to the end of the stream, which must come within {@code limit}. */
    List<Event> rest(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        List<Event> events = new ArrayList<>();
        while (true) {
            Item item = poll(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (item instanceof Got got) {
                events.add(got.event());
            } else if (item instanceof End) {
                return events;
            } else if (item instanceof Broke broke) {
                throw new AssertionError("the event stream broke after " + events + ": " + broke.failure(), broke.failure());
            } else {
                throw new AssertionError("the event stream did not end within " + limit + "; it sent " + events);
            }
        }
    }

    private Item poll(Duration limit) {
        assertNotNull(body, () -> "the stream answered " + status + ": " + errorBody);
        try {
            Item item = items.poll(limit.toNanos(), TimeUnit.NANOSECONDS);
            if (item instanceof End || item instanceof Broke) {
                items.add(item); // stays the answer to every later call
            }
            return item;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private void read() {
        String name = null;
        String id = null;
        StringBuilder data = null;
        try {
            while (true) {
                String line = readLine();
                if (line == null) {
                    items.add(new End());
                    return;
                }
                if (line.isEmpty()) {
                    if (data != null) {
                        items.add(new Got(new Event(name == null ? "message" : name, data.toString(), id)));
                    }
                    name = null;
                    data = null;
                    id = null;
                    continue;
                }
                if (line.startsWith(":")) {
                    continue;
                }
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1);
                if (value.startsWith(" ")) {
                    value = value.substring(1);
                }
                if (field.equals("event")) {
                    name = value;
                } else if (field.equals("id")) {
                    id = value;
                } else if (field.equals("data")) {
                    data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                } else if (!field.equals("retry")) {
                    // clients ignore unknown fields, but our streams have no reason to send any
                    throw new IOException("a field SSE does not define: " + line);
                }
            }
        } catch (IOException | RuntimeException e) {
            items.add(ended ? new End() : new Broke(e));
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = body.read()) != -1) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.UTF_8);
            }
            if (line.size() >= MAX_LINE) {
                throw new IOException("an event line longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
    }

    /** Drops the connection, as a client that goes away does. */
    @Override
    public void close() {
        ended = true;
        try {
            if (body != null) {
                body.close();
            }
        } catch (IOException ignored) {
            // the connection is dropped below in any case
        }
        client.shutdownNow();
    }
}
