package io.tensorbox.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.fabric8.kubernetes.api.model.Pod;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

/**
 * Issue 11, on the installed chart ({@code -Pe2e-helm}, which sets {@code tensorbox.e2e.target=helm}): two replicas of every service behave as
 * one. Each request here goes to one chosen pod (its IP), not through the Service.
 */
@TensorBoxTest
@EnabledIfSystemProperty(named = "tensorbox.e2e.target", matches = "helm")
@Order(HelmOrder.REPLICAS)
class ReplicasIT {
    private static final Duration EVENT = Duration.ofSeconds(20);
    private static final Pattern PASSES = Pattern.compile(
            "^tensorbox_reconcile_pass_seconds_count\\{[^}]*outcome=\"ok\"[^}]*} ([0-9.Ee+]+)$", Pattern.MULTILINE);

    private static RequestSpecification at(String baseUrl, String key) {
        return given().baseUri(baseUrl).header("Authorization", "Bearer " + key);
    }

    @Test
    void aProcessStartedThroughOneApiReplicaIsFollowedWrittenReadAndKilledThroughTheOther() throws Exception {
        HelmRelease helm = Api.cluster().helm();
        List<Pod> apis = helm.readyPods(Service.API);
        assertEquals(2, apis.size(), "two api-service replicas");
        String one = helm.podUrl(Service.API, apis.get(0));
        String other = helm.podUrl(Service.API, apis.get(1));

        JsonPath created = at(one, Api.developer()).contentType(ContentType.JSON).body(Map.of())
                .post("/v1/sandboxes").then().statusCode(201).extract().jsonPath();
        String sandbox = created.getString("id");
        Sandboxes.track(Api.developer(), sandbox);
        await("the sandbox to run, seen through the other replica").atMost(Duration.ofSeconds(90))
                .until(() -> at(other, Api.viewer()).get("/v1/sandboxes/{id}", sandbox).jsonPath().getString("state"),
                        "running"::equals);

        JsonPath started = at(one, Api.developer()).contentType(ContentType.JSON)
                .body(Map.of("cmd", "cat", "args", List.of()))
                .post("/v1/sandboxes/{id}/commands", sandbox).then().statusCode(201).extract().jsonPath();
        String process = started.getString("process_id");
        int pid = started.getInt("pid");

        // followed through the other replica, fed through it, and the echo comes back on the follow
        HttpResponse<InputStream> follow = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(other
                        + "/v1/sandboxes/" + sandbox + "/processes/" + process + "/logs?follow=true"))
                .header("Authorization", "Bearer " + Api.viewer()).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, follow.statusCode());
        try (InputStream stream = follow.body()) {
            at(other, Api.developer()).contentType(ContentType.JSON).body(Map.of("data", "through the other replica\n"))
                    .post("/v1/sandboxes/{id}/commands/{pid}/stdin", sandbox, pid).then().statusCode(204);
            assertEquals("through the other replica\n", Streams.readLine(stream, EVENT));
            at(one, Api.developer()).contentType(ContentType.JSON).body(Map.of("data", "and the first\n"))
                    .post("/v1/sandboxes/{id}/commands/{pid}/stdin", sandbox, process).then().statusCode(204);
            assertEquals("and the first\n", Streams.readLine(stream, EVENT));

            at(other, Api.developer()).delete("/v1/sandboxes/{id}/processes/{p}", sandbox, process).then().statusCode(204);
            Streams.readToEnd(stream, EVENT);
        }
        JsonPath ended = await("the kill recorded, seen through the first replica").atMost(EVENT)
                .until(() -> at(one, Api.viewer()).get("/v1/sandboxes/{id}/processes/{p}", sandbox, process).jsonPath(),
                        p -> !"running".equals(p.getString("state")));
        assertEquals("killed", ended.getString("state"), ended::prettify);
        assertEquals("through the other replica\nand the first\n",
                at(one, Api.viewer()).get("/v1/sandboxes/{id}/processes/{p}/logs", sandbox, process).asString());

        // every replica of every service saw one exit: the sandbox's event feed has it once
        at(one, Api.developer()).delete("/v1/sandboxes/{id}", sandbox).then().statusCode(204);
        try (SseClient events = SseClient.get(other, "/v1/sandboxes/" + sandbox + "/events?after=0",
                RuntimeApi.bearer(Api.viewer()))) {
            events.assertStreaming();
            List<SseClient.Event> all = events.rest(EVENT);
            long exits = all.stream().filter(e -> "process.exited".equals(e.name()))
                    .filter(e -> process.equals(e.json().path("id").asText())).count();
            assertEquals(1, exits, () -> "one exit event of " + process + ": " + all);
        }
    }

    @Test
    void theReconcileLoopRunsOnOneSchedulerAtATime() {
        HelmRelease helm = Api.cluster().helm();
        List<Pod> schedulers = helm.readyPods(Service.SCHEDULER);
        assertEquals(2, schedulers.size(), "two scheduler replicas");
        String holder = helm.client().leases().inNamespace(helm.sandboxNamespace()).withName(helm.leaseName())
                .get().getSpec().getHolderIdentity();
        Pod leader = schedulers.stream().filter(p -> p.getMetadata().getName().equals(holder)).findFirst()
                .orElseThrow(() -> new AssertionError("the Lease holder " + holder + " is not a scheduler pod: "
                        + schedulers.stream().map(p -> p.getMetadata().getName()).toList()));
        Pod follower = schedulers.stream().filter(p -> p != leader).findFirst().orElseThrow();
        double leaderBefore = passes(helm, leader);
        double followerBefore = passes(helm, follower);

        // a pass every 10 s: wait for two on the leader, and none on the other in the meantime
        await("two reconcile passes on the leader " + holder).atMost(Duration.ofSeconds(45))
                .pollInterval(Duration.ofSeconds(1)).until(() -> passes(helm, leader) >= leaderBefore + 2);
        assertEquals(followerBefore, passes(helm, follower), "passes on the replica that does not lead");
        assertNotEquals(leader.getMetadata().getName(), follower.getMetadata().getName());
    }

    /** The leader's count of reconcile passes, from its own /q/metrics (0 when it never ran one). */
    private static double passes(HelmRelease helm, Pod scheduler) {
        String metrics = given().baseUri(helm.podUrl(Service.SCHEDULER, scheduler)).get("/q/metrics")
                .then().statusCode(200).extract().asString();
        Matcher m = PASSES.matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /** Reading a plain-text follow with a deadline, without a thread per stream left behind. */
    static final class Streams {
        private Streams() {
        }

        static String readLine(InputStream in, Duration atMost) throws IOException {
            return await("a line of the follow").atMost(atMost).until(() -> {
                StringBuilder line = new StringBuilder();
                int b;
                while ((b = in.read()) >= 0) {
                    line.append((char) b);
                    if (b == '\n') {
                        break;
                    }
                }
                return new String(line.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
            }, s -> true);
        }

        static byte[] readToEnd(InputStream in, Duration atMost) {
            return await("the end of the follow").atMost(atMost).until(in::readAllBytes, b -> true);
        }
    }
}
