package io.tensorbox.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.restassured.path.json.JsonPath;

/**
 * Issue 11, on the installed chart ({@code -Pe2e-helm}): {@code helm upgrade} with a changed value
 * rolls every service's pods and loses no running sandbox process, its log or its stdin.
 */
@TensorBoxTest
@EnabledIfSystemProperty(named = "tensorbox.e2e.target", matches = "helm")
@Order(HelmOrder.UPGRADE)
class HelmUpgradeIT {

    @Test
    void anUpgradeThatRollsEveryServiceLosesNoRunningProcess() throws Exception {
        HelmRelease helm = Api.cluster().helm();
        String sandbox = Api.newSandbox();
        Ticker ticker = Ticker.start(sandbox);
        RuntimeApi.Started cat = RuntimeApi.start(sandbox, RuntimeApi.body("cmd", "cat", "args", List.of()));
        RuntimeApi.stdin(Api.developer(), sandbox, cat.pid(), Map.of("data", "before\n")).then().statusCode(204);
        ticker.awaitPast(3, Duration.ofSeconds(20));
        Map<Service, Set<String>> before = podNames(helm);

        // the API through its Service while it rolls: how often a client would have seen an error
        AtomicBoolean rolling = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread probe = new Thread(() -> {
            while (rolling.get()) {
                try {
                    int status = given().baseUri(Api.cluster().apiUrl()).header("Authorization", "Bearer " + Api.viewer())
                            .get("/v1/sandboxes/{id}", sandbox).statusCode();
                    if (status == 200) {
                        ok.incrementAndGet();
                    } else {
                        failures.add("HTTP " + status);
                    }
                } catch (RuntimeException e) {
                    failures.add(e.getClass().getSimpleName() + ": " + e.getMessage());
                }
                try {
                    Thread.sleep(100); // the probe's pace, not a synchronisation
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "e2e-upgrade-probe");
        probe.start();
        long t0 = System.nanoTime();
        try {
            // logFormat is in the environment of all three services: every Deployment rolls
            helm.upgrade(Map.of("logFormat", "text"));
        } finally {
            rolling.set(false);
            probe.join();
        }
        System.err.printf("[e2e] helm upgrade rolled in %.1f s; the API answered %d requests and failed %d: %s%n",
                (System.nanoTime() - t0) / 1e9, ok.get(), failures.size(), failures);

        Map<Service, Set<String>> after = podNames(helm);
        for (Service service : Service.values()) {
            Set<String> kept = before.get(service).stream().filter(after.get(service)::contains).collect(Collectors.toSet());
            assertTrue(kept.isEmpty(), () -> service + " pods were not replaced by the upgrade: " + kept);
            assertEquals(helm.replicas(service), after.get(service).size(), () -> service + " pods after: " + after);
        }

        assertTrue(Api.cluster().pids().isAlive(sandbox, ticker.pid), "the ticker survived the upgrade");
        JsonPath record = Api.process(sandbox, ticker.id);
        assertEquals("running", record.getString("state"), record::prettify);
        assertEquals(ticker.pid, record.getLong("pid"));
        int counted = ticker.assertCountsWithoutGap();
        ticker.awaitPast(counted + 2, Duration.ofSeconds(20));

        RuntimeApi.stdin(Api.developer(), sandbox, cat.pid(), Map.of("data", "after\n", "eof", true)).then().statusCode(204);
        JsonPath catEnded = Api.awaitEnded(sandbox, cat.processId(), Duration.ofSeconds(20));
        assertEquals("exited", catEnded.getString("state"), catEnded::prettify);
        assertEquals("before\nafter\n", new String(Api.logs(sandbox, cat.processId()), StandardCharsets.UTF_8));

        Api.as(Api.developer()).delete("/v1/sandboxes/{id}/processes/{p}", sandbox, ticker.id).then().statusCode(204);
        assertEquals("killed", Api.awaitEnded(sandbox, ticker.id, Duration.ofSeconds(20)).getString("state"));
        assertTrue(failures.size() <= Integer.getInteger("tensorbox.e2e.helm.upgrade-failures-allowed", 0),
                () -> "requests to the API failed while it rolled: " + failures);
    }

    static Map<Service, Set<String>> podNames(HelmRelease helm) {
        Map<Service, Set<String>> names = new EnumMap<>(Service.class);
        for (Service service : Service.values()) {
            names.put(service, helm.readyPods(service).stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet()));
        }
        return names;
    }
}
