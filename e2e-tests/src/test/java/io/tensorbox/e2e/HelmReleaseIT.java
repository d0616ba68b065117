package io.tensorbox.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.Pod;

/**
 * Issue 11, on the installed chart ({@code -Pe2e-helm}): {@code helm test} passes, every service
 * logs one JSON line per request with no credential in it, and serves the product's metrics.
 */
@TensorBoxTest
@EnabledIfSystemProperty(named = "tensorbox.e2e.target", matches = "helm")
@Order(HelmOrder.RELEASE)
class HelmReleaseIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void helmTestPasses() {
        var release = Api.cluster().helm().test();
        assertEquals("deployed", release.getStatus(), release::getOutput);
    }

    @Test
    void eachServiceLogsOneJsonLinePerRequestWithoutCredentials() throws IOException {
        HelmRelease helm = Api.cluster().helm();
        String marker = "tbx-e2e-" + System.nanoTime();
        String secret = Api.admin().substring(Api.admin().lastIndexOf('_') + 1);
        // through every api pod, so each one has a line to show; the query string holds a "secret"
        for (Pod pod : helm.readyPods(Service.API)) {
            given().baseUri(helm.podUrl(Service.API, pod)).header("Authorization", "Bearer " + Api.admin())
                    .header("Cookie", "tbx_preview=cookie-" + marker)
                    .get("/v1/sandboxes/" + marker + "?secret=query-" + marker).then().statusCode(404);
        }
        for (Service service : Service.values()) {
            List<String> lines = await("the access-log lines of " + service).atMost(Duration.ofSeconds(20))
                    .until(() -> Files.readAllLines(helm.writeLogs(service, Api.cluster().logFile(service))),
                            l -> service != Service.API || l.stream().filter(s -> s.contains(marker)).count()
                                    >= helm.readyPods(Service.API).size());
            assertFalse(lines.isEmpty(), service + " logged nothing");
            for (String line : lines) {
                JsonNode json = JSON.readTree(line);
                assertTrue(json.isObject() && json.hasNonNull("message") && json.hasNonNull("level"),
                        () -> service + " logged a line that is not a JSON record: " + line);
                assertFalse(line.contains(secret), () -> service + " logged the admin key's secret: " + line);
                assertFalse(line.contains("query-" + marker), () -> service + " logged a query string: " + line);
                assertFalse(line.contains("cookie-" + marker), () -> service + " logged a cookie: " + line);
            }
            if (service == Service.API) {
                List<String> mine = lines.stream().filter(l -> l.contains(marker)).toList();
                assertEquals(helm.readyPods(Service.API).size(), mine.size(), () -> "one line per request: " + mine);
                for (String line : mine) {
                    String message = JSON.readTree(line).path("message").asText();
                    assertTrue(message.contains("GET /v1/sandboxes/" + marker + " ") && message.contains(" 404 "),
                            () -> "the access-log line names method, path and status: " + message);
                }
            }
        }
    }

    @Test
    void everyServiceServesTheProductsMetrics() {
        HelmRelease helm = Api.cluster().helm();
        String sandbox = Api.newSandbox();
        Api.runToCompletion(sandbox, "true");
        RuntimeApi.runOk(sandbox, "true");
        Map<Service, List<String>> expected = Map.of(
                Service.API, List.of("tensorbox_sandboxes", "tensorbox_processes_running",
                        "tensorbox_sandbox_create_to_running_seconds_bucket"),
                Service.SCHEDULER, List.of("tensorbox_exec_start_seconds_bucket", "tensorbox_events_pushed_total"),
                Service.LOG, List.of("tensorbox_log_follows_open"));
        for (var e : expected.entrySet()) {
            // a series appears on a replica once it has something to say (a sandbox counted, an exec
            // timed; the gauges are refreshed every 15 s): look at them all until each has shown up
            for (String series : e.getValue()) {
                await("a replica of " + e.getKey() + " to serve " + series).atMost(Duration.ofSeconds(40))
                        .pollInterval(Duration.ofSeconds(1)).until(() -> {
                            StringBuilder all = new StringBuilder();
                            for (Pod pod : helm.readyPods(e.getKey())) {
                                all.append(given().baseUri(helm.podUrl(e.getKey(), pod)).get("/q/metrics")
                                        .then().statusCode(200).extract().asString());
                            }
                            return all.indexOf("\n" + series) >= 0;
                        });
            }
        }
    }
}
