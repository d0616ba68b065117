package io.tensorbox.scheduler.files;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.tensorbox.common.internal.InternalToken;
import io.tensorbox.scheduler.InternalCalls;
import io.tensorbox.scheduler.process.FakeApiService;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.tensorbox.scheduler.InternalCalls.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/** Watches on the local runtime: each kind of change is seen, and closing the stream ends the poll in the sandbox. */
@QuarkusTest
@QuarkusTestResource(FakeApiService.class)
class FilesWatchTest {

    static final ObjectMapper JSON = new ObjectMapper();
    String sandbox;
    Path workspace;

    record Event(String name, JsonNode data) {
    }

    @BeforeEach
    void createSandbox() {
        sandbox = InternalCalls.createRunningSandbox(Map.of());
        workspace = FakeApiService.home.resolve("sandboxes").resolve(sandbox).resolve("workspace");
    }

    /** A reader of the SSE stream into a queue. */
    final class Watch implements AutoCloseable {
        final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        final HttpResponse<InputStream> response;
        final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

        Watch(String path, boolean recursive) throws Exception {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/internal/v1/sandboxes/"
                            + sandbox + "/files/watch?recursive=" + recursive + "&path=" + URLEncoder.encode(path, StandardCharsets.UTF_8)))
                    .header("Accept", "text/event-stream").header(InternalToken.HEADER, InternalCalls.TOKEN).GET().build();
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            Thread.ofVirtual().start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                    String name = null;
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.startsWith("event:")) {
                            name = line.substring(6).strip();
                        } else if (line.startsWith("data:")) {
                            events.add(new Event(name, JSON.readTree(line.substring(5).strip())));
                        }
                    }
                } catch (Exception ignored) {
                    // closed by the test
                }
            });
        }

        Event next() throws InterruptedException {
            Event e = events.poll(20, TimeUnit.SECONDS);
            assertThat(e).as("an event within 20 s").isNotNull();
            return e;
        }

        void expect(String type, String path, String entryType) throws InterruptedException {
            Event e = next();
            assertThat(e.name()).isEqualTo(type);
            assertThat(e.data().get("type").asText()).isEqualTo(type);
            assertThat(e.data().get("path").asText()).isEqualTo(workspace + "/" + path);
            assertThat(e.data().get("entry_type").asText()).isEqualTo(entryType);
        }

        @Override
        public void close() throws Exception {
            response.body().close();
            client.close();
        }
    }

    List<ProcessHandle> watchers() {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains("tbx-files") && c.contains(sandbox)).orElse(false))
                .toList();
    }

    @Test
    void everyKindOfChangeIsSeenAndClosingEndsTheWatcher() throws Exception {
        Files.createDirectories(workspace.resolve("w/already"));
        try (Watch watch = new Watch("w", false)) {
            Event ready = watch.next();
            assertThat(ready.name()).isEqualTo("ready");
            assertThat(watchers()).isNotEmpty();

            Files.writeString(workspace.resolve("w/new.txt"), "one");
            watch.expect("created", "w/new.txt", "file");
            Files.writeString(workspace.resolve("w/new.txt"), "one more");
            watch.expect("written", "w/new.txt", "file");
            Files.move(workspace.resolve("w/new.txt"), workspace.resolve("w/moved.txt"));
            watch.expect("renamed", "w/new.txt", "file");
            watch.expect("created", "w/moved.txt", "file");
            Files.delete(workspace.resolve("w/moved.txt"));
            watch.expect("removed", "w/moved.txt", "file");
            Files.createDirectory(workspace.resolve("w/sub"));
            watch.expect("created", "w/sub", "dir");
            // not recursive: a change below a child is not an event of this watch, the next one at its level is
            Files.writeString(workspace.resolve("w/sub/inner"), "x");
            Files.createSymbolicLink(workspace.resolve("w/link"), Path.of("sub"));
            watch.expect("created", "w/link", "symlink");
        }
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> watchers().isEmpty());
    }

    @Test
    void recursiveWatchSeesDeeperChanges() throws Exception {
        Files.createDirectories(workspace.resolve("r/a/b"));
        try (Watch watch = new Watch(workspace + "/r", true)) {
            assertThat(watch.next().name()).isEqualTo("ready");
            Files.writeString(workspace.resolve("r/a/b/deep"), "d");
            watch.expect("created", "r/a/b/deep", "file");
        }
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> watchers().isEmpty());
    }

    @Test
    void aMissingPathOrAFileIsRefusedBeforeTheStream() throws Exception {
        Files.writeString(workspace.resolve("plain"), "p");
        given().queryParam("path", "nope").get("/internal/v1/sandboxes/" + sandbox + "/files/watch").then().statusCode(404)
                .body("error.code", equalTo("file_not_found"));
        given().queryParam("path", "plain").get("/internal/v1/sandboxes/" + sandbox + "/files/watch").then().statusCode(400)
                .body("error.code", equalTo("not_a_directory"));
        given().queryParam("path", ".").queryParam("recursive", "maybe").get("/internal/v1/sandboxes/" + sandbox + "/files/watch")
                .then().statusCode(400).body("error.code", equalTo("invalid_request"));
        assertThat(watchers()).isEmpty();
    }
}
