package io.tensorbox.logs.logs;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import io.tensorbox.common.internal.InternalToken;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(FakeScheduler.class)
class ProcessLogsTest {

    private static final String SBX = "sbx_0123456789abcdef01234567";
    private static final String STATE = "/sandboxes/" + SBX + "/state";

    @TestHTTPResource("/")
    URL root;

    @BeforeEach
    void sandbox() {
        FakeScheduler.STATE_DIRS.put(SBX, STATE);
        FakeScheduler.FAIL_EXEC.set(false);
        FakeScheduler.STREAM_ARGVS.clear();
    }

    /** A call as the other TensorBox services make it: with the internal token. */
    private static RequestSpecification api() {
        return given().header(InternalToken.HEADER, FakeScheduler.TOKEN);
    }

    private HttpRequest.Builder follow(String sbx, String proc) {
        return HttpRequest.newBuilder(URI.create(root + logsPath(sbx, proc).substring(1) + "?follow=true"))
                .header(InternalToken.HEADER, FakeScheduler.TOKEN);
    }

    private static String procId() {
        return "proc_" + String.format("%024x", new Random().nextLong() & Long.MAX_VALUE);
    }

    private static String logsPath(String sbx, String proc) {
        return "/internal/v1/sandboxes/" + sbx + "/processes/" + proc + "/logs";
    }

    @Test
    void aLogOfMoreThanTenMebibytesOfBinaryComesBackByteForByte() {
        String proc = procId();
        byte[] log = new byte[10 * 1024 * 1024 + 12_345];
        new Random(42).nextBytes(log);
        for (int b = 0; b < 256; b++) {
            log[b] = (byte) b; // every octet, including invalid UTF-8 and NUL
        }
        FakeScheduler.FILES.put(STATE + "/logs/proc-" + proc + ".log", log);
        FakeScheduler.FILES.put(STATE + "/logs/proc-" + proc + ".log.1", new byte[] {'o', 'l', 'd'});

        byte[] body = api().when().get(logsPath(SBX, proc))
                .then().statusCode(200)
                .contentType(startsWith("text/plain"))
                .extract().asByteArray();

        assertArrayEquals(log, body);
        assertEquals(List.of(List.of("cat", STATE + "/logs/proc-" + proc + ".log")), FakeScheduler.STREAM_ARGVS);
    }

    @Test
    void followFalseReadsTheFileOnce() {
        String proc = procId();
        FakeScheduler.FILES.put(STATE + "/logs/proc-" + proc + ".log", "hello\n".getBytes());

        api().queryParam("follow", "false").when().get(logsPath(SBX, proc))
                .then().statusCode(200).body(equalTo("hello\n"));
    }

    @Test
    void aProcessWithoutLogIs404() {
        api().when().get(logsPath(SBX, procId()))
                .then().statusCode(404)
                .contentType("application/json")
                .body("error.code", equalTo("log_not_found"));
        assertTrue(FakeScheduler.STREAM_ARGVS.isEmpty(), "no stream is opened for a missing log");
    }

    @Test
    void anUnknownSandboxIs404() {
        api().when().get(logsPath("sbx_ffffffffffffffffffffffff", procId()))
                .then().statusCode(404)
                .body("error.code", equalTo("sandbox_not_found"));
    }

    @Test
    void malformedIdsAndFollowValuesAre400() {
        api().when().get(logsPath("sbx_nope", procId()))
                .then().statusCode(400).body("error.code", equalTo("invalid_request"))
                .body("error.message", org.hamcrest.Matchers.containsString("sandbox id"));
        api().when().get(logsPath(SBX, "proc_../../etc"))
                .then().statusCode(400).body("error.message", org.hamcrest.Matchers.containsString("process id"));
        api().queryParam("follow", "yes").when().get(logsPath(SBX, procId()))
                .then().statusCode(400).body("error.message", org.hamcrest.Matchers.containsString("follow"));
    }

