package io.tensorbox.api;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.tensorbox.api.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        as(key).get("/v1/sandboxes/" + sbx + "/processes/" + proc + "/logs?follow=maybe").then().statusCode(400)
                .body("error.code", equalTo("invalid_request"));
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

    @Test
    void aFollowGetsItsHeadersAtOnceAndStaysOpenWhileTheProcessIsSilent() throws Exception {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        String proc = ProcessTest.start(key, sbx, "sleep", "3600");
        FakeRuntime.logs.put(proc, new byte[0]);
        FakeRuntime.silentLogs.add(proc);
        FakeRuntime.silentGate = new CountDownLatch(1);
        try {
            // log-service answered its headers and nothing else: so does the API, at once
            HttpResponse<InputStream> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                    .sendAsync(request(key, sbx, proc, true), HttpResponse.BodyHandlers.ofInputStream())
                    .get(30, TimeUnit.SECONDS);
            assertEquals(200, response.statusCode());
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
            try (InputStream in = response.body()) {
                FakeRuntime.silentGate.countDown();
                assertEquals("done\n", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } finally {
            FakeRuntime.silentGate.countDown();
            FakeRuntime.silentLogs.remove(proc);
        }
    }

    @Test
    void twoHundredSilentFollowsDoNotStopOtherRequests() throws Exception {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        String proc = ProcessTest.start(key, sbx, "sleep", "3600");
        FakeRuntime.logs.put(proc, new byte[0]);
        FakeRuntime.silentLogs.add(proc);
        FakeRuntime.silentGate = new CountDownLatch(1);
        // HTTP/1.1: a connection per follow, as curl or a browser would open them
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<InputStream>>> follows = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                follows.add(client.sendAsync(request(key, sbx, proc, true), HttpResponse.BodyHandlers.ofInputStream()));
            }
            for (CompletableFuture<HttpResponse<InputStream>> follow : follows) {
                assertEquals(200, follow.get(60, TimeUnit.SECONDS).statusCode());
            }
            // 200 follows are open and silent; the API still answers everything else
            HttpResponse<String> list = client.send(HttpRequest.newBuilder(base.toURI().resolve("v1/sandboxes"))
                    .timeout(Duration.ofSeconds(15)).header("Authorization", "Bearer " + key).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, list.statusCode());
            assertTrue(list.body().contains(sbx), list.body());
            ProcessTest.start(key, sbx, "true");
        } finally {
            FakeRuntime.silentGate.countDown();
            FakeRuntime.silentLogs.remove(proc);
        }
        for (CompletableFuture<HttpResponse<InputStream>> follow : follows) {
            try (InputStream in = follow.get(60, TimeUnit.SECONDS).body()) {
                assertEquals("done\n", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void aClientThatGoesAwayEndsTheFollowAtLogService() throws Exception {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        String proc = ProcessTest.start(key, sbx, "yes");
        FakeRuntime.logs.put(proc, new byte[0]);
        FakeRuntime.tickingLogs.add(proc);
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.getOutputStream().write(("GET /v1/sandboxes/" + sbx + "/processes/" + proc + "/logs?follow=true HTTP/1.1\r\n"
                    + "Host: localhost\r\nAuthorization: Bearer " + key + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            StringBuilder seen = new StringBuilder();
            while (!seen.toString().contains("tick")) {
                int b = in.read();
                assertTrue(b >= 0, "the follow ended before any output: " + seen);
                seen.append((char) b);
            }
            assertTrue(seen.toString().startsWith("HTTP/1.1 200"), seen.toString());
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> FakeRuntime.closedFollows.contains(proc));
    }

    @Test
    void logServiceFailingIs503Json() {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        String proc = ProcessTest.start(key, sbx, "true");
        FakeRuntime.failingLogs.add(proc);
        as(key).get("/v1/sandboxes/" + sbx + "/processes/" + proc + "/logs?follow=true").then().statusCode(503)
                .contentType(startsWith("application/json")).body("error.code", equalTo("runtime_unavailable"));
    }

    private HttpRequest request(String key, String sbx, String proc, boolean follow) throws Exception {
        URI uri = base.toURI().resolve("v1/sandboxes/" + sbx + "/processes/" + proc + "/logs?follow=" + follow);
        return HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + key).build();
    }

    private HttpResponse<InputStream> get(String key, String sbx, String proc, boolean follow) throws Exception {
        URI uri = base.toURI().resolve("v1/sandboxes/" + sbx + "/processes/" + proc + "/logs?follow=" + follow);
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofInputStream());
    }
}
