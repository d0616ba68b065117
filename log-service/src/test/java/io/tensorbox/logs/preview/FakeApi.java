package io.tensorbox.logs.preview;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.tensorbox.common.internal.InternalToken;
import io.tensorbox.logs.logs.FakeScheduler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An api-service that answers {@code POST /internal/v1/preview/authorize} (contract 3) from
 * {@link #SANDBOXES}, only with the internal token. Also turns on log-service's preview-only port
 * (an ephemeral one).
 */
public class FakeApi implements QuarkusTestResourceLifecycleManager {

    /** One sandbox as api-service knows it. */
    public static final class Sandbox {
        public volatile String state = "running";
        public volatile String token;
        /** port → "any" | "loopback"; absent: "none" */
        public final Map<Integer, String> listening = new ConcurrentHashMap<>();
        public final Set<Integer> publicPorts = ConcurrentHashMap.newKeySet();
        /** live link secret → its port */
        public final Map<String, Integer> links = new ConcurrentHashMap<>();
        /** When set, answered as it is instead of an authorization (a broken api-service). */
        public volatile String raw;
    }

    public static final Map<String, Sandbox> SANDBOXES = new ConcurrentHashMap<>();
    public static final AtomicInteger CALLS = new AtomicInteger();
    public static final java.util.List<JsonObject> BODIES = new CopyOnWriteArrayList<>();

    private static Vertx vertx;

    private static void envd(RoutingContext ctx) {
        ctx.response().putHeader("Content-Type", "application/json").end(new JsonObject()
                .put("sandbox", ctx.request().getHeader("E2b-Sandbox-Id"))
                .put("token", ctx.request().getHeader("X-Access-Token"))
                .put("path", ctx.request().path())
                .put("body", ctx.body() == null || ctx.body().buffer() == null ? "" : ctx.body().asString()).encode());
    }

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        router.route().handler(BodyHandler.create());
        router.post("/internal/v1/preview/authorize").handler(FakeApi::authorize);
        // envd's surface of api-service: echoes what reached it
        router.route("/health").handler(FakeApi::envd);
        router.route("/process.Process/*").handler(FakeApi::envd);
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("localhost").setPort(0))
                .requestHandler(router).listen()
                .toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
        return Map.of("tensorbox.api-url", "http://localhost:" + server.actualPort(),
                "tensorbox.preview.port", "0",
                "tensorbox.preview.host", "127.0.0.1");
    }

    @Override
    public void stop() {
        vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    private static void authorize(RoutingContext ctx) {
        CALLS.incrementAndGet();
        if (!FakeScheduler.TOKEN.equals(ctx.request().getHeader(InternalToken.HEADER))) {
            ctx.response().setStatusCode(401).end();
            return;
        }
        JsonObject body = ctx.body().asJsonObject();
        BODIES.add(body);
        Sandbox sandbox = SANDBOXES.get(body.getString("sandboxId"));
        if (sandbox == null) {
            ctx.response().setStatusCode(404).putHeader("Content-Type", "application/json").end(new JsonObject()
                    .put("error", new JsonObject().put("code", "sandbox_not_found").put("message", "no")).encode());
            return;
        }
        if (sandbox.raw != null) {
            ctx.response().putHeader("Content-Type", "application/json").end(sandbox.raw);
            return;
        }
        int port = body.getInteger("port");
        String token = body.getString("accessToken");
        String link = body.getString("link");
        boolean allowed = sandbox.publicPorts.contains(port)
                || (token != null && token.equals(sandbox.token))
                || (link != null && Integer.valueOf(port).equals(sandbox.links.get(link)));
        ctx.json(new JsonObject().put("allowed", allowed).put("state", sandbox.state)
                .put("listening", sandbox.listening.getOrDefault(port, "none"))
                .put("public", sandbox.publicPorts.contains(port)));
    }
}
