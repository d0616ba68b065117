package io.tensorbox.e2e;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A Connect server-streaming call ({@code process.Process/Start} or {@code /Connect}) read as E2B's client
 * reads it: one enveloped request message, then the response body parsed envelope by envelope (a flags
 * byte, a 4-byte big-endian length, the JSON) on a thread of its own, each frame handed over as soon as
 * its last byte arrived. The body is hostile input: lengths are bounded, unknown flags, bytes after the
 * end-of-stream frame or a body that stops inside a frame fail the test. Every call has its own HTTP
 * client, so {@link #close()} really drops the connection.
 */
final class ConnectStream implements AutoCloseable {
    static final String CONNECT_JSON = "application/connect+json";
    static final int END_STREAM = 0x02;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A frame announcing more than this fails the test instead of filling the heap. */
    private static final int MAX_FRAME = 16 * 1024 * 1024;

    /** One response envelope: its flags and its message. */
    record Frame(int flags, JsonNode message) {
        boolean endOfStream() {
            return flags == END_STREAM;
        }

        /** The kind of a {@code ProcessEvent} ({@code start}, {@code data}, {@code end}, {@code keepalive}). */
        String kind() {
            JsonNode event = message.path("event");
            if (endOfStream() || !event.isObject() || event.size() != 1) {
                throw new AssertionError("not a ProcessEvent with exactly one event: " + this);
            }
            return event.fieldNames().next();
        }

        JsonNode body() {
            return message.path("event").path(kind());
        }

        /** The output bytes of a {@code data} event (stdout or stderr, base64 in the proto3 JSON mapping). */
        byte[] data() {
            if (!kind().equals("data")) {
                throw new AssertionError("not a data event: " + this);
            }
            JsonNode body = body();
            if (body.size() != 1 || !(body.has("stdout") || body.has("stderr")) || !body.elements().next().isTextual()) {
                throw new AssertionError("a data event holds one of stdout/stderr as a string: " + this);
            }
            try {
                return Base64.getDecoder().decode(body.elements().next().asText());
            } catch (IllegalArgumentException e) {
                throw new AssertionError("data that is not base64: " + this, e);
            }
        }

        /** The error of an end-of-stream frame, or an empty optional when the stream ended without one. */
        Optional<JsonNode> error() {
            if (!endOfStream()) {
                throw new AssertionError("not the end-of-stream frame: " + this);
            }
            JsonNode error = message.get("error");
            return error == null || error.isNull() ? Optional.empty() : Optional.of(error);
        }

        @Override
        public String toString() {
            String json = message.toString();
            return "0x" + Integer.toHexString(flags) + " " + (json.length() > 300 ? json.substring(0, 300) + "..." : json);
        }
    }

    private sealed interface Item permits Got, End, Broke {
    }

    private record Got(Frame frame) implements Item {
    }

    private record End() implements Item {
    }

    private record Broke(Throwable failure) implements Item {
    }

    private final HttpClient client;
    private final int status;
    private final String contentType;
    private final InputStream body;
    private final BlockingQueue<Item> items = new LinkedBlockingQueue<>();
    private volatile boolean closed;

    private ConnectStream(HttpClient client, HttpResponse<InputStream> response) {
        this.client = client;
        this.status = response.statusCode();
        this.contentType = response.headers().firstValue("Content-Type").orElse("");
        this.body = new BufferedInputStream(response.body(), 64 * 1024);
        Thread reader = new Thread(this::read, "e2e-connect-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * {@code POST {runtime_url}/process.Process/{method}} with the message enveloped, as
     * {@code application/connect+json}, plus {@code headers} (credentials, {@code Connect-Timeout-Ms}).
     */
    static ConnectStream call(String sandbox, String method, Map<String, String> headers, Object message) {
        return call(sandbox, "process.Process", method, headers, message);
    }

    /** As {@link #call(String, String, Map, Object)}, on {@code {runtime_url}/{service}/{method}}. */
    static ConnectStream call(String sandbox, String service, String method, Map<String, String> headers, Object message) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .version(HttpClient.Version.HTTP_1_1).build();
        String path = "/v1/sandboxes/" + sandbox + "/" + service + "/" + method;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(Api.cluster().apiUrl() + path))
                .header("Content-Type", CONNECT_JSON)
                .header("Connect-Protocol-Version", "1");
        headers.forEach(request::header);
        try {
            byte[] json = message instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : JSON.writeValueAsBytes(message);
            byte[] envelope = ByteBuffer.allocate(5 + json.length).put((byte) 0).putInt(json.length).put(json).array();
            request.POST(HttpRequest.BodyPublishers.ofByteArray(envelope));
            return new ConnectStream(client, client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            client.shutdownNow();
            throw new AssertionError("POST " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            client.shutdownNow();
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * Fails unless the answer is what the Connect protocol requires of every streaming response, errors
     * included: HTTP 200 of {@code application/connect+json}.
     */
    ConnectStream assertStreaming() {
        if (status != 200 || !contentType.startsWith(CONNECT_JSON)) {
            String head;
            try {
                head = status == 200 ? "" : new String(body.readNBytes(2000), StandardCharsets.UTF_8);
            } catch (IOException e) {
                head = "(" + e + ")";
            }
            throw new AssertionError("a streaming call answered " + status + " " + contentType + " " + head);
        }
        return this;
    }

    /** The next frame within {@code limit}; fails when the stream ended or broke first, or nothing came. */
    Frame next(Duration limit) {
        return poll(limit).orElseThrow(() -> new AssertionError("no frame within " + limit));
    }

    /** The next frame if one comes within {@code limit}; fails when the stream ended or broke first. */
    Optional<Frame> poll(Duration limit) {
        Item item = take(limit);
        if (item instanceof Got got) {
            return Optional.of(got.frame());
        }
        if (item instanceof Broke broke) {
            throw new AssertionError("the stream broke: " + broke.failure(), broke.failure());
        }
        if (item instanceof End) {
            throw new AssertionError("the stream ended before the next frame");
        }
        return Optional.empty();
    }

    /** Every frame up to the end of the body, which must come within {@code limit}. */
    List<Frame> rest(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        List<Frame> frames = new ArrayList<>();
        while (true) {
            Item item = take(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (item instanceof Got got) {
                frames.add(got.frame());
            } else if (item instanceof End) {
                return frames;
            } else if (item instanceof Broke broke) {
                throw new AssertionError("the stream broke after " + frames + ": " + broke.failure(), broke.failure());
            } else {
                throw new AssertionError("the stream did not end within " + limit + "; it sent " + frames);
            }
        }
    }

    private Item take(Duration limit) {
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
        boolean ended = false;
        try {
            while (true) {
                int flags = body.read();
                if (flags == -1) {
                    if (!ended) {
                        throw new EOFException("the body ended without an end-of-stream frame");
                    }
                    items.add(new End());
                    return;
                }
                if (ended) {
                    throw new IOException("bytes after the end-of-stream frame (flags 0x" + Integer.toHexString(flags) + ")");
                }
                if (flags != 0 && flags != END_STREAM) {
                    throw new IOException("a frame with flags 0x" + Integer.toHexString(flags)
                            + " (only 0x00 and the end-of-stream 0x02 are expected, uncompressed)");
                }
                byte[] prefix = body.readNBytes(4);
                if (prefix.length < 4) {
                    throw new EOFException("the body ended inside a frame prefix");
                }
                long length = ByteBuffer.wrap(prefix).getInt() & 0xffffffffL;
                if (length > MAX_FRAME) {
                    throw new IOException("a frame of " + length + " bytes announced");
                }
                byte[] message = body.readNBytes((int) length);
                if (message.length < length) {
                    throw new EOFException("the body ended " + message.length + " bytes into a frame of " + length);
                }
                JsonNode json = JSON.readTree(message);
                if (json == null || !json.isObject()) {
                    throw new IOException("a frame whose message is not a JSON object: "
                            + new String(message, StandardCharsets.UTF_8));
                }
                items.add(new Got(new Frame(flags, json)));
                ended = flags == END_STREAM;
            }
        } catch (IOException | RuntimeException e) {
            items.add(closed ? new End() : new Broke(e));
        }
    }

    /** Drops the connection, as a client that goes away does. */
    @Override
    public void close() {
        closed = true;
        try {
            body.close();
        } catch (IOException ignored) {
            // the connection is dropped below in any case
        }
        client.shutdownNow();
    }
}
