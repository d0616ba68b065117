package io.tensorbox.scheduler.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.RestAssured;
import io.tensorbox.common.internal.InternalToken;
import io.tensorbox.scheduler.InternalCalls;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A caller of the run route that reads its events one at a time as they arrive (a reader thread
 * parses the {@code text/event-stream} into a queue), so a test can see what came before the end.
 */
final class SseClient implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    record Event(String name, String data) {
        JsonNode json() {
            try {
                return JSON.readTree(data);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The chunk of a stdout/stderr event. */
        String text() {
            return json().textValue();
        }
    }

    private static final Event END = new Event("<end>", "");
    private final HttpClient client;
    private final HttpResponse<InputStream> response;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

    private SseClient(HttpClient client, HttpResponse<InputStream> response) {
        this.client = client;
        this.response = response;
        if (response.statusCode() == 200) {
            Thread.ofVirtual().start(this::read);
        }
    }

    static SseClient run(String sandbox, Object body) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port
                        + "/internal/v1/sandboxes/" + sandbox + "/run"))
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .header(InternalToken.HEADER, InternalCalls.TOKEN)
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                .build();
        return new SseClient(client, client.send(request, HttpResponse.BodyHandlers.ofInputStream()));
    }

    HttpResponse<InputStream> response() {
        return response;
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String name = null;
            StringBuilder data = null;
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data != null) {
                        events.add(new Event(name == null ? "message" : name, data.toString()));
                    }
                    name = null;
                    data = null;
                } else if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    String part = line.substring(5);
                    part = part.startsWith(" ") ? part.substring(1) : part;
                    data = data == null ? new StringBuilder(part) : data.append('\n').append(part);
                }
            }
        } catch (IOException ignored) {
            // closed by the test
        } finally {
            events.add(END);
        }
    }

    /** The next event, or null when the stream ended; fails after 20 s without one. */
    Event next() throws InterruptedException {
        Event e = events.poll(20, TimeUnit.SECONDS);
        if (e == null) {
            throw new AssertionError("no event within 20 s");
        }
        return e == END ? null : e;
    }

    /** Every event up to the end of the stream. */
    List<Event> rest() throws InterruptedException {
        List<Event> all = new ArrayList<>();
        for (Event e = next(); e != null; e = next()) {
            all.add(e);
        }
        return all;
    }

    @Override
    public void close() throws IOException {
        response.body().close();
        client.close();
    }
}
