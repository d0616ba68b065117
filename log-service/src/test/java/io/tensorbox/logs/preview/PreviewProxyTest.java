package io.tensorbox.logs.preview;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tensorbox.logs.logs.FakeScheduler;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The preview proxy end to end inside log-service: a fake api-service decides access (contract 3),
 * the fake scheduler gives the address (contract 2), and real HTTP servers on the loopback are the
 * sandbox's apps.
 */
@QuarkusTest
// FakeScheduler is a resource of every test class (ProcessLogsTest declares it for all)
@QuarkusTestResource(value = FakeApi.class, restrictToAnnotatedClass = true)
class PreviewProxyTest {

    private static Vertx vertx;
    private static HttpClient client;
    private static Vertx appVertx;
    private static Backend app;
    private static Backend other;

    @TestHTTPResource("/")
    URL root;

    @Inject
    PreviewRoutes routes;

    @BeforeAll
    static void apps() {
        vertx = Vertx.vertx();
        client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
        appVertx = Vertx.vertx();
        app = new Backend(appVertx, "A");
        other = new Backend(vertx, "B");
    }

    @AfterAll
    static void stop() {
        vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
        appVertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    record Answer(int status, MultiMap headers, String body) {
        JsonObject json() {
            return new JsonObject(body);
        }
    }

    /** A running sandbox with its token, app A's port listening on 0.0.0.0. */
    private static String sandbox() {
        return sandbox("sbx_" + String.format("%024x", new Random().nextLong() & Long.MAX_VALUE));
    }

    private static String sandbox(String id) {
        FakeApi.Sandbox sandbox = new FakeApi.Sandbox();
        sandbox.token = "sat_" + id.substring(4);
        sandbox.listening.put(app.port, "any");
        sandbox.listening.put(other.port, "any");
        FakeApi.SANDBOXES.put(id, sandbox);
        FakeScheduler.ADDRESSES.put(id, "127.0.0.1");
        return id;
    }

    private static String token(String id) {
        return FakeApi.SANDBOXES.get(id).token;
    }

    private static String host(int port, String id) {
        return port + "-" + id.replace('_', '-') + ".localhost";
    }

    private int proxyPort() {
        return root.getPort();
    }

    private RequestOptions options(int serverPort, String host, HttpMethod method, String uri) {
        return new RequestOptions().setServer(SocketAddress.inetSocketAddress(serverPort, "127.0.0.1"))
                .setHost(host).setPort(serverPort).setMethod(method).setURI(uri);
    }

    private Answer call(String host, HttpMethod method, String uri, Map<String, String> headers, String body) {
        return call(proxyPort(), host, method, uri, headers, body);
    }

    private static Answer call(int serverPort, String host, HttpMethod method, String uri, Map<String, String> headers, String body) {
        RequestOptions options = new RequestOptions().setServer(SocketAddress.inetSocketAddress(serverPort, "127.0.0.1"))
                .setHost(host).setPort(serverPort).setMethod(method).setURI(uri);
        headers.forEach(options::addHeader);
        return join(client.request(options)
                .compose(request -> body == null ? request.send() : request.send(body))
                .compose(response -> response.body().map(b -> new Answer(response.statusCode(), response.headers(), b.toString()))));
    }

    private static <T> T join(Future<T> future) {
        return future.toCompletionStage().toCompletableFuture().orTimeout(60, TimeUnit.SECONDS).join();
    }

    /**
     * {@code 49983-{sandbox}.{domain}} (E2B's envd host, with the id as E2B's SDKs keep it) goes to
     * api-service's envd routes with the sandbox in {@code E2b-Sandbox-Id}, the token kept for
     * api-service to check; a header the client sent naming another sandbox is replaced, and paths that
     * are not envd's go nowhere.
     */
    @Test
    void theEnvdHostReachesApiServiceWithTheSandboxInTheHeader() {
        String id = sandbox();
        String host = "49983-" + id + ".localhost";
        Answer health = call(host, HttpMethod.GET, "/health", Map.of("X-Access-Token", token(id),
                "E2b-Sandbox-Id", "sbx_000000000000000000000000"), null);
        assertEquals(200, health.status(), health.body());
        assertEquals(id, health.json().getString("sandbox"));
        assertEquals(token(id), health.json().getString("token"));
        assertEquals("/health", health.json().getString("path"));

        Answer start = call(host, HttpMethod.POST, "/process.Process/Start", Map.of("Content-Type", "application/connect+json"), "{}");
        assertEquals(200, start.status(), start.body());
        assertEquals("/process.Process/Start", start.json().getString("path"));
        assertEquals("{}", start.json().getString("body"));

        Answer other = call(host, HttpMethod.GET, "/v1/api-keys", Map.of("Accept", "application/json"), null);
        assertEquals(404, other.status(), other.body());
    }

    @Test
    void everyMethodWithItsHeadersAndBodyReachesTheAppWithHostAndForwardedHeaders() {
        String id = sandbox();
        String host = host(app.port, id);
        for (HttpMethod method : List.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.PATCH)) {
            String body = method == HttpMethod.GET ? null : "body of " + method;
            Answer answer = call(host, method, "/echo/path?q=1&r=two", Map.of(
                    "X-Access-Token", token(id),
                    "X-Custom", "custom-" + method,
                    "Cookie", "app=1; tbx_preview=whatever; other=2"), body);

            assertEquals(200, answer.status(), answer.body());
            JsonObject echo = answer.json();
            JsonObject headers = echo.getJsonObject("headers");
            assertEquals(method.name(), echo.getString("method"));
            assertEquals("/echo/path?q=1&r=two", echo.getString("uri"));
            assertEquals(body == null ? "" : body, echo.getString("body"));
            assertEquals("custom-" + method, headers.getJsonArray("x-custom").getString(0));
            assertEquals(host + ":" + proxyPort(), headers.getJsonArray("host").getString(0));
            assertEquals(List.of(host + ":" + proxyPort()), headers.getJsonArray("x-forwarded-host").getList());
            assertEquals(List.of("127.0.0.1"), headers.getJsonArray("x-forwarded-for").getList());
            assertEquals(List.of("http"), headers.getJsonArray("x-forwarded-proto").getList());
            assertNull(headers.getJsonArray("x-access-token"), "the access token is stripped");
            assertEquals(List.of("app=1; other=2"), headers.getJsonArray("cookie").getList(), "only the preview cookie is stripped");
            assertEquals("A", answer.headers().get("X-App"));
        }
    }

