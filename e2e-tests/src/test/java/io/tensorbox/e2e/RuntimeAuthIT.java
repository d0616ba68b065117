package io.tensorbox.e2e;

import static io.tensorbox.e2e.RuntimeApi.body;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.tensorbox.e2e.RuntimeApi.TokenSandbox;

/**
 * SPEC §2 and §5: who may use the runtime routes. Every route against every credential (no
 * credentials, a viewer key, a developer key, the sandbox's own access token, another sandbox's
 * token, another team's key), an access token outside the runtime routes, a stopped sandbox, and
 * bodies that name the field they got wrong. A refused call changes nothing.
 */
@TensorBoxTest
class RuntimeAuthIT {
    private static final Duration FIRST_MESSAGE = Duration.ofSeconds(20);

    /** Every route of §5 (the Connect RPC routes aside). */
    enum Route {
        RUN, RUN_SSE, START, LIST(true), STDIN, SIGNAL, STREAM_SSE(true), STREAM_WS(true), TERMINAL, KILL;

        final boolean read;

        Route() {
            this(false);
        }

        Route(boolean read) {
            this.read = read;
        }

        /** What an allowed call answers (a WebSocket that opens and speaks counts as 200). */
        int success() {
            return switch (this) {
                case START -> 201;
                case STDIN, SIGNAL, KILL -> 204;
                default -> 200;
            };
        }
    }

    /**
     * A sandbox to call, with processes for the routes that need one: {@code cat} (stdin), {@code sleep}
     * (signal, kill) and one that ended (streams), all started through the Processes API.
     */
    record Fixture(TokenSandbox sandbox, String catId, String sleepId, String endedId) {
        static Fixture create() {
            TokenSandbox sandbox = RuntimeApi.newSandboxWithToken(Api.developer());
            String cat = Api.startProcess(sandbox.id(), "cat").getString("id");
            String sleep = Api.startProcess(sandbox.id(), "sleep", "100000").getString("id");
            String ended = Api.runToCompletion(sandbox.id(), "echo done").getString("id");
            Api.awaitLogs(sandbox.id(), ended, "done\n".getBytes(StandardCharsets.UTF_8));
            return new Fixture(sandbox, cat, sleep, ended);
        }

        int processCount() {
            return Api.processes(Api.viewer(), sandbox.id()).size();
        }

        String catLog() {
            return new String(Api.logs(sandbox.id(), catId), StandardCharsets.UTF_8);
        }
    }

    private static Fixture shared;
    private static TokenSandbox other;
    private static String otherTeamKey;

    private static synchronized Fixture shared() {
        if (shared == null) {
            shared = Fixture.create();
        }
        return shared;
    }

    /** A second sandbox of the same team, whose token must open nothing of the first. */
    private static synchronized TokenSandbox other() {
        if (other == null) {
            other = RuntimeApi.newSandboxWithToken(Api.developer());
        }
        return other;
    }

    private static synchronized String otherTeamKey() {
        if (otherTeamKey == null) {
            otherTeamKey = Api.as(Api.admin()).contentType(ContentType.JSON).body(Map.of("name", RuntimeApi.fresh("runtime-auth")))
                    .post("/v1/teams").then().statusCode(201).extract().jsonPath().getString("admin_key");
        }
        return otherTeamKey;
    }

