package io.tensorbox.logs.logs;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A follow of a process that prints nothing is answered at once and kept open past the server's
 * idle timeout (1 s in this test profile; 30 min by default). A scheduler that does not answer a
 * stream at all is given up after the check timeout (3 s here).
 */
@QuarkusTest
@QuarkusTestResource(FakeScheduler.class)
@TestProfile(SilentFollowTest.ShortIdleTimeout.class)
class SilentFollowTest {

    /** A short server idle timeout, so that outliving it takes seconds. */
    public static class ShortIdleTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.http.idle-timeout", "1S", "tensorbox.logs.check-timeout", "PT3S");
        }
    }

    private static final String SBX = "sbx_5111e47f0110e55111e47f01";
    private static final String STATE = "/sandboxes/" + SBX + "/state";
    private static final String PROC = "proc_5111e47000000000000000aa";

    @TestHTTPResource("/")
    URL root;

    @ConfigProperty(name = "quarkus.http.idle-timeout")
    Duration idleTimeout;

    private Followers followers;

    @BeforeEach
    void silentProcess() {
        FakeScheduler.STATE_DIRS.put(SBX, STATE);
        FakeScheduler.FAIL_EXEC.set(false);
        FakeScheduler.HANG_STREAMS.set(false);
        FakeScheduler.FILES.put(STATE + "/logs/proc-" + PROC + ".log", new byte[0]);
        FakeScheduler.resetFollow();
        FakeScheduler.followFirst = new byte[0];
        FakeScheduler.followRest = new byte[0];
        followers = new Followers(root, SBX);
    }

    @AfterEach
    void hangUp() throws IOException {
        FakeScheduler.HANG_STREAMS.set(false);
        followers.close();
        FakeScheduler.followRelease.complete(null);
    }



    @Test
    void aFollowOfASilentProcessIsAnsweredBeforeAnyByteAndOutlivesTheIdleTimeout() throws Exception {
        assertTrue(idleTimeout.toMillis() <= 2_000, "the test profile shortens the idle timeout");
        int before = FakeScheduler.OPEN_FOLLOWS.get();

        CompletableFuture<HttpResponse<InputStream>> answer = followers.follow(PROC);

        // the status and headers come while the process has printed nothing at all
        await().atMost(Duration.ofSeconds(10)).until(answer::isDone);
        HttpResponse<InputStream> response = answer.join();
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        // exempt from the idle timeout, the connection is not reused after the follow
        assertEquals("close", response.headers().firstValue("Connection").orElse(""));
        assertFalse(FakeScheduler.followEnded.isDone(), "the scheduler's stream has not sent a byte nor ended");
        assertEquals(before + 1, FakeScheduler.OPEN_FOLLOWS.get());

        // silent for three idle timeouts: neither log-service nor anything between it and the scheduler ends it
        await().failFast("log-service closed the scheduler's stream of the silent follow", FakeScheduler.followClientGone::isDone)
                .during(idleTimeout.multipliedBy(3)).atMost(idleTimeout.multipliedBy(3).plusSeconds(15))
                .until(() -> FakeScheduler.OPEN_FOLLOWS.get() == before + 1);

        // and it still delivers what the process prints late, then ends with it
        FakeScheduler.followRest = "late\n".getBytes();
        FakeScheduler.followRelease.complete(null);
        CompletableFuture<byte[]> rest = CompletableFuture.supplyAsync(() -> {
            try {
                return response.body().readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertArrayEquals("late\n".getBytes(), rest.get(10, TimeUnit.SECONDS));
    }

    /** {@code tensorbox_log_follows_open} on /q/metrics. */
    private double followsOpen() throws Exception {
        String page = followers.http().send(java.net.http.HttpRequest.newBuilder(root.toURI().resolve("/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^tensorbox_log_follows_open(?:\\{[^}]*\\})? (\\S+)$").matcher(page);
        assertTrue(m.find(), "the gauge is on the page");
        return Double.parseDouble(m.group(1));
    }

    @Test
    void anOpenFollowIsCountedUntilItEnds() throws Exception {
        double before = followsOpen();
        CompletableFuture<HttpResponse<InputStream>> answer = followers.follow(PROC);
        await().atMost(Duration.ofSeconds(10)).until(answer::isDone);
        assertEquals(200, answer.join().statusCode());
        assertEquals(before + 1, followsOpen());

        FakeScheduler.followRelease.complete(null);
        answer.join().body().readAllBytes();
        await().atMost(Duration.ofSeconds(10)).until(() -> followsOpen() == before);
    }

    @Test
    void aStreamTheSchedulerNeverAnswersIs503AfterTheCheckTimeoutAndIsClosed() throws IOException {
        FakeScheduler.HANG_STREAMS.set(true);

        CompletableFuture<HttpResponse<InputStream>> answer = followers.follow(PROC);

        await().atMost(Duration.ofSeconds(30)).until(answer::isDone);
        assertEquals(503, answer.join().statusCode());
        assertTrue(new String(answer.join().body().readAllBytes()).contains("\"runtime_unavailable\""));
        await().atMost(Duration.ofSeconds(10)).until(FakeScheduler.followClientGone::isDone);
    }
}
