package io.tensorbox.scheduler.exec;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.tensorbox.common.internal.InternalToken;
import io.tensorbox.scheduler.InternalCalls;
import io.tensorbox.scheduler.process.FakeApiService;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.tensorbox.scheduler.InternalCalls.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.emptyOrNullString;

/**
 * Execs on the local runtime through the internal API, checked where they run: the processes of
 * this host, read from {@code /proc}. Each command carries a unique marker (an odd sleep duration),
 * so a leftover process is found by its arguments.
 */
@QuarkusTest
@QuarkusTestResource(FakeApiService.class)
class LocalExecTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Blocking calls made on the side run here, never in the common pool the service may need. */
    private static final java.util.concurrent.Executor CALLERS = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
    String sandbox;

    @BeforeEach
    void createSandbox() {
        sandbox = io.tensorbox.scheduler.InternalCalls.createRunningSandbox(Map.of());
    }

    @Test
    void anExecWithoutOrWithAWrongTokenIsA401JsonAndRunsNothing() {
        Path ran = FakeApiService.home.resolve("ran-" + sandbox);
        Map<String, Object> touch = Map.of("argv", List.of("touch", ran.toString()));
        for (String path : List.of("/internal/v1/sandboxes/{id}/exec", "/internal/v1/sandboxes/{id}/exec/stream")) {
            RestAssured.given().contentType(ContentType.JSON).body(touch).post(path, sandbox)
                    .then().statusCode(401).contentType(ContentType.JSON)
                    .body("error.code", not(emptyOrNullString())).body("error.message", not(emptyOrNullString()));
            RestAssured.given().header(InternalToken.HEADER, InternalCalls.TOKEN + "-wrong")
                    .contentType(ContentType.JSON).body(touch).post(path, sandbox)
                    .then().statusCode(401).contentType(ContentType.JSON).body("error.code", not(emptyOrNullString()));
        }
        assertThat(ran).doesNotExist();

        given().contentType(ContentType.JSON).body(touch).post("/internal/v1/sandboxes/{id}/exec", sandbox)
                .then().statusCode(200).body("exitCode", equalTo(0));
        assertThat(ran).exists();
    }

    @Test
    void aBufferedExecPastItsDeadlineIsKilledInTheSandboxWithWhatItLeftBehind() {
        String marker = uniqueSleep();
        // the background sleep outlives its parent: only a kill of the whole process group reaches it
        var answer = CompletableFuture.supplyAsync(() -> given().contentType(ContentType.JSON)
                .body(Map.of("argv", List.of("sh", "-c", "(sleep " + marker + " &); sleep " + marker), "timeoutMs", 1000))
                .post("/internal/v1/sandboxes/{id}/exec", sandbox), CALLERS);
        await().atMost(Duration.ofSeconds(10)).until(() -> sleeping(marker) == 2);

        answer.join().then().statusCode(200).body("timedOut", equalTo(true)).body("exitCode", equalTo(-1));
        await().atMost(Duration.ofSeconds(5)).until(() -> sleeping(marker) == 0);
    }

    @Test
    void bufferedOutputIsKeptAsBytes() {
        byte[] stdout = Base64.getDecoder().decode(given().contentType(ContentType.JSON)
                .body(Map.of("argv", List.of("printf", "a\\000\\377b\\n")))
                .post("/internal/v1/sandboxes/{id}/exec", sandbox)
                .then().statusCode(200).body("exitCode", equalTo(0))
                .extract().<String>path("stdout"));
        assertThat(stdout).containsExactly('a', 0, 0xff, 'b', '\n');
    }

    @Test
    void aStreamedExecEndsInTheSandboxWhenItsCallerHangsUp() throws Exception {
        String marker = uniqueSleep();
        try (HttpClient client = http()) {
            HttpResponse<InputStream> response = client.send(stream(List.of("sh", "-c", "(sleep " + marker + " &); sleep " + marker)),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> sleeping(marker) == 2);

            response.body().close();
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> sleeping(marker) == 0);
    }

    @Test
    void twoHundredSilentStreamsAnswerAtOnceAndHoldUpNoBufferedExec() throws Exception {
        String marker = uniqueSleep();
        List<CompletableFuture<HttpResponse<InputStream>>> streams = new ArrayList<>();
        try (HttpClient client = http()) {
            for (int i = 0; i < 200; i++) {
                streams.add(client.sendAsync(stream(List.of("sleep", marker)), HttpResponse.BodyHandlers.ofInputStream()));
            }
            try {
                // the commands print nothing: these are only the status and headers, sent before any output
                for (var s : streams) {
                    HttpResponse<InputStream> response = s.get(60, TimeUnit.SECONDS);
                    assertThat(response.statusCode()).isEqualTo(200);
                    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> sleeping(marker) == 200);

                var buffered = CompletableFuture.supplyAsync(() -> given().contentType(ContentType.JSON)
                        .body(Map.of("argv", List.of("echo", "still here")))
                        .post("/internal/v1/sandboxes/{id}/exec", sandbox), CALLERS);
                String stdout = buffered.get(15, TimeUnit.SECONDS).then().statusCode(200).extract().path("stdout");
                assertThat(new String(Base64.getDecoder().decode(stdout), StandardCharsets.UTF_8)).isEqualTo("still here\n");
            } finally {
                for (var s : streams) {
                    s.thenAccept(r -> closeQuietly(r.body()));
                }
            }
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> sleeping(marker) == 0);
    }

    private HttpRequest stream(List<String> argv) throws IOException {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port
                        + "/internal/v1/sandboxes/" + sandbox + "/exec/stream"))
                .header("Content-Type", "application/json")
                .header(InternalToken.HEADER, InternalCalls.TOKEN)
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(Map.of("argv", argv))))
                .build();
    }

    private static HttpClient http() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    /** A sleep duration no other process on this host has in its arguments. */
    private static String uniqueSleep() {
        return "59." + ThreadLocalRandom.current().nextLong(100_000_000L, 1_000_000_000L);
    }

    /** How many {@code sleep <duration>} processes run on this host. */
    static long sleeping(String duration) throws IOException {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> {
                        try {
                            String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                            return List.of(cmdline.split("\0")).equals(List.of("sleep", duration));
                        } catch (IOException | RuntimeException gone) {
                            return false;
                        }
                    })
                    .count();
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // the stream is gone already
        }
    }
}