    @Test
    void anOffsetWithoutFollowReadsFromThatByteAndPastTheEndReadsNothing() {
        String proc = procId();
        String log = STATE + "/logs/proc-" + proc + ".log";
        FakeScheduler.FILES.put(log, "0123456789".getBytes());

        api().queryParam("offset", "4").when().get(logsPath(SBX, proc))
                .then().statusCode(200).contentType(startsWith("text/plain")).body(equalTo("456789"));
        api().queryParam("offset", "10").when().get(logsPath(SBX, proc))
                .then().statusCode(200).body(equalTo(""));
        api().queryParam("offset", "9007199254740992").when().get(logsPath(SBX, proc))
                .then().statusCode(200).body(equalTo(""));
        api().queryParam("offset", "0").when().get(logsPath(SBX, proc))
                .then().statusCode(200).body(equalTo("0123456789"));

        assertEquals(List.of(
                List.of("tail", "-c", "+5", "--", log),
                List.of("tail", "-c", "+11", "--", log),
                List.of("tail", "-c", "+10485762", "--", log), // no log is longer than 10 MiB
                List.of("cat", log)), FakeScheduler.STREAM_ARGVS);
    }

    @Test
    void offsetEndWithoutFollowIsAnEmptyLogButStillA404WithoutLog() {
        String proc = procId();
        FakeScheduler.FILES.put(STATE + "/logs/proc-" + proc + ".log", "old output\n".getBytes());

        api().queryParam("offset", "end").when().get(logsPath(SBX, proc))
                .then().statusCode(200).contentType(startsWith("text/plain")).body(equalTo(""));
        api().queryParam("offset", "end").when().get(logsPath(SBX, procId()))
                .then().statusCode(404).body("error.code", equalTo("log_not_found"));
        assertTrue(FakeScheduler.STREAM_ARGVS.isEmpty(), "nothing to read: no stream is opened");
    }

    @Test
    void malformedOffsetsAre400NamingOffset() {
        String proc = procId();
        FakeScheduler.FILES.put(STATE + "/logs/proc-" + proc + ".log", "x".getBytes());
        for (String bad : List.of("", "-1", "+1", "1.5", "1e3", " 1", "0x10", "END", "end ", "start",
                "9007199254740993", "99999999999999999999")) {
            api().queryParam("offset", bad).queryParam("follow", "true").when().get(logsPath(SBX, proc))
                    .then().statusCode(400).contentType("application/json")
                    .body("error.code", equalTo("invalid_request"))
                    .body("error.message", org.hamcrest.Matchers.containsString("offset"));
        }
        assertTrue(FakeScheduler.STREAM_ARGVS.isEmpty(), "a refused offset opens no stream");
    }

    @Test
    void theOffsetReachesTheFollowScriptNormalised() {
        String proc = procId();
        FakeScheduler.FILES.put(STATE + "/logs/proc-" + proc + ".log", "abc".getBytes());
        FakeScheduler.resetFollow();
        FakeScheduler.followFirst = new byte[0];
        FakeScheduler.followRest = "done\n".getBytes();
        FakeScheduler.followRelease.complete(null); // each follow ends at once

        for (String offset : List.of("123", "end", "007", "9007199254740992")) {
            api().queryParam("follow", "true").queryParam("offset", offset).when().get(logsPath(SBX, proc))
                    .then().statusCode(200).body(equalTo("done\n"));
        }
        api().queryParam("follow", "true").when().get(logsPath(SBX, proc))
                .then().statusCode(200).body(equalTo("done\n"));

        // "end" is the size, learnt before the answer; past 10 MiB is past any log's end
        assertEquals(List.of("123", "3", "7", "10485761", "0"),
                FakeScheduler.STREAM_ARGVS.stream().map(argv -> {
                    assertEquals(LogCommands.FOLLOW_SCRIPT, argv.get(2));
                    assertEquals(8, argv.size());
                    return argv.get(7);
                }).toList());
    }

    @Test
    void aSizeTheSandboxPrintsWrongLeavesTheEndToTheFollowScript() {
        String proc = procId();
        FakeScheduler.FILES.put(STATE + "/logs/proc-" + proc + ".log", "abc".getBytes());
        FakeScheduler.resetFollow();
        FakeScheduler.followFirst = new byte[0];
        FakeScheduler.followRest = "done\n".getBytes();
        FakeScheduler.followRelease.complete(null);
        try {
            for (String printed : List.of("", "12 34\n", "-5\n", "3;reboot\n", "9".repeat(40) + "\n")) {
                FakeScheduler.sizePrinted = printed;
                api().queryParam("follow", "true").queryParam("offset", "end").when().get(logsPath(SBX, proc))
                        .then().statusCode(200).body(equalTo("done\n"));
            }
        } finally {
            FakeScheduler.sizePrinted = null;
        }
        assertEquals(List.of("end", "end", "end", "end", "end"),
                FakeScheduler.STREAM_ARGVS.stream().map(argv -> argv.get(7)).toList());
    }

