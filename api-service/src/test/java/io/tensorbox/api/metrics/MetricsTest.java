package io.tensorbox.api.metrics;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.tensorbox.api.Api;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.tensorbox.api.Api.as;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
class MetricsTest {

    static String metrics() {
        return RestAssured.given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** The value of the series {@code name{...}} whose labels contain every one of {@code labels}, or -1 when absent. */
    static double value(String text, String name, String... labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{([^}]*)\\})? (\\S+)$").matcher(text);
        while (m.find()) {
            String found = m.group(1) == null ? "" : m.group(1);
            if (java.util.Arrays.stream(labels).allMatch(found::contains)) {
                return Double.parseDouble(m.group(2));
            }
        }
        return -1;
    }

    @Test
    void aCreatedSandboxIsCountedAndItsCreateToRunningLatencyRecorded() {
        String key = Api.newTeam();
        double before = Math.max(0, value(metrics(), "tensorbox_sandbox_create_to_running_seconds_count", "template=\"python\""));
        String id = as(key).body(Map.of("template", "python")).post("/v1/sandboxes").then().statusCode(201)
                .extract().path("id");
        String after = metrics();
        assertEquals(before + 1, value(after, "tensorbox_sandbox_create_to_running_seconds_count", "template=\"python\""));
        assertEquals(before + 1, value(after, "tensorbox_sandbox_create_to_running_seconds_bucket",
                "le=\"+Inf\"", "template=\"python\""), () -> "a histogram with buckets: " + after.lines().filter(l -> l.startsWith("tensorbox_sandbox_create")).toList());
        await().atMost(Duration.ofSeconds(10)).until(() ->
                value(metrics(), "tensorbox_sandboxes", "state=\"running\"", "template=\"python\"") >= 1);

        double processes = value(metrics(), "tensorbox_processes_running", "");
        as(key).body(Map.of("command", List.of("sleep", "60"))).post("/v1/sandboxes/" + id + "/processes")
                .then().statusCode(201).body("state", org.hamcrest.Matchers.equalTo("running"));
        await().atMost(Duration.ofSeconds(10)).until(() -> value(metrics(), "tensorbox_processes_running", "") == processes + 1);

        as(key).delete("/v1/sandboxes/" + id).then().statusCode(204);
        await().atMost(Duration.ofSeconds(10)).until(() -> value(metrics(), "tensorbox_processes_running", "") == processes);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                value(metrics(), "tensorbox_sandboxes", "state=\"stopped\"", "template=\"python\"") >= 1);
        assertTrue(metrics().contains("# HELP tensorbox_sandboxes "), "described");
        assertTrue(value(metrics(), "tensorbox_sandboxes", "state=\"failed\"", "template=\"python\"") >= 0,
                "every state of a template is a series, 0 included");
    }

    @Test
    void requestsAreMeasuredByQuarkus() {
        Api.newTeam();
        assertTrue(value(metrics(), "http_server_requests_seconds_count", "uri=\"/v1/teams\"") >= 1);
    }

    @Test
    void anAccessLogLineHasNoSecrets() {
        List<String> lines = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                lines.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger log = Logger.getLogger("io.quarkus.http.access-log");
        log.addHandler(capture);
        try {
            String key = Api.newTeam();
            String sandbox = Api.sandbox(key);
            RestAssured.given().header("Authorization", "Bearer " + key)
                    .header("X-Access-Token", "sat_secretsecretsecret")
                    .header("Cookie", "session=cookiesecret")
                    .get("/v1/sandboxes/" + sandbox + "?secret=querysecret").then().statusCode(200);
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    lines.stream().anyMatch(l -> l.contains("/v1/sandboxes/" + sandbox)));
            String line = lines.stream().filter(l -> l.contains("/v1/sandboxes/" + sandbox)).findFirst().orElseThrow();
            assertTrue(line.contains("GET") && line.contains("200"), line);
            for (String secret : List.of(key, "ask_", "sat_secretsecretsecret", "cookiesecret", "querysecret")) {
                assertFalse(line.contains(secret), secret + " in " + line);
            }
        } finally {
            log.removeHandler(capture);
        }
    }
}
