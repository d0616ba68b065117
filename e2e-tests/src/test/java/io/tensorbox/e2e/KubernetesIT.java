package io.tensorbox.e2e;

import static io.tensorbox.e2e.Api.developer;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.restassured.path.json.JsonPath;

/** Issue 3 on a real cluster: what a sandbox is from kubectl's side, and pods that vanish behind our back. */
@TensorBoxTest
@EnabledIfSystemProperty(named = "tensorbox.e2e.runtime", matches = "kubernetes")
class KubernetesIT {

    @Test
    void aSandboxIsAReadyPodLabelledWithItsIdTeamAndTemplate() {
        KubernetesSandboxes k8s = Api.cluster().kubernetes();
        String sandbox = Api.newSandbox();

        List<Pod> pods = k8s.podsLabelled(KubernetesSandboxes.SANDBOX_ID, sandbox);
        assertEquals(1, pods.size(), "kubectl get pods -l " + KubernetesSandboxes.SANDBOX_ID + "=" + sandbox);
        Pod pod = pods.get(0);
        assertEquals(KubernetesSandboxes.podName(sandbox), pod.getMetadata().getName());
        Map<String, String> labels = pod.getMetadata().getLabels();
        assertEquals("tensorbox", labels.get(KubernetesSandboxes.MANAGED_BY));
        assertEquals("base", labels.get(KubernetesSandboxes.TEMPLATE));
        String team = pod.getMetadata().getAnnotations().get(KubernetesSandboxes.TEAM);
        assertNotNull(team, "the team annotation");
        assertFalse(team.isBlank(), "the team annotation");
        assertEquals(team, labels.get(KubernetesSandboxes.TEAM), "the team label (a team id is a valid label value)");
        assertEquals(sandbox, pod.getMetadata().getAnnotations().get(KubernetesSandboxes.SANDBOX_ID));
        assertTrue(k8s.podsLabelled(KubernetesSandboxes.TEAM, team).stream()
                .anyMatch(p -> p.getMetadata().getName().equals(pod.getMetadata().getName())), "listed by its team label");

        assertTrue(pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())), "running means Ready");
        assertEquals(Boolean.FALSE, pod.getSpec().getAutomountServiceAccountToken());
        Container container = pod.getSpec().getContainers().get(0);
        assertEquals(Boolean.FALSE, container.getSecurityContext().getAllowPrivilegeEscalation());

        // What a process writes through the API is in that pod's workspace.
        Api.runToCompletion(sandbox, "echo from-the-api > marker.txt");
        KubernetesSandboxes.Exec cat = k8s.exec(sandbox, "cat", "/home/user/marker.txt");
        assertEquals(0, cat.exitCode(), cat::err);
        assertEquals("from-the-api\n", cat.out());
    }

    @Test
    void deletingTheSandboxDeletesItsPod() {
        KubernetesSandboxes k8s = Api.cluster().kubernetes();
        String sandbox = Api.newSandbox();
        assertNotNull(k8s.pod(sandbox).get());
        Api.deleteSandbox(developer(), sandbox);
        await("pod " + KubernetesSandboxes.podName(sandbox) + " deleted").atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> k8s.pod(sandbox).get() == null);
    }

    @Test
    void aPodDeletedBehindOurBackStopsTheSandboxWithinTwoSecondsAndKillsItsProcesses() {
        KubernetesSandboxes k8s = Api.cluster().kubernetes();
        String sandbox = Api.newSandbox();
        String sleeper = Api.startProcess(sandbox, "sleep", "1000").getString("id");
        String shell = Api.startProcess(sandbox, "sh", "-c", "while :; do sleep 0.1; done").getString("id");
        String done = Api.startProcess(sandbox, "sh", "-c", "exit 4").getString("id");
        Api.awaitState(sandbox, done, "exited", Duration.ofSeconds(10));

        long deletedAt = System.nanoTime();
        k8s.pod(sandbox).delete(); // kubectl delete pod sbx-...
        await("the sandbox stopped or failed after its pod was deleted").atMost(Duration.ofSeconds(2))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> Api.sandbox(Api.viewer(), sandbox).getString("state"), s -> Set.of("stopped", "failed").contains(s));
        long stoppedMs = (System.nanoTime() - deletedAt) / 1_000_000;
        System.err.println("[e2e] sandbox " + sandbox + " left running " + stoppedMs + " ms after its pod was deleted");

        for (String proc : List.of(sleeper, shell)) {
            JsonPath ended = Api.awaitEnded(sandbox, proc, Duration.ofSeconds(2));
            assertEquals("killed", ended.getString("state"), () -> proc + " after its pod was deleted: " + ended.prettify());
            assertEquals(-1, ended.getInt("exit_code"));
            assertTrue(ended.getLong("exited_at") > 0);
        }
        JsonPath exited = Api.process(sandbox, done);
        assertEquals("exited", exited.getString("state"), "a process that had ended keeps its record");
        assertEquals(4, exited.getInt("exit_code"));
        Api.assertJsonError(Api.postProcess(developer(), sandbox, Map.of("command", List.of("true"))), 409);
    }

    /**
     * Another holder takes the scheduler's Lease and keeps it for a while (as a replica that won an
     * election would, or as the API server would look to a scheduler cut off from it): the scheduler
     * stops leading, so an exit in the meantime is not recorded; once the thief stops renewing, the
     * scheduler enters the election again, wins, and records the exit it missed.
     */
    @Test
    void aSchedulerThatLosesItsLeaseWinsItBackAndRecordsTheExitItMissed() throws Exception {
        KubernetesSandboxes k8s = Api.cluster().kubernetes();
        String sandbox = Api.newSandbox();
        String waiter = Api.startProcess(sandbox, "sh", "-c", "while [ ! -f go ]; do sleep 0.1; done; exit 3")
                .getString("id");
        var lease = k8s.client().leases().inNamespace(k8s.namespace()).withName(Api.cluster().leaseName());
        assertNotNull(lease.get(), "the scheduler holds a Lease named tensorbox-scheduler");
        long lostBefore = leadershipLosses();

        ScheduledExecutorService thief = Executors.newSingleThreadScheduledExecutor();
        try {
            thief.scheduleAtFixedRate(() -> lease.edit(l -> steal(l)), 0, 1, TimeUnit.SECONDS);
            await("the scheduler to notice it lost the lease").atMost(Duration.ofSeconds(40))
                    .pollInterval(Duration.ofMillis(250)).until(() -> leadershipLosses() > lostBefore);
            KubernetesSandboxes.Exec go = k8s.exec(sandbox, "touch", "/home/user/go");
            assertEquals(0, go.exitCode(), go::err);
            await("no exit recorded while another replica leads").during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(250))
                    .until(() -> Api.process(sandbox, waiter).getString("state"), "running"::equals);
        } finally {
            thief.shutdownNow();
            thief.awaitTermination(5, TimeUnit.SECONDS);
        }
        // The thief's lease runs out (15 s); the scheduler takes it and replays the events file.
        JsonPath ended = Api.awaitEnded(sandbox, waiter, Duration.ofSeconds(60));
        assertEquals("exited", ended.getString("state"), ended::prettify);
        assertEquals(3, ended.getInt("exit_code"));
        assertEquals("running", Api.sandbox(Api.viewer(), sandbox).getString("state"));
    }

    private static Lease steal(Lease lease) {
        ZonedDateTime now = ZonedDateTime.now();
        if (!"e2e-thief".equals(lease.getSpec().getHolderIdentity())) {
            lease.getSpec().setHolderIdentity("e2e-thief");
            lease.getSpec().setAcquireTime(now);
            Integer transitions = lease.getSpec().getLeaseTransitions();
            lease.getSpec().setLeaseTransitions(transitions == null ? 1 : transitions + 1);
        }
        lease.getSpec().setLeaseDurationSeconds(15);
        lease.getSpec().setRenewTime(now);
        return lease;
    }

    /** How often the scheduler has logged that it left the election (it enters it again each time). */
    private static long leadershipLosses() throws IOException {
        try (var lines = Files.lines(Api.cluster().logFile(Service.SCHEDULER))) {
            return lines.filter(l -> l.contains("left the leader election")).count();
        }
    }
}
