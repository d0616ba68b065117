package io.tensorbox.scheduler.metrics;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.tensorbox.common.Ids;
import io.tensorbox.common.ProcessState;
import io.tensorbox.common.ProcessStatus;
import io.tensorbox.scheduler.InternalCalls;
import io.tensorbox.scheduler.process.FakeApiService;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.tensorbox.scheduler.InternalCalls.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Real commands in a local sandbox move the scheduler's series on {@code /q/metrics}. */
@QuarkusTest
@QuarkusTestResource(FakeApiService.class)
class SchedulerMetricsTest {

    static String metrics() {
        return RestAssured.given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** The value of {@code name{...labels...}}, 0 when the series is absent. */
    static double value(String name, String... labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$").matcher(metrics());
        while (m.find()) {
            if (java.util.Arrays.stream(labels).allMatch(m.group(1)::contains)) {
                return Double.parseDouble(m.group(2));
            }
        }
        return 0;
    }

    @Test
    void runsBackgroundStartsEventsAndReconcilePassesAreMeasured() {
        String sandbox = InternalCalls.createRunningSandbox(Map.of());
        double runs = value("tensorbox_exec_start_seconds_count", "kind=\"run\"");
        double starts = value("tensorbox_exec_start_seconds_count", "kind=\"background\"");
        double delivered = value("tensorbox_events_pushed_total", "kind=\"process_exit\"", "outcome=\"delivered\"");

        String run = given().contentType(ContentType.JSON).body(Map.of("cmd", "echo hi"))
                .post("/internal/v1/sandboxes/{id}/run", sandbox).then().statusCode(200).extract().asString();
        assertThat(run).containsPattern("event: ?start").containsPattern("event: ?exit");
        assertThat(value("tensorbox_exec_start_seconds_count", "kind=\"run\"")).isEqualTo(runs + 1);

        String processId = Ids.newProcessId();
        ProcessStatus started = given().contentType(ContentType.JSON)
                .body(Map.of("id", processId, "command", List.of("sh", "-c", "exit 0"), "env", List.of(), "cwd", ""))
                .post("/internal/v1/sandboxes/{id}/processes", sandbox)
                .then().statusCode(200).extract().as(ProcessStatus.class);
        assertThat(started.state()).isEqualTo(ProcessState.running);
        assertThat(value("tensorbox_exec_start_seconds_count", "kind=\"background\"")).isEqualTo(starts + 1);
        assertThat(value("tensorbox_exec_start_seconds_bucket", "kind=\"background\"", "le=\"+Inf\"")).isEqualTo(starts + 1);

        await().atMost(Duration.ofSeconds(10)).until(() -> FakeApiService.PROCESS_EVENTS.stream()
                .anyMatch(e -> e.id().equals(processId)));
        await().atMost(Duration.ofSeconds(5)).until(() ->
                value("tensorbox_events_pushed_total", "kind=\"process_exit\"", "outcome=\"delivered\"") >= delivered + 1);

        // the local runtime leads at once; a pass runs every second in the tests
        await().atMost(Duration.ofSeconds(10)).until(() ->
                value("tensorbox_reconcile_pass_seconds_count", "outcome=\"ok\"") >= 1);
    }
}