    @Test
    void anUploadOfOneHundredMebibytesIsStreamedToTheApp() {
        String id = sandbox();
        long total = 100L * 1024 * 1024;
        AtomicLong written = new AtomicLong();
        app.uploadFirstByte = new CompletableFuture<>();
        app.uploadWritten = written::get;
        byte[] chunk = new byte[64 * 1024];
        new Random(7).nextBytes(chunk);
        HttpClientRequest request = join(client.request(options(proxyPort(), host(app.port, id), HttpMethod.POST, "/upload")
                .addHeader("X-Access-Token", token(id)).addHeader("Content-Length", Long.toString(total))));
        Future<String> answer = request.response().compose(r -> r.body().map(b -> r.statusCode() + " " + b));
        Runnable[] pump = new Runnable[1];
        pump[0] = () -> {
            while (written.get() < total && !request.writeQueueFull()) {
                int n = (int) Math.min(chunk.length, total - written.get());
                request.write(Buffer.buffer(java.util.Arrays.copyOf(chunk, n)));
                written.addAndGet(n);
            }
            if (written.get() >= total) {
                request.end();
            } else {
                request.drainHandler(v -> pump[0].run());
            }
        };
        vertx.runOnContext(v -> pump[0].run());

        assertEquals("200 " + total, join(answer));
        long writtenWhenTheAppSawTheFirstByte = app.uploadFirstByte.join();
        assertTrue(writtenWhenTheAppSawTheFirstByte < total / 2,
                "the app got bytes before the upload was sent: " + writtenWhenTheAppSawTheFirstByte);
    }

