package io.tensorbox.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.restassured.path.json.JsonPath;

/**
 * SPEC §1/§4: a process survives restarts of every TensorBox service, its record and log stay
 * correct, and an exit that happened while a service was down is recorded once it is back.
 */
@TensorBoxTest
class RestartIT {
    /** Exits 7 on SIGTERM, so the test decides when it ends: while a service is down. */
    private static final String ENDS_ON_TERM = "trap 'exit 7' TERM; while :; do sleep 0.1; done";
    private static final String TICKER = "while :; do date +%s%N; sleep 0.2; done";

    @AfterEach
    void everythingIsUpAgain() {
        Api.cluster().startAll();
    }

    @Test
    void schedulerRestart() {
        survives(List.of(Service.SCHEDULER));
    }

    @Test
    void logServiceRestart() {
        survives(List.of(Service.LOG));
    }

    @Test
    void apiRestart() {
        survives(List.of(Service.API));
    }

    @Test
    void allThreeAtOnce() {
        survives(List.of(Service.values()));
    }

    private void survives(List<Service> restarted) {
        TensorBoxCluster cluster = Api.cluster();
        String sandbox = Api.newSandbox();
        JsonPath ticker = Api.startProcess(sandbox, "sh", "-c", TICKER);
        JsonPath ender = Api.startProcess(sandbox, "sh", "-c", ENDS_ON_TERM);
        String tickerId = ticker.getString("id");
        String enderId = ender.getString("id");
        long tickerPid = ticker.getLong("pid");
        long enderPid = ender.getLong("pid");
        int logBefore = Api.awaitLogs(sandbox, tickerId, new byte[1]).length;
        Map<String, Object> tickerRecord = Api.process(sandbox, tickerId).getMap("");
        Map<String, Object> sandboxRecord = Api.sandbox(Api.viewer(), sandbox).getMap("");

        if (restarted.size() == Service.values().length) {
            cluster.stopAll();
        } else {
            restarted.forEach(cluster::stop);
        }

        SandboxPids pids = cluster.pids();
        assertTrue(pids.isAlive(sandbox, enderPid), "the process ended with its service " + restarted);
        pids.terminate(sandbox, enderPid);
        await("the ender's own exit while " + restarted + " is down").atMost(Duration.ofSeconds(5))
                .until(() -> !pids.isAlive(sandbox, enderPid));
        assertTrue(pids.isAlive(sandbox, tickerPid), "the ticker survived the stop of " + restarted);

        cluster.startAll();

        JsonPath ended = Api.awaitEnded(sandbox, enderId, Duration.ofSeconds(15));
        assertEquals("exited", ended.getString("state"), () -> "the exit during the outage: " + ended.prettify());
        assertEquals(7, ended.getInt("exit_code"));
        assertTrue(ended.getLong("exited_at") >= ended.getLong("started_at"));

        assertEquals(tickerRecord, Api.process(sandbox, tickerId).getMap(""), "the ticker's record is intact");
        assertEquals(sandboxRecord, Api.sandbox(Api.viewer(), sandbox).getMap(""), "the sandbox record is intact");
        int afterRestart = await("the ticker's log after the restart").atMost(Duration.ofSeconds(15))
                .until(() -> Api.logs(sandbox, tickerId).length, n -> n > logBefore);
        await("the ticker's log keeps growing").atMost(Duration.ofSeconds(5))
                .until(() -> Api.logs(sandbox, tickerId).length, n -> n > afterRestart);

        String fresh = Api.runToCompletion(sandbox, "echo still-works").getString("id");
        assertEquals("still-works\n", new String(Api.awaitLogs(sandbox, fresh, "still-works\n".getBytes())));
        Api.as(Api.developer()).delete("/v1/sandboxes/{id}/processes/{p}", sandbox, tickerId).then().statusCode(204);
        assertEquals("killed", Api.awaitEnded(sandbox, tickerId, Duration.ofSeconds(5)).getString("state"));
    }
}