    /** Calls a route as {@code headers} say and answers its status (for a WebSocket, what it amounts to). */
    private static int call(Route route, Fixture f, Map<String, String> headers, String who) {
        String sbx = f.sandbox().id();
        String base = "/v1/sandboxes/" + sbx;
        return switch (route) {
            case RUN -> {
                Response r = RuntimeApi.with(headers).contentType(ContentType.JSON).accept(ContentType.JSON)
                        .body(body("cmd", "echo ok")).post(base + "/run");
                if (r.statusCode() == 200) {
                    assertEquals("ok\n", r.jsonPath().getString("stdout"), () -> who + " ran echo: " + r.asString());
                }
                yield status(r);
            }
            case RUN_SSE -> {
                try (SseClient sse = SseClient.post(base + "/run", headers, body("cmd", "echo ok"))) {
                    if (sse.status() == 200) {
                        List<SseClient.Event> events = sse.rest(FIRST_MESSAGE);
                        assertTrue(!events.isEmpty() && events.getLast().name().equals("exit"), () -> who + " got " + events);
                    }
                    yield sse.status();
                }
            }
            case START -> status(RuntimeApi.with(headers).contentType(ContentType.JSON)
                    .body(body("cmd", "sleep", "args", List.of("1000"))).post(base + "/commands"));
            case LIST -> status(RuntimeApi.with(headers).get(base + "/commands"));
            case STDIN -> status(RuntimeApi.with(headers).contentType(ContentType.JSON)
                    .body(Map.of("data", "from " + who + "\n")).post(base + "/commands/" + f.catId() + "/stdin"));
            case SIGNAL -> status(RuntimeApi.with(headers).contentType(ContentType.JSON)
                    .body(Map.of("signal", "SIGCONT")).post(base + "/commands/" + f.sleepId() + "/signal"));
            case KILL -> status(RuntimeApi.with(headers).delete(base + "/commands/" + f.sleepId()));
            case STREAM_SSE -> {
                try (SseClient sse = SseClient.get(RuntimeApi.streamPath(sbx, f.endedId(), "0"), headers)) {
                    if (sse.status() == 200) {
                        List<SseClient.Event> events = sse.rest(FIRST_MESSAGE);
                        assertTrue(!events.isEmpty() && events.getLast().name().equals("exit"), () -> who + " got " + events);
                    }
                    yield sse.status();
                }
            }
            case STREAM_WS -> socket(RuntimeApi.streamPath(sbx, f.endedId(), "0"), headers);
            case TERMINAL -> socket(base + "/terminal?cols=80&rows=24", headers);
        };
    }

    private static int status(Response r) {
        if (r.statusCode() >= 400) {
            Api.assertJsonError(r, r.statusCode());
        }
        return r.statusCode();
    }

    /**
     * A WebSocket's answer as a status: the HTTP status of a refused upgrade; once open, the first
     * message tells: a JSON error maps back to its status by its code, anything else is 200.
     */
    static int socket(String pathAndQuery, Map<String, String> headers) {
        try (WsClient ws = WsClient.open(pathAndQuery, headers)) {
            if (!ws.connected()) {
                return ws.handshakeStatus();
            }
            WsClient.Message first = ws.next(FIRST_MESSAGE);
            if (first instanceof WsClient.Text text) {
                JsonNode json = text.json();
                if (json.has("error")) {
                    return statusOf(json.path("error").path("code").asText());
                }
                return 200;
            }
            if (first instanceof WsClient.Binary) {
                return 200;
            }
            throw new AssertionError(pathAndQuery + " opened and then sent " + first + " without a message");
        }
    }

    static int statusOf(String code) {
        if (code.equals("unauthorized")) {
            return 401;
        }
        if (code.equals("forbidden")) {
            return 403;
        }
        if (code.endsWith("_not_found")) {
            return 404;
        }
        if (code.equals("sandbox_not_running") || code.equals("process_not_running")) {
            return 409;
        }
        if (code.startsWith("invalid")) {
            return 400;
        }
        if (code.equals("runtime_unavailable")) {
            return 503;
        }
        throw new AssertionError("an error code of unknown meaning: " + code);
    }

