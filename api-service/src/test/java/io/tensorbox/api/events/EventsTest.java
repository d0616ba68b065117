package io.tensorbox.api.events;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.tensorbox.api.Api;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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

import static io.tensorbox.api.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPEC §6 events: ids, order, resume without gap or duplicate, the end of the stream, access. */
@QuarkusTest
class EventsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void lifecycleEventsArriveInOrderWithIdsAndTheStreamEndsWithTheSandbox() throws Exception {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        try (Stream s = Stream.open(sbx, key, "0", null)) {
            Ev pending = s.next();
            Ev running = s.next();
            assertEquals("sandbox.state", pending.name);
            assertTrue(pending.data.contains("\"state\":\"pending\""), pending.data);
            assertTrue(running.data.contains("\"state\":\"running\""), running.data);
            assertEquals(Long.parseLong(pending.id) + 1, Long.parseLong(running.id));

            String proc = as(key).body(Map.of("command", List.of("sleep", "100")))
                    .post("/v1/sandboxes/" + sbx + "/processes").then().statusCode(201).extract().path("id");
            Ev started = s.next();
            assertEquals("process.started", started.name);
            assertTrue(started.data.contains(proc), started.data);

            as(key).delete("/v1/sandboxes/" + sbx + "/processes/" + proc).then().statusCode(204);
            Ev exited = s.next();
            assertEquals("process.exited", exited.name);
            assertTrue(exited.data.contains("\"state\":\"killed\"") && exited.data.contains("\"exit_code\":-1"), exited.data);

            as(key).delete("/v1/sandboxes/" + sbx).then().statusCode(204);
            Ev stopped = s.next();
            assertTrue(stopped.data.contains("\"state\":\"stopped\""), stopped.data);
            assertNull(s.next(), "the stream ends after the sandbox stopped");
        }
    }

    @Test
    void lastEventIdResumesWithoutAGapOrADuplicate() throws Exception {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        for (int i = 0; i < 3; i++) {
            as(key).body(Map.of("command", List.of("exits-before-the-answer")))
                    .post("/v1/sandboxes/" + sbx + "/processes").then().statusCode(201);
        }
        List<Ev> all = new ArrayList<>();
        try (Stream s = Stream.open(sbx, key, "0", null)) {
            for (int i = 0; i < 2 + 3 * 2; i++) {
                all.add(s.next());
            }
        }
        for (int i = 0; i < all.size(); i++) {
            assertEquals(i + 1, Long.parseLong(all.get(i).id), "ids count up from 1 without a gap: " + all);
        }
        String resumeAfter = all.get(3).id;
        try (Stream s = Stream.open(sbx, key, null, resumeAfter)) {
            for (Ev expected : all.subList(4, all.size())) {
                Ev got = s.next();
                assertEquals(expected.id, got.id);
                assertEquals(expected.data, got.data);
            }
            as(key).body(Map.of("command", List.of("sleep", "1"))).post("/v1/sandboxes/" + sbx + "/processes").then().statusCode(201);
            assertEquals(Long.toString(all.size() + 1), s.next().id, "then the new ones, live");
        }
    }

    @Test
    void aFreshStreamStartsAtTheEnd() throws Exception {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        try (Stream s = Stream.open(sbx, key, null, null)) {
            String proc = as(key).body(Map.of("command", List.of("sleep", "1")))
                    .post("/v1/sandboxes/" + sbx + "/processes").then().statusCode(201).extract().path("id");
            Ev first = s.next();
            assertEquals("process.started", first.name, "no replay of the sandbox's start");
            assertTrue(first.data.contains(proc));
        }
    }

    @Test
    void aSandboxCloseToItsExpiryAnnouncesItOnce() throws Exception {
        String key = Api.newTeam();
        String sbx = as(key).body(Map.of("timeout_seconds", 30)).post("/v1/sandboxes").then().statusCode(201)
                .extract().path("id");
        try (Stream s = Stream.open(sbx, key, "0", null)) {
            // pending, running and expiring; expiring may come before running (the create is two transactions)
            List<Ev> first = List.of(s.next(), s.next(), s.next());
            Ev expiring = first.stream().filter(e -> e.name.equals("sandbox.expiring")).findFirst()
                    .orElseThrow(() -> new AssertionError("no sandbox.expiring in " + first));
            assertTrue(expiring.data.contains("expires_at"), expiring.data);
            as(key).body(Map.of("command", List.of("sleep", "1"))).post("/v1/sandboxes/" + sbx + "/processes").then().statusCode(201);
            assertEquals("process.started", s.next().name, "announced once, not every second");
        }
    }

    @Test
    void badPositionsAre400AndOtherTeamsSee404() {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        as(key).header("Last-Event-ID", "abc").get("/v1/sandboxes/" + sbx + "/events").then().statusCode(400)
                .body("error.code", equalTo("invalid_request"));
        as(key).get("/v1/sandboxes/" + sbx + "/events?after=-1").then().statusCode(400);
        as(Api.newTeam()).get("/v1/sandboxes/" + sbx + "/events").then().statusCode(404);
        RestAssured.given().get("/v1/sandboxes/" + sbx + "/events").then().statusCode(401);
    }

    record Ev(String id, String name, String data) {
    }

    /** An SSE reader: a thread reads lines into a queue; {@link #next} waits for one event or the end. */
    static final class Stream implements AutoCloseable {
        private static final Ev END = new Ev(null, null, null);
        private final BlockingQueue<Ev> events = new LinkedBlockingQueue<>();
        private final HttpClient client;
        private final java.io.InputStream body;
        private final BufferedReader reader;

        private Stream(HttpClient client, java.io.InputStream body) {
            this.client = client;
            this.body = body;
            this.reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            Thread t = new Thread(this::read, "events-test-reader");
            t.setDaemon(true);
            t.start();
        }

        static Stream open(String sbx, String key, String after, String lastEventId) throws Exception {
            String url = RestAssured.baseURI + ":" + RestAssured.port + "/v1/sandboxes/" + sbx + "/events"
                    + (after != null ? "?after=" + after : "");
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + key)
                    .header("Accept", "text/event-stream");
            if (lastEventId != null) {
                request.header("Last-Event-ID", lastEventId);
            }
            HttpClient client = HttpClient.newHttpClient();
            HttpResponse<java.io.InputStream> response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, response.statusCode());
            return new Stream(client, response.body());
        }

        /** The next event, or null when the stream ended. */
        Ev next() throws InterruptedException {
            Ev e = events.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(e, "no event within " + WAIT);
            if (e == END) {
                events.add(END);
                return null;
            }
            return e;
        }

        private void read() {
            String id = null;
            String name = null;
            StringBuilder data = null;
            try {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.isEmpty()) {
                        if (data != null) {
                            events.add(new Ev(id, name, data.toString()));
                        }
                        id = null;
                        name = null;
                        data = null;
                    } else if (line.startsWith("id:")) {
                        id = line.substring(3).trim();
                    } else if (line.startsWith("event:")) {
                        name = line.substring(6).trim();
                    } else if (line.startsWith("data:")) {
                        String v = line.substring(5).trim();
                        data = data == null ? new StringBuilder(v) : data.append('\n').append(v);
                    }
                }
            } catch (IOException e) {
                // closed
            }
            events.add(END);
        }

        @Override
        public void close() throws IOException {
            // not reader.close(): it waits for the reader thread's lock, held while it waits for a line
            client.shutdownNow();
            body.close();
        }
    }
}
