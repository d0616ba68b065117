package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

@EnableKubernetesMockClient(crud = true)
class ReconcileLeadershipTest {

    KubernetesMockServer server;
    KubernetesClient client;

    static final Map<String, String> FAST = Map.of(
            "tensorbox.kubernetes.leader-election.lease-duration", "3s",
            "tensorbox.kubernetes.leader-election.renew-deadline", "2s",
            "tensorbox.kubernetes.leader-election.retry-period", "200ms");

    @Test
    void oneReplicaLeadsAndTheOtherTakesOverWhenItLeaves() {
        var config = TestRuntimes.config(FAST).getConfigMapping(KubernetesRuntimeConfig.class);
        var first = new ReconcileLeadership(TestRuntimes.runtime(client, FAST), config);
        var second = new ReconcileLeadership(TestRuntimes.runtime(client, FAST), config);
        AtomicBoolean firstLeads = new AtomicBoolean();
        AtomicBoolean secondLeads = new AtomicBoolean();

        var firstElection = first.start("scheduler-a", () -> firstLeads.set(true), () -> firstLeads.set(false));
        await().atMost(Duration.ofSeconds(5)).untilTrue(firstLeads);
        try (var secondElection = second.start("scheduler-b", () -> secondLeads.set(true), () -> secondLeads.set(false))) {
            await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(2)).untilFalse(secondLeads);
            Lease lease = client.leases().inNamespace("test").withName("tensorbox-scheduler").get();
            assertEquals("scheduler-a", lease.getSpec().getHolderIdentity());

            firstElection.close();

            await().atMost(Duration.ofSeconds(6)).untilTrue(secondLeads);
            assertFalse(firstLeads.get());
            assertEquals("scheduler-b", client.leases().inNamespace("test").withName("tensorbox-scheduler").get()
                    .getSpec().getHolderIdentity());
        }
    }
}