    /** Runs every route as {@code headers}; returns a line per route whose answer is not the expected one. */
    private static List<String> matrix(Fixture f, Map<String, String> headers, String who, Map<Route, Integer> expected) {
        List<String> wrong = new ArrayList<>();
        for (Route route : Route.values()) {
            int want = expected.get(route);
            int got;
            try {
                got = call(route, f, headers, who);
            } catch (AssertionError | RuntimeException e) {
                wrong.add(who + " " + route + ": expected " + want + " but failed: " + e.getMessage());
                continue;
            }
            if (got != want) {
                wrong.add(who + " " + route + ": expected " + want + " but got " + got);
            }
        }
        return wrong;
    }

    private static Map<Route, Integer> every(int status) {
        Map<Route, Integer> m = new EnumMap<>(Route.class);
        for (Route r : Route.values()) {
            m.put(r, status);
        }
        return m;
    }

    private static Map<Route, Integer> allowed() {
        Map<Route, Integer> m = new EnumMap<>(Route.class);
        for (Route r : Route.values()) {
            m.put(r, r.success());
        }
        return m;
    }

    private static void assertUnchanged(Fixture f, int processes) {
        assertEquals(processes, f.processCount(), "a refused call started a process");
        assertEquals("", f.catLog(), "a refused call wrote to stdin");
        assertEquals("running", Api.process(f.sandbox().id(), f.sleepId()).getString("state"), "a refused call killed a process");
        assertEquals("running", Api.sandbox(Api.viewer(), f.sandbox().id()).getString("state"));
    }

    @Test
    void withoutUsableCredentialsEveryRouteIsUnauthorized() {
        Fixture f = shared();
        int before = f.processCount();
        List<String> wrong = new ArrayList<>();
        wrong.addAll(matrix(f, Map.of(), "no credentials", every(401)));
        wrong.addAll(matrix(f, RuntimeApi.accessToken("sat_" + "0".repeat(48)), "an unknown access token", every(401)));
        wrong.addAll(matrix(f, RuntimeApi.accessToken("not-a-token"), "a malformed access token", every(401)));
        wrong.addAll(matrix(f, Map.of("Authorization", "Bearer ask_nope_nope"), "an unknown key", every(401)));
        assertEquals(List.of(), wrong);
        assertUnchanged(f, before);
    }

    @Test
    void aViewerReadsAndFollowsButChangesNothing() {
        Fixture f = shared();
        int before = f.processCount();
        Map<Route, Integer> expected = every(403);
        for (Route r : Route.values()) {
            if (r.read) {
                expected.put(r, 200);
            }
        }
        assertEquals(List.of(), matrix(f, RuntimeApi.bearer(Api.viewer()), "viewer", expected));
        assertUnchanged(f, before);
    }

    @Test
    void anotherTeamAndAnotherSandboxesTokenFindNothing() {
        Fixture f = shared();
        int before = f.processCount();
        List<String> wrong = new ArrayList<>();
        wrong.addAll(matrix(f, RuntimeApi.bearer(otherTeamKey()), "another team's admin", every(404)));
        wrong.addAll(matrix(f, RuntimeApi.accessToken(other().accessToken()), "another sandbox's token", every(404)));
        assertEquals(List.of(), wrong);
        assertUnchanged(f, before);
    }

    @Test
    void theDeveloperKeyMayUseEveryRoute() {
        Fixture f = Fixture.create();
        assertEquals(List.of(), matrix(f, RuntimeApi.bearer(Api.developer()), "developer", allowed()));
        assertEffects(f, "developer");
    }

    @Test
    void theSandboxesOwnAccessTokenMayUseEveryRoute() {
        Fixture f = Fixture.create();
        assertEquals(List.of(), matrix(f, RuntimeApi.accessToken(f.sandbox().accessToken()), "token", allowed()));
        assertEffects(f, "token");
    }

