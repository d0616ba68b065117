package io.tensorbox.e2e.bench;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.restassured.http.ContentType;
import io.tensorbox.e2e.Api;

/** Timings through the public API that both benchmarks take the same way. */
final class ApiTimings {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** Runs of {@code true} that did not answer exit code 0: reported beside the figures, not hidden in them. */
    static final java.util.concurrent.atomic.AtomicInteger FAILED_RUNS = new java.util.concurrent.atomic.AtomicInteger();

    private ApiTimings() {
    }

    /** POST of a long-running process until its 201; the process is killed afterwards, untimed. */
    static long startProcess(String sandbox) {
        long t0 = System.nanoTime();
        String id = Api.startProcess(sandbox, "sleep", "1000").getString("id");
        long elapsed = System.nanoTime() - t0;
        Api.as(Api.developer()).delete("/v1/sandboxes/{id}/processes/{p}", sandbox, id);
        return elapsed;
    }

    /** {@code POST /run} of {@code true} until its JSON answer: argv form, or the shell line {@code true}. */
    static long runTrue(String sandbox, boolean shellLine) {
        Map<String, ?> body = shellLine ? Map.of("cmd", "true") : Map.of("cmd", "true", "args", java.util.List.of());
        long t0 = System.nanoTime();
        int exit = Api.as(Api.developer()).contentType(ContentType.JSON).body(body)
                .post("/v1/sandboxes/{id}/run", sandbox).then().statusCode(200).extract().path("exit_code");
        long elapsed = System.nanoTime() - t0;
        if (exit != 0) {
            FAILED_RUNS.incrementAndGet();
        }
        return elapsed;
    }

    /**
     * {@code POST /run} with {@code Accept: text/event-stream} of {@code echo hi; sleep 1}: from sending
     * until the {@code stdout} event with {@code hi} is read. The rest of the stream is abandoned
     * (which kills the command), untimed.
     */
    static long firstSseByte(String sandbox) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(Api.cluster().apiUrl() + "/v1/sandboxes/" + sandbox + "/run"))
                .header("Authorization", "Bearer " + Api.developer())
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("{\"cmd\":\"echo hi; sleep 1\"}"))
                .build();
        long t0 = System.nanoTime();
        HttpResponse<InputStream> response = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body();
             BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String line;
            boolean stdout = false;
            while ((line = lines.readLine()) != null) {
                if (line.equals("event: stdout") || line.equals("event:stdout")) {
                    stdout = true;
                } else if (stdout && line.startsWith("data:")) {
                    long elapsed = System.nanoTime() - t0;
                    if (!line.contains("hi")) {
                        throw new IllegalStateException("first stdout event was " + line);
                    }
                    return elapsed;
                }
            }
        }
        throw new IllegalStateException("the stream ended without stdout (status " + response.statusCode() + ")");
    }
}
