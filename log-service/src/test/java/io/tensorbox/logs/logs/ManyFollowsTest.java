package io.tensorbox.logs.logs;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Follows hold no thread: while 200 follows of silent processes stay open, the service keeps
 * answering other callers, and when the followers hang up every exec behind them ends.
 */
@QuarkusTest
@QuarkusTestResource(FakeScheduler.class)
class ManyFollowsTest {

    private static final String SBX = "sbx_3a11f0110e53a11f0110e500";
    private static final String STATE = "/sandboxes/" + SBX + "/state";
    private static final String PROC = "proc_3a11f0000000000000000aa1";
    private static final String READ_PROC = "proc_3a11f0000000000000000bb1";

    @TestHTTPResource("/")
    URL root;

    private Followers followers;

    @BeforeEach
    void silentProcess() {
        FakeScheduler.STATE_DIRS.put(SBX, STATE);
        FakeScheduler.FAIL_EXEC.set(false);
        FakeScheduler.FILES.put(STATE + "/logs/proc-" + PROC + ".log", new byte[0]);
        FakeScheduler.FILES.put(STATE + "/logs/proc-" + READ_PROC + ".log", "still here\n".getBytes());
        FakeScheduler.resetFollow();
        FakeScheduler.followFirst = new byte[0];
        FakeScheduler.followRest = new byte[0];
        followers = new Followers(root, SBX);
    }

    @AfterEach
    void hangUp() throws IOException {
        followers.close();
        FakeScheduler.followRelease.complete(null);
    }



    @Test
    void twoHundredSilentFollowsLeaveTheServiceAnswering() throws Exception {
        int before = FakeScheduler.OPEN_FOLLOWS.get();

        List<CompletableFuture<HttpResponse<InputStream>>> follows = IntStream.range(0, 200).mapToObj(i -> followers.follow(PROC)).toList();

        await().atMost(Duration.ofSeconds(60)).until(() -> follows.stream().allMatch(CompletableFuture::isDone));
        assertTrue(follows.stream().allMatch(f -> f.join().statusCode() == 200), "every follow is answered 200");
        await().atMost(Duration.ofSeconds(30)).until(() -> FakeScheduler.OPEN_FOLLOWS.get() == before + 200);

        // another caller is served while the 200 follows stay open (a generous bound, not a benchmark)
        HttpResponse<String> read = followers.http().send(HttpRequest.newBuilder(followers.request(READ_PROC, false), (n, v) -> true)
                        .timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, read.statusCode());
        assertEquals("still here\n", read.body());
        assertEquals(before + 200, FakeScheduler.OPEN_FOLLOWS.get(), "the follows are still open");

        // the followers hang up: every exec behind them ends
        followers.hangUp();
        await().atMost(Duration.ofSeconds(30)).until(() -> FakeScheduler.OPEN_FOLLOWS.get() == before);
    }
}