    @Test
    void wrongMethodAndUnknownPathAnswerJson() {
        api().when().post(logsPath(SBX, procId()))
                .then().statusCode(405).body("error.code", equalTo("method_not_allowed"));
        api().when().get("/nothing/here")
                .then().statusCode(404).body("error.code", equalTo("not_found"));
    }

    @Test
    void aFailingSchedulerIs503() {
        FakeScheduler.FAIL_EXEC.set(true);
        api().when().get(logsPath(SBX, procId()))
                .then().statusCode(503).body("error.code", equalTo("runtime_unavailable"));
    }

    @Test
    void aSchedulerThatIsDownIs503() {
        String otherSandbox = "sbx_aaaaaaaaaaaaaaaaaaaaaaaa";
        FakeScheduler.STATE_DIRS.put(otherSandbox, "/elsewhere");
        FakeScheduler.shutDown();
        try {
            api().when().get(logsPath(otherSandbox, procId()))
                    .then().statusCode(503).body("error.code", equalTo("runtime_unavailable"));
        } finally {
            FakeScheduler.restart();
        }
        String proc = procId();
        FakeScheduler.FILES.put("/elsewhere/logs/proc-" + proc + ".log", "back\n".getBytes());
        api().when().get(logsPath(otherSandbox, proc)).then().statusCode(200).body(equalTo("back\n"));
    }

    @Test
    void followDeliversOutputAsItIsWrittenAndEndsWithTheStream() throws Exception {
        String proc = procId();
        FakeScheduler.FILES.put(STATE + "/logs/proc-" + proc + ".log", "abc".getBytes());
        FakeScheduler.resetFollow();
        FakeScheduler.followFirst = "first line\n".getBytes();
        FakeScheduler.followRest = new byte[] {(byte) 0xff, 0, (byte) 0xc3, '\n'};

        HttpResponse<InputStream> response = HttpClient.newHttpClient().send(
                follow(SBX, proc).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        try (InputStream body = response.body()) {
            CompletableFuture<byte[]> first = CompletableFuture.supplyAsync(() -> readN(body, 11));
            await().atMost(Duration.ofSeconds(10)).until(first::isDone);
            assertArrayEquals("first line\n".getBytes(), first.join());
            assertFalse(FakeScheduler.followEnded.isDone(), "the first chunk came before the stream ended");

            FakeScheduler.followRelease.complete(null);
            assertArrayEquals(FakeScheduler.followRest, body.readAllBytes());
        }
        List<String> argv = FakeScheduler.STREAM_ARGVS.get(0);
        assertEquals(List.of("sh", "-c"), argv.subList(0, 2));
        assertEquals(LogCommands.FOLLOW_SCRIPT, argv.get(2));
        assertEquals(List.of("sh", STATE + "/logs/proc-" + proc + ".log", STATE + "/procs/" + proc + "/writer.pid",
                "10485760", "0"), argv.subList(3, 8));
    }

    @Test
    void aFollowerThatLeavesEndsTheExec() throws Exception {
        String proc = procId();
        FakeScheduler.FILES.put(STATE + "/logs/proc-" + proc + ".log", "abc".getBytes());
        FakeScheduler.resetFollow();
        FakeScheduler.followFirst = "tick\n".getBytes();

        HttpResponse<InputStream> response = HttpClient.newHttpClient().send(
                follow(SBX, proc).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        InputStream body = response.body();
        assertArrayEquals("tick\n".getBytes(), readN(body, 5));
        body.close();

        await().atMost(Duration.ofSeconds(10)).until(FakeScheduler.followClientGone::isDone);
        FakeScheduler.followRelease.complete(null);
    }

    private static byte[] readN(InputStream in, int n) {
        try {
            return in.readNBytes(n);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
