package io.tensorbox.api.ports;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.tensorbox.api.Api;
import io.tensorbox.api.FakeRuntime;
import io.tensorbox.api.sandbox.Sandbox;
import org.junit.jupiter.api.Test;

import io.restassured.RestAssured;
import io.tensorbox.api.activity.Activity;
import jakarta.inject.Inject;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.Map;

import static io.tensorbox.api.Api.as;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPEC §3 idle timeout: no call, no preview request, no running process for that long stops the sandbox. */
@QuarkusTest
class IdleTimeoutTest {
    private static final Duration STOPS_WITHIN = Duration.ofSeconds(15);

    @Inject
    Activity activity;

    @Test
    void theIdleTimeoutIsCheckedAndShown() {
        String key = Api.newTeam();
        for (Object bad : List.of(0, 86401, "60", 1.5)) {
            as(key).body(Map.of("idle_timeout_seconds", bad)).post("/v1/sandboxes").then().statusCode(400);
        }
        String sbx = as(key).body(Map.of("idle_timeout_seconds", 600)).post("/v1/sandboxes").then().statusCode(201)
                .body("idle_timeout_seconds", equalTo(600)).extract().path("id");
        as(key).get("/v1/sandboxes/" + sbx).then().body("idle_timeout_seconds", equalTo(600));
    }

    @Test
    void anIdleSandboxIsStopped() {
        String key = Api.newTeam();
        String sbx = as(key).body(Map.of("idle_timeout_seconds", 2)).post("/v1/sandboxes").then().statusCode(201)
                .extract().path("id");
        String busy = as(key).body(Map.of("idle_timeout_seconds", 2)).post("/v1/sandboxes").then().statusCode(201)
                .extract().path("id");
        String proc = as(key).body(Map.of("command", List.of("sleep", "100")))
                .post("/v1/sandboxes/" + busy + "/processes").then().statusCode(201).extract().path("id");
        String plain = Api.sandbox(key);

        await().atMost(STOPS_WITHIN).until(() -> !isRunning(sbx));
        assertEquals("idle timeout reached", reason(sbx));
        assertTrue(FakeRuntime.deletedSandboxes.contains(sbx));

        // a running process keeps its sandbox; once it ended, the sandbox is idle
        assertTrue(isRunning(busy));
        assertTrue(isRunning(plain), "no idle timeout: never idle");
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> isRunning(busy));
        as(key).delete("/v1/sandboxes/" + busy + "/processes/" + proc).then().statusCode(204);
        await().atMost(STOPS_WITHIN).until(() -> !isRunning(busy));
        assertEquals("idle timeout reached", reason(busy));
    }

    @Test
    void callsAndPreviewRequestsKeepASandboxAlive() {
        String key = Api.newTeam();
        JsonPath created = as(key).body(Map.of("idle_timeout_seconds", 3)).post("/v1/sandboxes").then().statusCode(201)
                .extract().jsonPath();
        String sbx = created.getString("id");
        String token = created.getString("access_token");
        // calls on its routes, every 0.5 s for twice the timeout
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7)).pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    as(key).get("/v1/sandboxes/" + sbx + "/ports").then().statusCode(200);
                    return isRunning(sbx);
                });
        // allowed preview requests alone
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7)).pollInterval(Duration.ofMillis(500))
                .until(() -> PreviewAccessTest.allowed(sbx, 3000, token) && isRunning(sbx));
        // refused ones do not count
        await().atMost(STOPS_WITHIN).pollInterval(Duration.ofMillis(500))
                .until(() -> !PreviewAccessTest.allowed(sbx, 3000, null) && !isRunning(sbx));
        assertEquals("idle timeout reached", reason(sbx));
    }

    @Test
    void aCallInFlightKeepsItsSandboxAlive() throws Exception {
        String key = Api.newTeam();
        String sbx = as(key).body(Map.of("idle_timeout_seconds", 2)).post("/v1/sandboxes").then().statusCode(201)
                .extract().path("id");
        String proc = as(key).body(Map.of("command", List.of("sleep", "100")))
                .post("/v1/sandboxes/" + sbx + "/processes").then().statusCode(201).extract().path("id");
        FakeRuntime.logs.put(proc, new byte[0]);
        FakeRuntime.silentLogs.add(proc);
        FakeRuntime.silentGate = new CountDownLatch(1);
        try {
            HttpResponse<InputStream> follow = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                    .sendAsync(HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port
                                    + "/v1/sandboxes/" + sbx + "/processes/" + proc + "/logs?follow=true"))
                            .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofInputStream())
                    .get(30, TimeUnit.SECONDS);
            assertEquals(200, follow.statusCode());
            // the process ends; its log follow stays open (silent)
            long now = System.currentTimeMillis();
            Api.internal().body(Map.of("id", proc, "sandboxId", sbx, "state", "exited", "pid", 4242, "exitCode", 0,
                    "startedAtMs", now, "exitedAtMs", now)).post("/internal/v1/events/process").then().statusCode(204);
            await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).until(() -> isRunning(sbx));
            try (InputStream in = follow.body()) {
                FakeRuntime.silentGate.countDown();
                in.readAllBytes();
            }
            await().atMost(STOPS_WITHIN).until(() -> !isRunning(sbx));
            await().atMost(Duration.ofSeconds(5)).until(() -> activity.inFlight() == 0);
        } finally {
            FakeRuntime.silentGate.countDown();
            FakeRuntime.silentLogs.remove(proc);
        }
    }

    /** Read from the store: a GET on the sandbox would itself be activity. */
    private static boolean isRunning(String sbx) {
        return QuarkusTransaction.requiringNew().call(() -> Sandbox.<Sandbox>findById(sbx).state.name().equals("running"));
    }

    private static String reason(String sbx) {
        return QuarkusTransaction.requiringNew().call(() -> Sandbox.<Sandbox>findById(sbx).reason);
    }
}