    @Test
    void aLargeDownloadIsStreamedToTheClient() {
        String id = sandbox();
        long total = 64L * 1024 * 1024;
        AtomicLong received = new AtomicLong();
        HttpClientRequest request = join(client.request(options(proxyPort(), host(app.port, id), HttpMethod.GET,
                "/download?bytes=" + total).addHeader("X-Access-Token", token(id))));
        int status = join(request.send().compose(response -> {
            response.handler(b -> received.addAndGet(b.length()));
            return response.end().map(v -> response.statusCode());
        }));
        assertEquals(200, status);
        assertEquals(total, received.get());
    }

    @Test
    void serverSentEventsArriveOneByOneBeforeTheAppEndsTheStream() {
        String id = sandbox();
        app.sseNext = new CompletableFuture<>();
        app.sseEnd = new CompletableFuture<>();
        StringBuffer seen = new StringBuffer();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        HttpClientRequest request = join(client.request(options(proxyPort(), host(app.port, id), HttpMethod.GET, "/sse")
                .addHeader("X-Access-Token", token(id)).addHeader("Accept", "text/event-stream")));
        request.send().onSuccess(response -> {
            response.handler(b -> seen.append(b.toString()));
            response.endHandler(v -> ended.complete(null));
        });

        await().atMost(Duration.ofSeconds(10)).until(() -> seen.toString().contains("data: one\n\n"));
        assertFalse(seen.toString().contains("two"));
        app.sseNext.complete(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.toString().contains("data: two\n\n"));
        assertFalse(ended.isDone());
        app.sseEnd.complete(null);
        ended.orTimeout(10, TimeUnit.SECONDS).join();
        assertEquals("data: one\n\ndata: two\n\ndata: three\n\n", seen.toString());
    }

    @Test
    void aWebSocketIsTunnelledBothWays() {
        String id = sandbox();
        WebSocketConnectOptions options = new WebSocketConnectOptions();
        // the WebSocket client connects to its host: the loopback, with the preview host in Host
        options.setHost("127.0.0.1").setPort(proxyPort()).putHeader("Host", host(app.port, id) + ":" + proxyPort()).setURI("/ws").addHeader("X-Access-Token", token(id));
        WebSocket socket = join(client.webSocket(options));
        CompletableFuture<String> text = new CompletableFuture<>();
        CompletableFuture<Buffer> binary = new CompletableFuture<>();
        socket.textMessageHandler(text::complete);
        socket.binaryMessageHandler(binary::complete);
        socket.writeTextMessage("hello");
        assertEquals("echo:hello", text.orTimeout(10, TimeUnit.SECONDS).join());
        socket.writeBinaryMessage(Buffer.buffer(new byte[] {0, 1, 2, (byte) 255}));
        assertEquals(Buffer.buffer(new byte[] {0, 1, 2, (byte) 255}), binary.orTimeout(10, TimeUnit.SECONDS).join());
        join(socket.close());
    }

    @Test
    void aWebSocketWithoutCredentialsIsRefused() {
        String id = sandbox();
        WebSocketConnectOptions options = new WebSocketConnectOptions();
        // the WebSocket client connects to its host: the loopback, with the preview host in Host
        options.setHost("127.0.0.1").setPort(proxyPort()).putHeader("Host", host(app.port, id) + ":" + proxyPort()).setURI("/ws");
        Throwable failure = client.webSocket(options).toCompletionStage().toCompletableFuture()
                .handle((ok, error) -> error).orTimeout(10, TimeUnit.SECONDS).join();
        assertTrue(failure != null && failure.getMessage().contains("401"), String.valueOf(failure));
    }

