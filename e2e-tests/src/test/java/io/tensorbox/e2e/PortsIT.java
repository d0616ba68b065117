package io.tensorbox.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.tensorbox.e2e.RuntimeApi.Started;

/**
 * SPEC §6 through the public API and the preview host: a dev server that binds 0.0.0.0 is found
 * without calling expose and served at {@code {port}-{sandbox}.localhost}, one bound to 127.0.0.1
 * gets the 502 that says so, the event stream shows {@code port.opened} and, after a kill,
 * {@code process.exited} and {@code port.closed}; private by default, public on request, a signed
 * link's cookie until it is revoked.
 */
@TensorBoxTest
class PortsIT {
    private static final Duration DISCOVERY = Duration.ofSeconds(5);
    private static final Duration EVENT = Duration.ofSeconds(15);

    /** A sandbox with its access token. */
    private record Box(String id, String token) {
        String host(int port) {
            return port + "-" + id.replace('_', '-') + ".localhost";
        }
    }

    private static Box newBox() {
        JsonPath created = Api.createSandbox(Api.developer(), Map.of());
        String id = created.getString("id");
        if (!"running".equals(created.getString("state"))) {
            Api.awaitSandboxState(Api.developer(), id, "running", Duration.ofSeconds(30));
        }
        Assumptions.assumeTrue(RuntimeApi.hasPython(id), "no python3 on this runtime");
        return new Box(id, created.getString("access_token"));
    }

