package io.tensorbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.tensorbox.api.Api.as;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * E2B envd's process.Process service (SPEC §5, seed 001) as E2B's client speaks it: Connect envelopes
 * and end-of-stream messages on Start/Connect, unary JSON on the others, proto3-JSON messages, Connect
 * error codes. The sandbox side is {@link FakeRuntime}.
 */
@QuarkusTest
class ConnectProcessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONNECT_JSON = "application/connect+json";

    @TestHTTPResource("/")
    URL base;

    /** One frame of a Connect stream: its flags and its JSON. */
    record Frame(int flags, JsonNode json) {
    }

    @Test
    void startStreamsStartOutputAndEndThenTheEndOfStream() throws Exception {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        FakeRuntime.scriptedOutput.put("greet", "hello\nwörld\n".getBytes(StandardCharsets.UTF_8));
        FakeRuntime.scriptedExit.put("greet", 0);

        Response response = stream(key, sbx, "Start", envelope("{\"process\":{\"cmd\":\"greet\",\"args\":[\"-n\",\"1\"],"
                + "\"envs\":{\"FOO\":\"bar\"},\"cwd\":\"/root/workspace\"},\"tag\":\"inspect\"}"));
        assertEquals(200, response.statusCode());
        assertTrue(response.contentType().startsWith(CONNECT_JSON), response.contentType());
        List<Frame> frames = frames(response.asByteArray());

        assertEquals(4, frames.size(), frames.toString());
        assertEquals(JSON.readTree("{\"event\":{\"start\":{\"pid\":4242}}}"), frames.get(0).json());
        assertEquals("hello\nwörld\n", stdout(frames.get(1)));
        assertEquals(JSON.readTree("{\"event\":{\"end\":{\"exitCode\":0,\"exited\":true,\"status\":\"exit status 0\"}}}"),
                frames.get(2).json());
        frames.subList(0, 3).forEach(f -> assertEquals(0, f.flags()));
        assertEquals(2, frames.get(3).flags());
        assertEquals(JSON.readTree("{}"), frames.get(3).json());

        // an ordinary background command: argv, env, cwd, no deadline; its log read from byte 0
        JsonNode spec = spec("greet");
        assertEquals(List.of("greet", "-n", "1"), JSON.convertValue(spec.path("command"), List.class));
        assertEquals(List.of("FOO=bar"), JSON.convertValue(spec.path("env"), List.class));
        assertEquals("/root/workspace", spec.path("cwd").asText());
        assertFalse(spec.path("shell").asBoolean());
        assertEquals(0, spec.path("timeoutMs").asLong());
        assertTrue(FakeRuntime.logQueries.get(spec.path("id").asText()).contains("offset=0"),
                FakeRuntime.logQueries.get(spec.path("id").asText()));
        // it is still running as far as the store knows: List shows it with its tag
        JsonNode listed = unary(key, sbx, "List", "{}").then().statusCode(200).extract().as(JsonNode.class);
        assertEquals(JSON.readTree("{\"processes\":[{\"config\":{\"cmd\":\"greet\",\"args\":[\"-n\",\"1\"],"
                + "\"envs\":{\"FOO\":\"bar\"},\"cwd\":\"/root/workspace\"},\"pid\":4242,\"tag\":\"inspect\"}]}"), listed);
    }

    @Test
    void startTakesTheSeedsBareJsonTheDeadlineHeaderAndStdinFalse() throws Exception {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        FakeRuntime.scriptedOutput.put("seedbash", "total 0\n".getBytes(StandardCharsets.UTF_8));
        FakeRuntime.scriptedExit.put("seedbash", 3);

        Response response = stream(key, sbx, "Start", ("{ \"process\": { \"cmd\": \"seedbash\", \"args\": [\"-lc\", \"ls -la\"],"
                + " \"cwd\": \"/root/workspace\" }, \"tag\": \"inspect\", \"stdin\": false}").getBytes(StandardCharsets.UTF_8),
                Map.of("Connect-Protocol-Version", "1", "Connect-Timeout-Ms", "30000"));
        List<Frame> frames = frames(response.asByteArray());
        assertEquals("total 0\n", stdout(frames.get(1)));
        assertEquals(JSON.readTree("{\"event\":{\"end\":{\"exitCode\":3,\"exited\":true,\"status\":\"exit status 3\","
                + "\"error\":\"exit status 3\"}}}"), frames.get(2).json());

        JsonNode spec = spec("seedbash");
        assertEquals(30000, spec.path("timeoutMs").asLong());
        assertTrue(FakeRuntime.closedStdins.contains(spec.path("id").asText()), "stdin: false leaves stdin open");
    }

    @Test
    void streamingErrorsAreEndOfStreamMessagesWithStatus200() throws Exception {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        String start = "{\"process\":{\"cmd\":\"true\"}}";

        assertEndError(stream(key, Api.sandbox(Api.newTeam()), "Start", envelope(start)), "not_found", "No sandbox");
        assertEndError(stream(key, "sbx_000000000000000000000000", "Connect", envelope("{\"process\":{\"pid\":1}}")),
                "not_found", "No sandbox");
        assertEndError(stream(key, sbx, "Start", envelope("{\"process\":{\"args\":[\"x\"]}}")),
                "invalid_argument", "'process.cmd'");
        assertEndError(stream(key, sbx, "Start", envelope("{\"process\":{\"cmd\":\"env\",\"envs\":{\"1X\":\"y\"}}}")),
                "invalid_argument", "'process.envs'");
        assertEndError(stream(key, sbx, "Start", envelope("{\"process\":{\"cmd\":7}}")),
                "invalid_argument", "'process.cmd' must be a string");
        assertEndError(stream(key, sbx, "Start", envelope("{\"process\":")), "invalid_argument", "not valid JSON");
        byte[] truncated = envelope(start);
        assertEndError(stream(key, sbx, "Start", java.util.Arrays.copyOf(truncated, truncated.length - 3)),
                "invalid_argument", "announces");
        byte[] compressed = envelope(start);
        compressed[0] = 1;
        assertEndError(stream(key, sbx, "Start", compressed), "unimplemented", "identity");
        assertEndError(stream(key, sbx, "Start", envelope("{\"process\":{\"cmd\":\"bash\"},\"pty\":{\"size\":{\"cols\":80,\"rows\":24}}}")),
                "unimplemented", "/terminal");
        assertEndError(stream(key, sbx, "Start", envelope(start), Map.of("Connect-Content-Encoding", "gzip")),
                "unimplemented", "identity");
        assertEndError(stream(key, sbx, "Start", envelope(start), Map.of("Connect-Timeout-Ms", "soon")),
                "invalid_argument", "Connect-Timeout-Ms");
        assertEndError(stream(key, sbx, "Connect", envelope("{\"process\":{\"pid\":999}}")), "not_found", "pid 999");
        assertEndError(stream(key, sbx, "Connect", envelope("{\"process\":{\"tag\":\"nobody\"}}")), "not_found", "tag 'nobody'");
        assertEndError(stream(key, sbx, "Connect", envelope("{}")), "invalid_argument", "'process'");

        // credentials and roles, shaped the same way
        assertEndError(stream(Api.key(key, "viewer"), sbx, "Start", envelope(start)), "permission_denied", "developer role");
        assertEndError(post(RestAssured.given(), sbx, "Start", CONNECT_JSON, envelope(start)), "unauthenticated", "API key");
        assertEndError(post(RestAssured.given().header("Authorization", "Bearer ask_nobody_0123456789abcdef0123"), sbx,
                "Start", CONNECT_JSON, envelope(start)), "unauthenticated", "unknown");

        // a sandbox that is not running
        FakeRuntime.sandboxState = "pending";
        String pending;
        try {
            pending = Api.sandbox(key);
        } finally {
            FakeRuntime.sandboxState = "running";
        }
        assertEndError(stream(key, pending, "Start", envelope(start)), "failed_precondition", "pending");

        // a codec this service does not speak is refused at the HTTP level, as the protocol says
        post(as(key), sbx, "Start", "application/connect+proto", new byte[] {0, 0, 0, 0, 0}).then().statusCode(415)
                .contentType(startsWith("application/json")).body("code", equalTo("unimplemented"));
    }

    @Test
    void connectFollowsARunningProcessFromTheCurrentEndByPidOrTag() throws Exception {
        String key = Api.newTeam();
        String viewer = Api.key(key, "viewer");
        String sbx = Api.sandbox(key);
        FakeRuntime.scriptedOutput.put("follower", "late line\n".getBytes(StandardCharsets.UTF_8));
        FakeRuntime.scriptedExit.put("follower", 0);
        frames(stream(key, sbx, "Start", envelope("{\"process\":{\"cmd\":\"follower\"},\"tag\":\"dev\"}")).asByteArray());
        String proc = spec("follower").path("id").asText();

        List<Frame> byPid = frames(stream(viewer, sbx, "Connect", envelope("{\"process\":{\"pid\":4242}}")).asByteArray());
        assertEquals(4242, byPid.get(0).json().at("/event/start/pid").asInt());
        assertEquals("late line\n", stdout(byPid.get(1)));
        assertEquals(0, byPid.get(2).json().at("/event/end/exitCode").asInt());
        assertEquals(2, byPid.get(3).flags());
        assertTrue(FakeRuntime.logQueries.get(proc).contains("offset=end"), FakeRuntime.logQueries.get(proc));

        // by tag (pid as a string is proto3 JSON too), and replay from the start
        List<Frame> byTag = frames(stream(viewer, sbx, "Connect", envelope("{\"process\":{\"tag\":\"dev\"},\"replay\":true}"))
                .asByteArray());
        assertEquals(4, byTag.size(), byTag.toString());
        assertTrue(FakeRuntime.logQueries.get(proc).contains("offset=0"), FakeRuntime.logQueries.get(proc));
        assertEquals(4, frames(stream(viewer, sbx, "Connect", envelope("{\"process\":{\"pid\":\"4242\"}}")).asByteArray()).size());

        // the log cannot be read: the stream that started ends with the error, still HTTP 200
        String other = Api.sandbox(key);
        String broken = startCommand(key, other, "broken");
        FakeRuntime.failingLogs.add(broken);
        List<Frame> failed = frames(stream(key, other, "Connect", envelope("{\"process\":{\"pid\":4242}}")).asByteArray());
        assertEquals(2, failed.size(), failed.toString());
        assertEquals(4242, failed.get(0).json().at("/event/start/pid").asInt());
        assertEquals(2, failed.get(1).flags());
        assertEquals("unavailable", failed.get(1).json().at("/error/code").asText(), failed.toString());

        // a killed process is gone for envd's clients
        unary(key, sbx, "SendSignal", "{\"process\":{\"tag\":\"dev\"},\"signal\":\"SIGNAL_SIGKILL\"}").then().statusCode(200);
        assertEndError(stream(viewer, sbx, "Connect", envelope("{\"process\":{\"tag\":\"dev\"}}")), "not_found", "tag 'dev'");
    }

    @Test
    void aSilentProcessGetsKeepalivesAndItsOutputAsSoonAsItComes() throws Exception {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        String proc = startCommand(key, sbx, "sleepy");
        FakeRuntime.logs.put(proc, new byte[0]);
        FakeRuntime.silentLogs.add(proc);
        FakeRuntime.silentGate = new CountDownLatch(1);
        try {
            HttpRequest request = HttpRequest.newBuilder(base.toURI().resolve("v1/sandboxes/" + sbx + "/process.Process/Connect"))
                    .header("Authorization", "Bearer " + key).header("Content-Type", CONNECT_JSON)
                    .header("Keepalive-Ping-Interval", "1")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(envelope("{\"process\":{\"pid\":4242}}"))).build();
            HttpResponse<InputStream> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                    .sendAsync(request, HttpResponse.BodyHandlers.ofInputStream()).get(30, TimeUnit.SECONDS);
            assertEquals(200, response.statusCode());
            try (DataInputStream in = new DataInputStream(response.body())) {
                assertEquals(4242, read(in).json().at("/event/start/pid").asInt());
                // nothing written for a while: a keepalive, while the process runs on
                assertEquals(JSON.readTree("{\"event\":{\"keepalive\":{}}}"), read(in).json());
                FakeRuntime.silentGate.countDown();
                Frame next = read(in);
                while (next.json().at("/event/keepalive").isObject()) {
                    next = read(in);
                }
                assertEquals("done\n", stdout(next));
                assertTrue(read(in).json().at("/event/end").isObject());
                Frame last = read(in);
                assertEquals(2, last.flags());
                assertEquals(-1, in.read(), "nothing after the end-of-stream message");
            }
        } finally {
            FakeRuntime.silentGate.countDown();
            FakeRuntime.silentLogs.remove(proc);
        }
    }

    @Test
    void aClientThatGoesAwayLeavesTheProcessRunning() throws Exception {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        String proc = startCommand(key, sbx, "ticker");
        FakeRuntime.logs.put(proc, new byte[0]);
        FakeRuntime.tickingLogs.add(proc);
        byte[] body = envelope("{\"process\":{\"pid\":4242}}");
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.getOutputStream().write(("POST /v1/sandboxes/" + sbx + "/process.Process/Connect HTTP/1.1\r\n"
                    + "Host: localhost\r\nAuthorization: Bearer " + key + "\r\nContent-Type: " + CONNECT_JSON
                    + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(body);
            InputStream in = socket.getInputStream();
            StringBuilder seen = new StringBuilder();
            String tick = Base64.getEncoder().encodeToString("tick\n".getBytes(StandardCharsets.UTF_8));
            while (!seen.toString().contains(tick)) {
                int b = in.read();
                assertTrue(b >= 0, "the stream ended before any output: " + seen);
                seen.append((char) b);
            }
            assertTrue(seen.toString().startsWith("HTTP/1.1 200"), seen.toString());
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> FakeRuntime.closedFollows.contains(proc));
        assertFalse(FakeRuntime.signals.stream().anyMatch(s -> s.startsWith(proc)), FakeRuntime.signals.toString());
        unary(key, sbx, "List", "{}").then().statusCode(200).body("processes.config.cmd", org.hamcrest.Matchers.hasItem("ticker"));
    }

    @Test
    void unaryCallsDriveStdinAndSignals() {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        String proc = startCommand(key, sbx, "cat");

        unary(key, sbx, "SendInput", "{\"process\":{\"pid\":4242},\"input\":{\"stdin\":\""
                + Base64.getEncoder().encodeToString("hello\n".getBytes(StandardCharsets.UTF_8)) + "\"}}")
                .then().statusCode(200).contentType(startsWith("application/json")).body(equalTo("{}"));
        // URL-safe and unpadded base64 are proto3 JSON too
        unary(key, sbx, "SendInput", "{\"process\":{\"pid\":4242},\"input\":{\"stdin\":\"_-8\"}}").then().statusCode(200);
        byte[] written = FakeRuntime.stdin.get(proc).toByteArray();
        assertEquals("hello\n", new String(written, 0, 6, StandardCharsets.UTF_8));
        assertEquals(List.of((byte) 0xff, (byte) 0xef), List.of(written[6], written[7]));

        unary(key, sbx, "CloseStdin", "{\"process\":{\"pid\":4242}}").then().statusCode(200).body(equalTo("{}"));
        assertTrue(FakeRuntime.closedStdins.contains(proc));
        unary(key, sbx, "SendInput", "{\"process\":{\"pid\":4242},\"input\":{\"stdin\":\"eA==\"}}").then().statusCode(400)
                .body("code", equalTo("failed_precondition")).body("message", containsString("stdin"));

        unary(key, sbx, "SendSignal", "{\"process\":{\"pid\":4242},\"signal\":\"SIGNAL_SIGTERM\"}").then().statusCode(200);
        assertTrue(FakeRuntime.signals.contains(proc + " TERM"), FakeRuntime.signals.toString());
        unary(key, sbx, "List", "{}").then().statusCode(200).body("processes.config.cmd", equalTo(List.of("cat")));
        // SIGKILL is a kill: recorded at once, and the process is gone for envd's clients
        unary(key, sbx, "SendSignal", "{\"process\":{\"pid\":4242},\"signal\":9}").then().statusCode(200);
        assertTrue(FakeRuntime.signals.contains(proc + " KILL"), FakeRuntime.signals.toString());
        unary(key, sbx, "List", "").then().statusCode(200).body(equalTo("{\"processes\":[]}"));
        unary(key, sbx, "SendSignal", "{\"process\":{\"pid\":4242},\"signal\":\"SIGNAL_SIGKILL\"}").then().statusCode(404)
                .body("code", equalTo("not_found"));
    }

    @Test
    void unaryErrorsAreConnectErrorsWithTheirHttpStatus() {
        String key = Api.newTeam();
        String viewer = Api.key(key, "viewer");
        String sbx = Api.sandbox(key);
        String proc = startCommand(key, sbx, "sleep");
        String signal = "{\"process\":{\"pid\":4242},\"signal\":\"SIGNAL_SIGTERM\"}";

        unary(key, sbx, "SendSignal", "{\"process\":").then().statusCode(400).body("code", equalTo("invalid_argument"));
        unary(key, sbx, "SendSignal", "[]").then().statusCode(400).body("code", equalTo("invalid_argument"));
        unary(key, sbx, "SendSignal", "{\"signal\":\"SIGNAL_SIGTERM\"}").then().statusCode(400)
                .body("code", equalTo("invalid_argument")).body("message", containsString("'process'"));
        unary(key, sbx, "SendSignal", "{\"process\":{\"pid\":4242},\"signal\":\"SIGNAL_UNSPECIFIED\"}").then().statusCode(400)
                .body("message", containsString("'signal'"));
        unary(key, sbx, "SendSignal", "{\"process\":{\"pid\":-1},\"signal\":\"SIGNAL_SIGTERM\"}").then().statusCode(400)
                .body("message", containsString("'process.pid'"));
        unary(key, sbx, "SendInput", "{\"process\":{\"pid\":4242},\"input\":{\"stdin\":\"***\"}}").then().statusCode(400)
                .body("message", containsString("'input.stdin' must be base64"));
        unary(key, sbx, "SendInput", "{\"process\":{\"pid\":4242},\"input\":{\"pty\":\"eA==\"}}").then().statusCode(400)
                .body("code", equalTo("failed_precondition"));
        unary(key, sbx, "SendSignal", "{\"process\":{\"pid\":77},\"signal\":\"SIGNAL_SIGTERM\"}").then().statusCode(404)
                .contentType(startsWith("application/json")).body("code", equalTo("not_found"))
                .body("message", containsString("pid 77"));
        unary(key, Api.sandbox(Api.newTeam()), "SendSignal", signal).then().statusCode(404).body("code", equalTo("not_found"));

        post(as(key), sbx, "SendSignal", "text/plain", signal.getBytes(StandardCharsets.UTF_8)).then().statusCode(415)
                .body("code", equalTo("unimplemented"));
        post(as(key).header("Content-Encoding", "br"), sbx, "SendSignal", "application/json",
                signal.getBytes(StandardCharsets.UTF_8)).then().statusCode(501).body("code", equalTo("unimplemented"));

        unary(viewer, sbx, "SendSignal", signal).then().statusCode(403).body("code", equalTo("permission_denied"))
                .body("message", containsString("developer role"));
        unary(viewer, sbx, "List", "{}").then().statusCode(200);
        post(RestAssured.given(), sbx, "List", "application/json", "{}".getBytes(StandardCharsets.UTF_8)).then()
                .statusCode(401).contentType(startsWith("application/json")).body("code", equalTo("unauthenticated"));
        // none of the refused calls reached the sandbox
        assertFalse(FakeRuntime.signals.stream().anyMatch(s -> s.startsWith(proc)), FakeRuntime.signals.toString());
        assertFalse(FakeRuntime.stdin.containsKey(proc));
    }

    @Test
    void aSandboxAccessTokenWorksOnItsOwnSandboxOnly() {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        var created = as(key).body("{}").post("/v1/sandboxes").then().statusCode(201).extract();
        String token = created.path("access_token");
        String tokenSandbox = created.path("id");
        startCommand(key, tokenSandbox, "served");

        RequestSpecification withToken = RestAssured.given().header("X-Access-Token", token);
        post(withToken, tokenSandbox, "List", "application/json", "{}".getBytes(StandardCharsets.UTF_8)).then()
                .statusCode(200).body("processes.config.cmd", equalTo(List.of("served")));
        post(RestAssured.given().header("X-Access-Token", token), sbx, "List", "application/json",
                "{}".getBytes(StandardCharsets.UTF_8)).then().statusCode(404).body("code", equalTo("not_found"));
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /** A background command through the runtime API; returns its process id. */
    private static String startCommand(String key, String sbx, String cmd) {
        return as(key).body(Map.of("cmd", cmd, "args", List.of())).post("/v1/sandboxes/" + sbx + "/commands")
                .then().statusCode(201).extract().path("process_id");
    }

    private static JsonNode spec(String program) {
        return FakeRuntime.processSpecs.stream().filter(s -> s.path("command").path(0).asText().equals(program))
                .reduce((first, second) -> second).orElseThrow();
    }

    static byte[] envelope(String json) {
        byte[] message = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(5 + message.length).put((byte) 0).putInt(message.length).put(message).array();
    }

    private static Response stream(String key, String sbx, String method, byte[] body) {
        return stream(key, sbx, method, body, Map.of());
    }

    private static Response stream(String key, String sbx, String method, byte[] body, Map<String, String> headers) {
        return post(RestAssured.given().header("Authorization", "Bearer " + key).header("Accept", CONNECT_JSON)
                .headers(headers), sbx, method, CONNECT_JSON, body);
    }

    private static Response unary(String key, String sbx, String method, String body) {
        return post(RestAssured.given().header("Authorization", "Bearer " + key), sbx, method, "application/json",
                body.getBytes(StandardCharsets.UTF_8));
    }

    private static Response post(RequestSpecification request, String sbx, String method, String contentType, byte[] body) {
        return request.contentType(contentType).body(body).post("/v1/sandboxes/" + sbx + "/process.Process/" + method);
    }

    /** A streaming answer that is only an end-of-stream message carrying this error. */
    private static void assertEndError(Response response, String code, String inMessage) throws IOException {
        assertEquals(200, response.statusCode(), response.asString());
        assertTrue(response.contentType().startsWith(CONNECT_JSON), response.contentType());
        List<Frame> frames = frames(response.asByteArray());
        assertEquals(1, frames.size(), frames.toString());
        assertEquals(2, frames.getFirst().flags());
        JsonNode error = frames.getFirst().json().path("error");
        assertEquals(code, error.path("code").asText(), error.toString());
        assertTrue(error.path("message").asText().contains(inMessage), error.toString());
    }

    /** Every frame of a whole body; fails on a truncated one. */
    static List<Frame> frames(byte[] body) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(body));
        List<Frame> frames = new ArrayList<>();
        while (in.available() > 0) {
            try {
                frames.add(read(in));
            } catch (EOFException e) {
                throw new AssertionError("a truncated frame in: " + java.util.HexFormat.of().formatHex(body), e);
            }
        }
        return frames;
    }

    static Frame read(DataInputStream in) throws IOException {
        int flags = in.read();
        if (flags < 0) {
            throw new EOFException("the stream ended without an end-of-stream message");
        }
        byte[] message = new byte[in.readInt()];
        in.readFully(message);
        JsonNode json = JSON.readTree(message);
        assertTrue(json != null && json.isObject(), "frame " + flags + " holds no JSON object: "
                + new String(message, StandardCharsets.UTF_8));
        return new Frame(flags, json);
    }

    private static String stdout(Frame frame) {
        String data = frame.json().at("/event/data/stdout").asText(null);
        assertTrue(data != null, frame.toString());
        return new String(Base64.getDecoder().decode(data), StandardCharsets.UTF_8);
    }
}