    @Test
    void eachReasonTheAppCannotBeReachedHasAPageThatSaysIt() {
        String id = sandbox();
        Map<String, String> withToken = Map.of("X-Access-Token", token(id));
        FakeApi.Sandbox sandbox = FakeApi.SANDBOXES.get(id);

        int loopback = 1000 + new Random().nextInt(1000);
        sandbox.listening.put(loopback, "loopback");
        Answer answer = call(host(loopback, id), HttpMethod.GET, "/", withToken, null);
        assertEquals(502, answer.status());
        assertTrue(answer.body().contains("listening on 127.0.0.1 only (bind 0.0.0.0"), answer.body());
        assertTrue(answer.headers().get("Content-Type").startsWith("text/html"));

        int none = 2000 + new Random().nextInt(1000);
        answer = call(host(none, id), HttpMethod.GET, "/", withToken, null);
        assertEquals(502, answer.status());
        assertTrue(answer.body().contains("Nothing is listening on port " + none), answer.body());

        // api-service believes it listens, but the connection is refused
        int closed = freePort();
        sandbox.listening.put(closed, "any");
        answer = call(host(closed, id), HttpMethod.GET, "/x", withToken, null);
        assertEquals(502, answer.status());
        assertTrue(answer.body().contains("Nothing is listening on port " + closed), answer.body());
        answer = call(host(closed, id), HttpMethod.POST, "/x", Map.of("X-Access-Token", token(id), "Accept", "application/json"), "data");
        assertEquals(502, answer.status());
        assertEquals("port_not_listening", answer.json().getJsonObject("error").getString("code"));

        String stopped = sandbox();
        FakeApi.SANDBOXES.get(stopped).state = "stopped";
        answer = call(host(app.port, stopped), HttpMethod.GET, "/", Map.of("X-Access-Token", token(stopped)), null);
        assertEquals(502, answer.status());
        assertTrue(answer.body().contains("The sandbox is not running."), answer.body());

        String noAddress = sandbox();
        FakeScheduler.ADDRESSES.put(noAddress, FakeScheduler.NOT_RUNNING);
        answer = call(host(app.port, noAddress), HttpMethod.GET, "/", Map.of("X-Access-Token", token(noAddress), "Accept", "application/json"), null);
        assertEquals(502, answer.status());
        assertEquals("sandbox_not_running", answer.json().getJsonObject("error").getString("code"));

        answer = call(host(app.port, "sbx_ffffffffffffffffffffffff"), HttpMethod.GET, "/", withToken, null);
        assertEquals(404, answer.status());
        assertTrue(answer.body().contains("There is no such sandbox."), answer.body());
        assertFalse(answer.body().contains("Exception"));
    }

