package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.time.ZonedDateTime;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
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
        var config = TestRuntimes.kubernetes(FAST);
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

    @Test
    void aReplicaThatLostTheLeaseEntersTheElectionAgainAndLeadsOnceItIsFree() {
        var fast = new java.util.HashMap<>(FAST);
        fast.put("tensorbox.kubernetes.leader-election.lease-name", "tensorbox-scheduler-regain");
        var leadership = new ReconcileLeadership(TestRuntimes.runtime(client, fast), TestRuntimes.kubernetes(fast));
        AtomicInteger starts = new AtomicInteger();
        AtomicInteger stops = new AtomicInteger();

        try (var election = leadership.start("scheduler-a", starts::incrementAndGet, stops::incrementAndGet)) {
            await().atMost(Duration.ofSeconds(5)).untilAtomic(starts, equalTo(1));

            // another holder takes the Lease (as after a partition): this replica's renewals now fail
            // (a renewal of this replica may land between our read and our write: read again and retry)
            await().atMost(Duration.ofSeconds(5)).ignoreException(io.fabric8.kubernetes.client.KubernetesClientException.class)
                    .until(() -> {
                        Lease lease = client.leases().inNamespace("test").withName("tensorbox-scheduler-regain").get();
                        lease.getSpec().setHolderIdentity("scheduler-elsewhere");
                        lease.getSpec().setRenewTime(ZonedDateTime.now());
                        lease.getSpec().setLeaseDurationSeconds(3);
                        client.leases().inNamespace("test").resource(lease).update();
                        return true;
                    });

            await().atMost(Duration.ofSeconds(10)).untilAtomic(stops, equalTo(1));
            // the intruder never renews: once its lease runs out, this replica leads again
            await().atMost(Duration.ofSeconds(15)).untilAtomic(starts, equalTo(2));
            assertEquals("scheduler-a", client.leases().inNamespace("test").withName("tensorbox-scheduler-regain").get()
                    .getSpec().getHolderIdentity());
        }
    }
}
