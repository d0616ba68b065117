package io.tensorbox.api;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import static io.tensorbox.api.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

@QuarkusTest
class LogTest {

    @TestHTTPResource("/")
    URL base;

    @Test
    void logIsRelayedAsPlainText() {
        String key = Api.newTeam();
        String viewer = Api.key(key, "viewer");
        String sbx = Api.sandbox(key);
        String proc = ProcessTest.start(key, sbx, "vite");
        FakeRuntime.logs.put(proc, "VITE v5.2.0 ready in 312 ms\n\u279c  Local: http://localhost:3000/\n".getBytes(StandardCharsets.UTF_8));
        String body = as(viewer).get("/v1/sandboxes/" + sbx + "/processes/" + proc + "/logs").then().statusCode(200)
                .contentType(startsWith("text/plain")).extract().asString();
        assertEquals("VITE v5.2.0 ready in 312 ms\n\u279c  Local: http://localhost:3000/\n", body);
        assertEquals("follow=false", FakeRuntime.logQueries.get(proc));
    }

    @Test
    void missingLogOrProcessIs404Json() {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        String proc = ProcessTest.start(key, sbx, "true");
        as(key).get("/v1/sandboxes/" + sbx + "/processes/" + proc + "/logs").then().statusCode(404)
                .body("error.code", equalTo("log_not_found"));
        as(key).get("/v1/sandboxes/" + sbx + "/processes/proc_000000000000000000000000/logs").then().statusCode(404)
                .body("error.code", equalTo("process_not_found"));
        as(key).get("/v1/sandboxes/" + sbx + "/processes/" + proc + "/logs?follow=maybe").then().statusCode(400);
    }

    @Test
    void tenMebibyteLogStreamsByteForByte() throws Exception {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        String proc = ProcessTest.start(key, sbx, "yes");
        FakeRuntime.logs.put(proc, new byte[0]);
        FakeRuntime.bigLog = true;
        try {
            HttpResponse<InputStream> response = get(key, sbx, proc, false);
            assertEquals(200, response.statusCode());
            MessageDigest received = MessageDigest.getInstance("SHA-256");
            long total = 0;
            try (InputStream in = response.body()) {
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) >= 0; total += n) {
                    received.update(buf, 0, n);
                }
            }
            MessageDigest expected = MessageDigest.getInstance("SHA-256");
            byte[] block = new byte[64 * 1024];
            for (int i = 0; i < block.length; i++) {
                block[i] = (byte) i;
            }
            for (int left = FakeRuntime.LOG_BIG_BYTES; left > 0; left -= block.length) {
                expected.update(block, 0, Math.min(block.length, left));
            }
            assertEquals(FakeRuntime.LOG_BIG_BYTES, total);
            assertEquals(java.util.HexFormat.of().formatHex(expected.digest()),
                    java.util.HexFormat.of().formatHex(received.digest()));
        } finally {
            FakeRuntime.bigLog = false;
        }
    }

    @Test
    void followDeliversOutputAsItArrives() throws Exception {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        String proc = ProcessTest.start(key, sbx, "npm", "run", "dev");
        FakeRuntime.logs.put(proc, "first\n".getBytes(StandardCharsets.UTF_8));
        FakeRuntime.followGate = new CountDownLatch(1);
        HttpResponse<InputStream> response = get(key, sbx, proc, true);
        assertEquals(200, response.statusCode());
        try (InputStream in = response.body()) {
            // the first line arrives while log-service still holds the stream open
            assertEquals("first\n", new String(in.readNBytes(6), StandardCharsets.UTF_8));
            assertEquals("follow=true", FakeRuntime.logQueries.get(proc));
            FakeRuntime.followGate.countDown();
            assertEquals("second\n", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private HttpResponse<InputStream> get(String key, String sbx, String proc, boolean follow) throws Exception {
        URI uri = base.toURI().resolve("v1/sandboxes/" + sbx + "/processes/" + proc + "/logs?follow=" + follow);
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofInputStream());
    }
}
