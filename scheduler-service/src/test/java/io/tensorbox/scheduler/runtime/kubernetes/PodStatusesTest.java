package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.tensorbox.common.SandboxState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PodStatusesTest {

    static final Instant CREATED = Instant.parse("2026-11-22T10:00:00Z");
    static final Duration DEADLINE = Duration.ofSeconds(60);

    private static PodBuilder pod() {
        return new PodBuilder().withNewMetadata().withName("sbx-1").withCreationTimestamp(CREATED.toString()).endMetadata();
    }

    private static Pod unschedulable() {
        return pod().withNewStatus().withPhase("Pending")
                .addNewCondition().withType("PodScheduled").withStatus("False").withReason("Unschedulable")
                .withMessage("0/1 nodes are available: 1 Insufficient memory.").endCondition()
                .endStatus().build();
    }

    @Test
    void unschedulablePodIsPendingUntilItsDeadlineThenFailed() {
        assertEquals(SandboxState.pending, PodStatuses.of("sbx_1", unschedulable(), CREATED.plusSeconds(59), DEADLINE).state());
        var failed = PodStatuses.of("sbx_1", unschedulable(), CREATED.plusSeconds(60), DEADLINE);
        assertEquals(SandboxState.failed, failed.state());
        assertTrue(failed.reason().contains("Insufficient memory"), failed.reason());
    }

    @Test
    void evictedPodFailsAndAnExitedOneStops() {
        var evicted = PodStatuses.of("sbx_1", pod().withNewStatus().withPhase("Failed").withReason("Evicted")
                .withMessage("The node was low on resource: memory.").endStatus().build(), CREATED, DEADLINE);
        assertEquals(SandboxState.failed, evicted.state());
        assertTrue(evicted.reason().contains("Evicted"), evicted.reason());
        assertEquals(SandboxState.stopped, PodStatuses.of("sbx_1",
                pod().withNewStatus().withPhase("Succeeded").endStatus().build(), CREATED, DEADLINE).state());
    }

    @Test
    void terminatingPodIsStoppedAndRunningButNotReadyIsPending() {
        assertEquals(SandboxState.stopped, PodStatuses.of("sbx_1", pod().editMetadata()
                .withDeletionTimestamp(CREATED.toString()).endMetadata().build(), CREATED, DEADLINE).state());
        assertEquals(SandboxState.pending, PodStatuses.of("sbx_1", pod().withNewStatus().withPhase("Running")
                .addNewCondition().withType("Ready").withStatus("False").endCondition().endStatus().build(), CREATED, DEADLINE).state());
        assertEquals(SandboxState.stopped, PodStatuses.of("sbx_1", null, CREATED, DEADLINE).state());
    }
}