    /** The count of {@code tensorbox_preview_requests_seconds} with this outcome on /q/metrics, 0 when absent. */
    private double previews(String outcome) {
        Answer page = call("localhost", HttpMethod.GET, "/q/metrics", Map.of(), null);
        assertEquals(200, page.status());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^tensorbox_preview_requests_seconds_count\\{[^}]*outcome=\""
                + outcome + "\"[^}]*\\} (\\S+)$").matcher(page.body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void previewRequestsAreCountedByOutcomeWithTheirLatency() {
        String id = sandbox();
        double proxied = previews("proxied");
        double unauthorized = previews("unauthorized");
        double loopbackOnly = previews("loopback_only");
        double notFound = previews("not_found");

        assertEquals(200, call(host(app.port, id), HttpMethod.GET, "/echo", Map.of("X-Access-Token", token(id)), null).status());
        assertEquals(401, call(host(app.port, id), HttpMethod.GET, "/", Map.of(), null).status());
        int loopback = 1000 + new Random().nextInt(1000);
        FakeApi.SANDBOXES.get(id).listening.put(loopback, "loopback");
        assertEquals(502, call(host(loopback, id), HttpMethod.GET, "/", Map.of("X-Access-Token", token(id)), null).status());
        assertEquals(404, call(host(app.port, "sbx_eeeeeeeeeeeeeeeeeeeeeeee"), HttpMethod.GET, "/",
                Map.of("X-Access-Token", token(id)), null).status());

        assertEquals(proxied + 1, previews("proxied"));
        assertEquals(unauthorized + 1, previews("unauthorized"));
        assertEquals(loopbackOnly + 1, previews("loopback_only"));
        assertEquals(notFound + 1, previews("not_found"));
        assertTrue(call("localhost", HttpMethod.GET, "/q/metrics", Map.of(), null).body()
                .contains("tensorbox_preview_requests_seconds_bucket{outcome=\"proxied\""), "a latency histogram");
    }

    @Test
    void aPrivatePortNeedsTheSandboxsTokenAndAPublicOneNothing() {
        String id = sandbox();
        String otherId = sandbox();
        Answer answer = call(host(app.port, id), HttpMethod.GET, "/", Map.of(), null);
        assertEquals(401, answer.status());
        answer = call(host(app.port, id), HttpMethod.GET, "/", Map.of("X-Access-Token", token(otherId)), null);
        assertEquals(403, answer.status());
        answer = call(host(app.port, id), HttpMethod.GET, "/", Map.of("X-Access-Token", token(id)), null);
        assertEquals(200, answer.status());

        FakeApi.SANDBOXES.get(id).publicPorts.add(other.port);
        answer = call(host(other.port, id), HttpMethod.GET, "/hi", Map.of(), null);
        assertEquals(200, answer.status());
        assertEquals("hello from B GET /hi", answer.body());
    }

    @Test
    void aLinkSetsAHostOnlyCookieThatOpensThatPortOnlyUntilItIsRevoked() {
        String id = sandbox();
        String otherId = sandbox();
        String secret = "lnks_" + Long.toHexString(new Random().nextLong());
        FakeApi.SANDBOXES.get(id).links.put(secret, app.port);

        Answer answer = call(host(app.port, id), HttpMethod.GET, "/__tensorbox/link?secret=" + secret, Map.of(), null);
        assertEquals(302, answer.status());
        assertEquals("/", answer.headers().get("Location"));
        assertEquals("tbx_preview=" + secret + "; HttpOnly; SameSite=Lax; Path=/", answer.headers().get("Set-Cookie"));

        Map<String, String> cookie = Map.of("Cookie", "tbx_preview=" + secret);
        answer = call(host(app.port, id), HttpMethod.GET, "/echo", cookie, null);
        assertEquals(200, answer.status());
        assertNull(answer.json().getJsonObject("headers").getJsonArray("cookie"), "the preview cookie is not passed on");

        // another port of the same sandbox, the same port of another sandbox: no
        assertEquals(403, call(host(other.port, id), HttpMethod.GET, "/", cookie, null).status());
        assertEquals(403, call(host(app.port, otherId), HttpMethod.GET, "/", cookie, null).status());
        assertEquals(403, call(host(other.port, id), HttpMethod.GET, "/__tensorbox/link?secret=" + secret, Map.of(), null).status());

        FakeApi.SANDBOXES.get(id).links.remove(secret); // revoked
        await().atMost(Duration.ofSeconds(3)).until(() -> call(host(app.port, id), HttpMethod.GET, "/", cookie, null).status() == 403);
        assertEquals(403, call(host(app.port, id), HttpMethod.GET, "/__tensorbox/link?secret=" + secret, Map.of(), null).status());
        assertEquals(403, call(host(app.port, id), HttpMethod.GET, "/__tensorbox/link?secret=bad%20secret", Map.of(), null).status());
    }

    @Test
    void anAuthorizationThatCannotBeReadIsA503PageAndNothingIsForwarded() {
        String id = sandbox();
        Map<String, String> withToken = Map.of("X-Access-Token", token(id), "Accept", "application/json");
        for (String raw : List.of("{\"allowed\":\"yes\",\"state\":\"running\",\"listening\":\"any\",\"public\":false}",
                "{\"allowed\":true,\"state\":\"dancing\",\"listening\":\"any\",\"public\":false}",
                "{\"allowed\":true,\"state\":\"running\",\"listening\":\"everywhere\",\"public\":false}",
                "[true]", "not json", "{\"allowed\":true,\"state\":\"running\",\"listening\":\"any\",\"public\":false,\"pad\":\""
                        + "x".repeat(20_000) + "\"}")) {
            FakeApi.SANDBOXES.get(id).raw = raw;
            Answer answer = call(host(app.port, id), HttpMethod.GET, "/echo", withToken, null);
            assertEquals(503, answer.status(), raw);
            assertEquals("preview_unavailable", answer.json().getJsonObject("error").getString("code"));
        }
    }

    @Test
    void aClientThatExpectsContinueGetsItOnceAllowed() {
        String id = sandbox();
        Answer answer = call(host(app.port, id), HttpMethod.PUT, "/echo", Map.of("X-Access-Token", token(id),
                "Expect", "100-continue"), "after continue");
        assertEquals(200, answer.status());
        assertEquals("after continue", answer.json().getString("body"));
        assertNull(answer.json().getJsonObject("headers").getJsonArray("expect"));
    }

    @Test
    void theAppCannotSetThePreviewCookie() {
        String id = sandbox();
        Answer answer = call(host(app.port, id), HttpMethod.GET, "/cookie", Map.of("X-Access-Token", token(id)), null);
        assertEquals(200, answer.status());
        assertEquals(List.of("app=1; Path=/"), answer.headers().getAll("Set-Cookie"));
    }

    @Test
    void allowedAnswersAreCachedForASecondAtMost() {
        String id = sandbox();
        Map<String, String> withToken = Map.of("X-Access-Token", token(id));
        int before = FakeApi.CALLS.get();
        for (int i = 0; i < 5; i++) {
            assertEquals(200, call(host(app.port, id), HttpMethod.GET, "/", withToken, null).status());
        }
        int calls = FakeApi.CALLS.get() - before;
        assertTrue(calls >= 1 && calls < 5, "calls: " + calls);
        JsonObject sent = FakeApi.BODIES.get(FakeApi.BODIES.size() - 1);
        assertEquals(id, sent.getString("sandboxId"));
        assertEquals(app.port, sent.getInteger("port"));
        assertEquals(token(id), sent.getString("accessToken"));
        assertTrue(sent.containsKey("link") && sent.getValue("link") == null);

        FakeApi.SANDBOXES.get(id).token = "sat_changed";
        await().atMost(Duration.ofSeconds(3)).until(() -> call(host(app.port, id), HttpMethod.GET, "/", withToken, null).status() == 403);
    }

    @Test
    void otherHostsReachLogServicesOwnRoutesAndThePreviewPortOnlyPreviews() {
        Answer answer = call("localhost", HttpMethod.GET, "/nothing-here", Map.of(), null);
        assertEquals(404, answer.status());
        assertEquals("not_found", answer.json().getJsonObject("error").getString("code"));
        answer = call("3000-sbx-0123.localhost", HttpMethod.GET, "/nothing-here", Map.of(), null);
        assertEquals("not_found", answer.json().getJsonObject("error").getString("code"));

        int previewPort = routes.previewPort();
        assertTrue(previewPort > 0);
        String id = sandbox();
        answer = call(previewPort, host(app.port, id), HttpMethod.GET, "/echo", Map.of("X-Access-Token", token(id)), null);
        assertEquals(200, answer.status());
        assertEquals(host(app.port, id) + ":" + previewPort, answer.json().getJsonObject("headers").getJsonArray("host").getString(0));
        answer = call(previewPort, "localhost", HttpMethod.GET, "/q/health", Map.of(), null);
        assertEquals(404, answer.status());
        assertTrue(answer.body().contains("preview"), answer.body());
    }

    private static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