    /** A request to the preview host of {@code port} (log-service, Host-routed). */
    private static RequestSpecification preview(Box box, int port) {
        return given().baseUri(Api.cluster().previewUrl()).header("Host", box.host(port)).redirects().follow(false);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Started serve(Box box, int port, String bind) {
        Api.runToCompletion(box.id(), "mkdir -p site-" + port + " && echo hello from " + port + " > site-" + port + "/page.txt");
        return RuntimeApi.start(box.id(), RuntimeApi.body("cmd", "python3 -m http.server " + port + " --bind " + bind
                + " --directory site-" + port));
    }

    private static JsonPath portEntry(Box box, int port) {
        List<Map<String, Object>> ports = Api.as(Api.viewer()).get("/v1/sandboxes/{id}/ports", box.id())
                .then().statusCode(200).extract().jsonPath().getList("ports");
        return ports.stream().filter(p -> ((Number) p.get("port")).intValue() == port).findFirst()
                .map(p -> new JsonPath(toJson(p))).orElse(null);
    }

    private static String toJson(Map<String, Object> map) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(map);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aServerOnAllAddressesIsFoundServedAndClosedWithItsEvents() throws IOException {
        Box box = newBox();
        int port = freePort();
        try (SseClient events = SseClient.get("/v1/sandboxes/" + box.id() + "/events", RuntimeApi.bearer(Api.viewer()))) {
            events.assertStreaming();
            Started server = serve(box, port, "0.0.0.0");

            await("the port in /ports without an expose").atMost(DISCOVERY).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        JsonPath p = portEntry(box, port);
                        return p != null && p.getBoolean("reachable");
                    });
            JsonPath entry = portEntry(box, port);
            assertFalse(entry.getBoolean("exposed"), "found, not exposed");
            assertTrue(entry.getString("url").contains(box.host(port)), entry::prettify);

            preview(box, port).header("X-Access-Token", box.token()).get("/page.txt")
                    .then().statusCode(200).body(org.hamcrest.Matchers.equalTo("hello from " + port + "\n"));
            preview(box, port).get("/page.txt").then().statusCode(401);

            SseClient.Event opened = nextOf(events, "port.opened");
            assertEquals(port, opened.json().path("port").asInt(), opened::toString);

            RuntimeApi.kill(Api.developer(), box.id(), server.pid()).then().statusCode(204);
            SseClient.Event exited = nextOf(events, "process.exited");
            assertEquals(server.processId(), exited.json().path("id").asText(), exited::toString);
            SseClient.Event closed = nextOf(events, "port.closed");
            assertEquals(port, closed.json().path("port").asInt(), closed::toString);
        }
        await("the port gone from /ports").atMost(DISCOVERY).until(() -> portEntry(box, port) == null);
        Response gone = preview(box, port).header("X-Access-Token", box.token()).get("/page.txt");
        assertEquals(502, gone.statusCode(), gone::asString);
        assertTrue(gone.asString().contains("Nothing is listening"), gone::asString);
    }

    @Test
    void aServerOnTheLoopbackOnlyIsListedUnreachableAndAnswers502SayingSo() throws IOException {
        Box box = newBox();
        int port = freePort();
        Started server = serve(box, port, "127.0.0.1");
        await("the loopback port in /ports").atMost(DISCOVERY).pollInterval(Duration.ofMillis(100))
                .until(() -> portEntry(box, port) != null);
        JsonPath entry = portEntry(box, port);
        assertFalse(entry.getBoolean("reachable"), entry::prettify);
        assertTrue(entry.getString("reason").contains("127.0.0.1"), entry::prettify);
        Response r = preview(box, port).header("X-Access-Token", box.token()).get("/page.txt");
        assertEquals(502, r.statusCode(), r::asString);
        assertTrue(r.asString().contains("127.0.0.1"), r::asString);
        RuntimeApi.kill(Api.developer(), box.id(), server.pid()).then().statusCode(204);
    }

    @Test
    void publicPortsNeedNoCredentialsAndLinksOpenOnePortUntilRevoked() throws IOException {
        Box box = newBox();
        int port = freePort();
        int other = freePort();
        Started first = serve(box, port, "0.0.0.0");
        Started second = serve(box, other, "0.0.0.0");
        await().atMost(DISCOVERY).until(() -> portEntry(box, port) != null && portEntry(box, other) != null);

        // a signed link: the cookie opens that port only
        JsonPath link = Api.as(Api.developer()).contentType(ContentType.JSON).body(Map.of("ttl_seconds", 600))
                .post("/v1/sandboxes/{id}/ports/{port}/links", box.id(), port).then().statusCode(201).extract().jsonPath();
        String path = link.getString("url").replaceFirst("^https?://[^/]+", "");
        Response opened = preview(box, port).get(path);
        assertEquals(302, opened.statusCode(), opened::asString);
        String cookie = opened.getCookie("tbx_preview");
        assertTrue(cookie != null && !cookie.isEmpty(), () -> "no cookie: " + opened.getHeaders());
        preview(box, port).cookie("tbx_preview", cookie).get("/page.txt").then().statusCode(200);
        assertEquals(403, preview(box, other).cookie("tbx_preview", cookie).get("/page.txt").statusCode(),
                "a cookie for one port does not open another");
        Api.as(Api.developer()).delete("/v1/sandboxes/{id}/ports/{port}/links/{link}", box.id(), port, link.getString("id"))
                .then().statusCode(204);
        await("revoked").atMost(Duration.ofSeconds(3))
                .until(() -> preview(box, port).cookie("tbx_preview", cookie).get("/page.txt").statusCode() == 403);

        // public: no credentials at all
        Api.as(Api.developer()).contentType(ContentType.JSON).body(Map.of("port", other, "public", true))
                .post("/v1/sandboxes/{id}/expose", box.id()).then().statusCode(200);
        preview(box, other).get("/page.txt").then().statusCode(200);

        RuntimeApi.kill(Api.developer(), box.id(), first.pid()).then().statusCode(204);
        RuntimeApi.kill(Api.developer(), box.id(), second.pid()).then().statusCode(204);
    }

    @Test
    void anExposedPortWithNothingListeningIsListedAndAnswers502() throws IOException {
        Box box = newBox();
        int port = freePort();
        Api.as(Api.developer()).contentType(ContentType.JSON).body(Map.of("port", port))
                .post("/v1/sandboxes/{id}/expose", box.id()).then().statusCode(200);
        JsonPath entry = portEntry(box, port);
        assertTrue(entry.getBoolean("exposed"), entry::prettify);
        assertFalse(entry.getBoolean("reachable"), entry::prettify);
        Response r = preview(box, port).header("X-Access-Token", box.token()).get("/");
        assertEquals(502, r.statusCode(), r::asString);
        preview(new Box("sbx_000000000000000000000000", "x"), port).header("X-Access-Token", "x").get("/")
                .then().statusCode(404);
    }

    /** The next event of that type, skipping others (sandbox.state and the like). */
    private static SseClient.Event nextOf(SseClient sse, String type) {
        for (int i = 0; i < 20; i++) {
            SseClient.Event e = sse.next(EVENT);
            if (e.name().equals(type)) {
                return e;
            }
        }
        throw new AssertionError("no " + type + " within 20 events");
    }
}
