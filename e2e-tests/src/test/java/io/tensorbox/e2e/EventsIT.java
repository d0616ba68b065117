package io.tensorbox.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.tensorbox.e2e.RuntimeApi.Started;

/**
 * SPEC §6 events through the public API: a command's {@code process.started} and
 * {@code process.exited}, the sandbox's {@code sandbox.state} that ends the stream, and a resume with
 * {@code Last-Event-ID} across a restart of api-service that misses nothing and repeats nothing.
 */
@TensorBoxTest
class EventsIT {
    private static final Duration EVENT = Duration.ofSeconds(15);

    private static String eventsPath(String sandbox, String after) {
        return "/v1/sandboxes/" + sandbox + "/events" + (after == null ? "" : "?after=" + after);
    }

    @Test
    void aCommandsStartAndExitThenTheSandboxsStopEndTheStream() {
        String sandbox = Api.newSandbox();
        try (SseClient sse = SseClient.get(eventsPath(sandbox, null), RuntimeApi.bearer(Api.viewer()))) {
            sse.assertStreaming();
            Started started = RuntimeApi.startShell(sandbox, "sleep 0.3; exit 3");
            SseClient.Event first = sse.next(EVENT);
            assertEquals("process.started", first.name(), first::toString);
            assertEquals(started.processId(), first.json().path("id").asText());
            assertEquals(started.pid(), first.json().path("pid").asLong());
            SseClient.Event exited = sse.next(EVENT);
            assertEquals("process.exited", exited.name(), exited::toString);
            assertEquals(started.processId(), exited.json().path("id").asText());
            assertEquals("exited", exited.json().path("state").asText());
            assertEquals(3, exited.json().path("exit_code").asInt());
            assertEquals(Long.parseLong(first.id()) + 1, Long.parseLong(exited.id()), "ids count one by one");

            Api.deleteSandbox(Api.developer(), sandbox);
            SseClient.Event stopped = sse.next(EVENT);
            assertEquals("sandbox.state", stopped.name(), stopped::toString);
            assertEquals("stopped", stopped.json().path("state").asText());
            assertTrue(sse.rest(EVENT).isEmpty(), "the stream ends with the sandbox");
        }
    }

    @Test
    void lastEventIdResumesAcrossAnApiRestartWithoutAGapOrADuplicate() {
        TensorBoxCluster cluster = Api.cluster();
        String sandbox = Api.newSandbox();
        List<SseClient.Event> seen = new ArrayList<>();
        Started waiter;
        try (SseClient sse = SseClient.get(eventsPath(sandbox, "0"), RuntimeApi.bearer(Api.viewer()))) {
            sse.assertStreaming();
            seen.add(sse.next(EVENT)); // pending
            seen.add(sse.next(EVENT)); // running
            waiter = RuntimeApi.startShell(sandbox, "read line; exit 7");
            seen.add(sse.next(EVENT)); // process.started
            assertEquals("process.started", seen.get(2).name(), seen::toString);
        }
        String lastId = seen.get(seen.size() - 1).id();

        cluster.stop(Service.API);
        // the exit happens while api-service is down: the scheduler keeps its event until it is back
        cluster.pids().terminate(sandbox, waiter.pid());
        cluster.start(Service.API);

        try (SseClient sse = SseClient.get(eventsPath(sandbox, null),
                Map.of("Authorization", "Bearer " + Api.viewer(), "Last-Event-ID", lastId))) {
            sse.assertStreaming();
            SseClient.Event exited = sse.next(EVENT);
            assertEquals("process.exited", exited.name(), exited::toString);
            assertEquals(waiter.processId(), exited.json().path("id").asText());
            assertEquals(Long.parseLong(lastId) + 1, Long.parseLong(exited.id()), "the next id: no gap, nothing again");
        }
        for (int i = 0; i < seen.size(); i++) {
            assertEquals(Integer.toString(i + 1), seen.get(i).id(), () -> "ids from 1: " + seen);
        }
    }
}
