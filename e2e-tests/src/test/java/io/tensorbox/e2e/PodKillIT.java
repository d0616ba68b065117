package io.tensorbox.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.fabric8.kubernetes.api.model.Pod;
import io.restassured.path.json.JsonPath;

/**
 * Issue 11, on the installed chart ({@code -Pe2e-helm}): killing any one pod of each service
 * (deleted with no grace period, as a node failure or an OOM kill would) while processes run loses
 * nothing. A log follow is a session on one api-service and one log-service replica: it ends with
 * the pod that served it, and the client resumes it on the other from the byte it had reached.
 */
@TensorBoxTest
@EnabledIfSystemProperty(named = "tensorbox.e2e.target", matches = "helm")
@Order(HelmOrder.POD_KILLS)
class PodKillIT {
    private static final Duration RECOVERY = Duration.ofSeconds(90);

    @Test
    void killingAnApiPodEndsTheFollowItServedAndTheOtherResumesItWithoutAGap() {
        HelmRelease helm = Api.cluster().helm();
        Ticker ticker = Ticker.start(Api.newSandbox());
        List<Pod> apis = helm.readyPods(Service.API);
        Pod victim = apis.get(0);
        try (Ticker.Follow first = ticker.follow(helm.podUrl(Service.API, victim), 0)) {
            first.assertOpen();
            first.awaitPast(1, 3, Duration.ofSeconds(20));
            kill(helm, victim);
            await("the follow served by the killed pod to end").atMost(Duration.ofSeconds(60)).until(first::ended);
            byte[] before = first.received();
            try (Ticker.Follow resumed = await("a follow through the Service again").atMost(RECOVERY)
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> ticker.follow(Api.cluster().apiUrl(), before.length), f -> {
                        if (f.status != 200) {
                            f.close();
                            return false;
                        }
                        return true;
                    })) {
                int last = Ticker.assertCounts(new String(before, StandardCharsets.UTF_8), 1);
                await("the resumed follow to go on").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                        .until(() -> Ticker.assertCounts(new String(before, StandardCharsets.UTF_8) + resumed.text(), 1),
                                n -> n > last + 3);
            }
        }
        assertTrue(Api.cluster().pids().isAlive(ticker.sandbox, ticker.pid), "the ticker survived");
        helm.awaitReady();
        ticker.awaitPast(ticker.assertCountsWithoutGap() + 1, Duration.ofSeconds(20));
    }

    @Test
    void killingTheLeadingSchedulerLosesNoExitAndTheOtherTakesTheLease() {
        HelmRelease helm = Api.cluster().helm();
        KubernetesSandboxes k8s = Api.cluster().kubernetes();
        String sandbox = Api.newSandbox();
        Ticker ticker = Ticker.start(sandbox);
        String waiter = Api.startProcess(sandbox, "sh", "-c", "while [ ! -f go ]; do sleep 0.1; done; exit 3").getString("id");
        var lease = helm.client().leases().inNamespace(helm.sandboxNamespace()).withName(helm.leaseName());
        String leader = lease.get().getSpec().getHolderIdentity();
        Pod victim = helm.readyPods(Service.SCHEDULER).stream().filter(p -> p.getMetadata().getName().equals(leader))
                .findFirst().orElseThrow(() -> new AssertionError("the lease holder " + leader + " is no ready scheduler pod"));

        kill(helm, victim);
        // the exit happens while the leader is dead and before another replica has taken its lease
        KubernetesSandboxes.Exec go = k8s.exec(sandbox, "touch", "/home/user/go");
        assertEquals(0, go.exitCode(), go::err);

        JsonPath ended = Api.awaitEnded(sandbox, waiter, RECOVERY);
        assertEquals("exited", ended.getString("state"), ended::prettify);
        assertEquals(3, ended.getInt("exit_code"));
        String next = lease.get().getSpec().getHolderIdentity();
        assertNotEquals(leader, next, "another scheduler leads");
        assertTrue(helm.readyPods(Service.SCHEDULER).stream().anyMatch(p -> p.getMetadata().getName().equals(next)),
                () -> "the new holder " + next + " is a ready scheduler pod");

        assertTrue(Api.cluster().pids().isAlive(sandbox, ticker.pid), "the ticker survived");
        assertEquals("running", Api.process(sandbox, ticker.id).getString("state"));
        helm.awaitReady();
        String fresh = Api.runToCompletion(sandbox, "echo after-the-kill").getString("id");
        assertEquals("after-the-kill\n", new String(Api.awaitLogs(sandbox, fresh, "after-the-kill\n".getBytes())));
        ticker.awaitPast(ticker.assertCountsWithoutGap() + 1, Duration.ofSeconds(20));
    }

    @Test
    void killingALogPodEndsOnlyTheFollowsItServedAndTheyResumeOnTheOther() {
        HelmRelease helm = Api.cluster().helm();
        Ticker ticker = Ticker.start(Api.newSandbox());
        // several follows through the Service: api-service spreads them over both log-service pods
        List<Ticker.Follow> follows = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                Ticker.Follow f = ticker.follow(Api.cluster().apiUrl(), 0);
                f.assertOpen();
                follows.add(f);
            }
            for (Ticker.Follow f : follows) {
                f.awaitPast(1, 3, Duration.ofSeconds(20));
            }
            int atKill = ticker.assertCountsWithoutGap();
            kill(helm, helm.readyPods(Service.LOG).get(0));
            int resumedCount = 0;
            for (Ticker.Follow f : follows) {
                // a follow that survived goes on; one that ended is resumed where it stopped; none hangs
                await("each follow to go on or to end").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> f.ended() || Ticker.assertCounts(f.text(), 1) > atKill + 3);
                if (f.ended()) {
                    resumedCount++;
                    byte[] before = f.received();
                    int last = Ticker.assertCounts(new String(before, StandardCharsets.UTF_8), 1);
                    try (Ticker.Follow resumed = await("a resumed follow").atMost(RECOVERY).pollInterval(Duration.ofMillis(500))
                            .until(() -> ticker.follow(Api.cluster().apiUrl(), before.length), r -> {
                                if (r.status != 200) {
                                    r.close();
                                    return false;
                                }
                                return true;
                            })) {
                        await("the resumed follow to go on").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                                .until(() -> Ticker.assertCounts(new String(before, StandardCharsets.UTF_8) + resumed.text(), 1),
                                        n -> n > last + 3);
                    }
                }
            }
            System.err.println("[e2e] a log-service pod killed: " + resumedCount + " of " + follows.size()
                    + " follows ended with it and were resumed");
        } finally {
            follows.forEach(Ticker.Follow::close);
        }
        assertTrue(Api.cluster().pids().isAlive(ticker.sandbox, ticker.pid), "the ticker survived");
        helm.awaitReady();
        ticker.awaitPast(ticker.assertCountsWithoutGap() + 1, Duration.ofSeconds(20));
    }

    /** Deletes the pod at once (no grace period): its process gets SIGKILL, as on a node failure. */
    static void kill(HelmRelease helm, Pod pod) {
        System.err.println("[e2e] killing pod " + pod.getMetadata().getName());
        helm.client().pods().inNamespace(helm.namespace()).withName(pod.getMetadata().getName())
                .withGracePeriod(0).delete();
    }
}