    /** The allowed calls did what they say: stdin reached cat, the kill ended sleep, a command started. */
    private static void assertEffects(Fixture f, String who) {
        String expected = "from " + who + "\n";
        org.awaitility.Awaitility.await("stdin of " + who + " in cat's log").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100)).until(f::catLog, expected::equals);
        assertEquals("killed", Api.awaitEnded(f.sandbox().id(), f.sleepId(), Duration.ofSeconds(10)).getString("state"));
        assertTrue(Api.processes(Api.viewer(), f.sandbox().id()).stream()
                .anyMatch(p -> List.of("sleep", "1000").equals(p.get("command"))), "the started command is a process");
    }

    @Test
    void anAccessTokenOpensNothingOutsideTheRuntimeRoutes() {
        TokenSandbox s = RuntimeApi.newSandboxWithToken(Api.developer());
        Map<String, String> token = RuntimeApi.accessToken(s.accessToken());
        Map<String, Response> calls = new LinkedHashMap<>();
        calls.put("GET /v1/sandboxes", RuntimeApi.with(token).get("/v1/sandboxes"));
        calls.put("GET /v1/sandboxes/{own}", RuntimeApi.with(token).get("/v1/sandboxes/" + s.id()));
        calls.put("POST /v1/sandboxes", RuntimeApi.with(token).contentType(ContentType.JSON).body(Map.of()).post("/v1/sandboxes"));
        calls.put("DELETE /v1/sandboxes/{own}", RuntimeApi.with(token).delete("/v1/sandboxes/" + s.id()));
        calls.put("POST /v1/sandboxes/{own}/timeout", RuntimeApi.with(token).contentType(ContentType.JSON)
                .body(Map.of("timeout_seconds", 60)).post("/v1/sandboxes/" + s.id() + "/timeout"));
        calls.put("GET /v1/api-keys", RuntimeApi.with(token).get("/v1/api-keys"));
        calls.put("POST /v1/api-keys", RuntimeApi.with(token).contentType(ContentType.JSON)
                .body(Map.of("name", "escalate", "role", "admin")).post("/v1/api-keys"));
        calls.put("POST /v1/teams", RuntimeApi.with(token).contentType(ContentType.JSON).body(Map.of("name", "x")).post("/v1/teams"));
        List<String> wrong = new ArrayList<>();
        calls.forEach((what, r) -> {
            try {
                Api.assertJsonError(r, 403);
            } catch (AssertionError e) {
                wrong.add(what + ": " + e.getMessage());
            }
        });
        assertEquals(List.of(), wrong);
        assertEquals("running", Api.sandbox(Api.viewer(), s.id()).getString("state"), "the refused DELETE changed nothing");
    }

    @Test
    void aStoppedSandboxIsAConflict() {
        String sandbox = Api.newSandbox();
        Api.deleteSandbox(Api.developer(), sandbox);
        Api.awaitSandboxState(Api.developer(), sandbox, "stopped", Duration.ofSeconds(60));
        Map<String, String> developer = RuntimeApi.bearer(Api.developer());
        List<String> wrong = new ArrayList<>();
        Response run = RuntimeApi.run(Api.developer(), sandbox, body("cmd", "true"));
        check(wrong, "POST /run", () -> assertEquals("sandbox_not_running", Api.assertJsonError(run, 409)));
        try (SseClient sse = SseClient.post("/v1/sandboxes/" + sandbox + "/run", developer, body("cmd", "true"))) {
            check(wrong, "POST /run as SSE", () -> assertEquals(409, sse.status(), sse::errorBody));
        }
        Response start = RuntimeApi.startCommand(Api.developer(), sandbox, body("cmd", "true"));
        check(wrong, "POST /commands", () -> assertEquals("sandbox_not_running", Api.assertJsonError(start, 409)));
        int terminal = socket("/v1/sandboxes/" + sandbox + "/terminal", developer);
        check(wrong, "terminal", () -> assertEquals(409, terminal));
        assertEquals(List.of(), wrong);
        assertEquals(0, Api.processes(Api.viewer(), sandbox).size(), "nothing started");
    }

    private static void check(List<String> wrong, String what, Runnable assertion) {
        try {
            assertion.run();
        } catch (AssertionError e) {
            wrong.add(what + ": " + e.getMessage());
        }
    }

    @Test
    void malformedBodiesAreBadRequestsThatNameTheField() {
        Fixture f = shared();
        String sbx = f.sandbox().id();
        int before = f.processCount();
        // body → the word the message must contain
        Map<String, String> commands = new LinkedHashMap<>();
        commands.put("{}", "cmd");
        commands.put("{\"cmd\":\"\"}", "cmd");
        commands.put("{\"cmd\":5}", "cmd");
        commands.put("{\"cmd\":[\"echo\"]}", "cmd");
        commands.put("{\"cmd\":\"echo\",\"args\":[1]}", "args");
        commands.put("{\"cmd\":\"echo\",\"args\":\"x\"}", "args");
        commands.put("{\"cmd\":\"echo\",\"args\":[null]}", "args");
        commands.put("{\"cmd\":\"true\",\"env\":{\"1BAD\":\"x\"}}", "env");
        commands.put("{\"cmd\":\"true\",\"env\":{\"A-B\":\"x\"}}", "env");
        commands.put("{\"cmd\":\"true\",\"env\":{\"K\":1}}", "env");
        commands.put("{\"cmd\":\"true\",\"env\":[\"K=v\"]}", "env");
        commands.put("{\"cmd\":\"true\",\"timeoutMs\":-1}", "timeoutMs");
        commands.put("{\"cmd\":\"true\",\"timeoutMs\":\"5\"}", "timeoutMs");
        commands.put("{\"cmd\":\"true\",\"timeoutMs\":1.5}", "timeoutMs");
        commands.put("{\"cmd\":\"true\",\"cwd\":5}", "cwd");
        commands.put("{\"cmd\":\"true\",\"stdin\":5}", "stdin");
        commands.put("{\"cmd\":\"true\",\"user\":\"Bad User\"}", "user");
        commands.put("{\"cmd\":\"true\"", "");
        commands.put("not json", "");
        commands.put("", "cmd");
        List<String> wrong = new ArrayList<>();
        for (String path : List.of("/run", "/commands")) {
            commands.forEach((body, field) -> expectBadRequest(wrong, "POST " + path + " " + body, field,
                    Api.as(Api.developer()).contentType(ContentType.JSON).body(body).post("/v1/sandboxes/" + sbx + path)));
        }
        Map<String, String> signals = new LinkedHashMap<>();
        signals.put("{}", "signal");
        signals.put("{\"signal\":\"SIGFOO\"}", "signal");
        signals.put("{\"signal\":9}", "signal");
        signals.put("", "signal");
        signals.forEach((body, field) -> expectBadRequest(wrong, "POST signal " + body, field,
                Api.as(Api.developer()).contentType(ContentType.JSON).body(body)
                        .post("/v1/sandboxes/" + sbx + "/commands/" + f.sleepId() + "/signal")));
        Map<String, String> stdin = new LinkedHashMap<>();
        stdin.put("", "data");
        stdin.put("{}", "data");
        stdin.put("{\"data\":5}", "data");
        stdin.put("{\"eof\":\"yes\"}", "eof");
        stdin.forEach((body, field) -> expectBadRequest(wrong, "POST stdin " + body, field,
                Api.as(Api.developer()).contentType(ContentType.JSON).body(body)
                        .post("/v1/sandboxes/" + sbx + "/commands/" + f.catId() + "/stdin")));
        assertEquals(List.of(), wrong);
        assertUnchanged(f, before);
    }

    private static void expectBadRequest(List<String> wrong, String what, String field, Response r) {
        try {
            Api.assertJsonError(r, 400);
            String message = r.jsonPath().getString("error.message");
            assertTrue(message.contains(field), () -> "the message does not name '" + field + "': " + message);
        } catch (AssertionError e) {
            wrong.add(what + ": " + e.getMessage());
        }
    }
}
