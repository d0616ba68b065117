package io.tensorbox.logs.logs;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A scheduler-service that holds sandbox files in memory and answers the three calls log-service
 * makes. A follow serves {@link #followFirst}, then waits for the test to complete
 * {@link #followRelease} before it sends {@link #followRest} and ends.
 */
public class FakeScheduler implements QuarkusTestResourceLifecycleManager {

    static final Map<String, byte[]> FILES = new ConcurrentHashMap<>();
    static final Map<String, String> STATE_DIRS = new ConcurrentHashMap<>();
    static final List<List<String>> STREAM_ARGVS = new CopyOnWriteArrayList<>();
    static final AtomicBoolean FAIL_EXEC = new AtomicBoolean();

    static volatile byte[] followFirst = new byte[0];
    static volatile byte[] followRest = new byte[0];
    static volatile CompletableFuture<Void> followRelease = new CompletableFuture<>();
    static volatile CompletableFuture<Void> followEnded = new CompletableFuture<>();
    static volatile CompletableFuture<Void> followClientGone = new CompletableFuture<>();

    private static Vertx vertx;
    private static HttpServer server;
    private static int port;

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        startServer(0);
        return Map.of("tensorbox.scheduler-url", "http://localhost:" + port);
    }

    @Override
    public void stop() {
        vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    /** Simulates scheduler-service going down; {@link #restart()} brings it back on the same port. */
    static void shutDown() {
        server.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    static void restart() {
        startServer(port);
    }

    static void resetFollow() {
        followRelease = new CompletableFuture<>();
        followEnded = new CompletableFuture<>();
        followClientGone = new CompletableFuture<>();
    }

    private static void startServer(int wantedPort) {
        Router router = Router.router(vertx);
        router.route().handler(BodyHandler.create());
        router.get("/internal/v1/sandboxes/:sbx/layout").handler(FakeScheduler::layout);
        router.post("/internal/v1/sandboxes/:sbx/exec").handler(FakeScheduler::exec);
        router.post("/internal/v1/sandboxes/:sbx/exec/stream").handler(FakeScheduler::execStream);
        server = vertx.createHttpServer(new HttpServerOptions().setPort(wantedPort).setHost("localhost"))
                .requestHandler(router)
                .listen()
                .toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
        port = server.actualPort();
    }

    private static void layout(RoutingContext ctx) {
        String stateDir = STATE_DIRS.get(ctx.pathParam("sbx"));
        if (stateDir == null) {
            ctx.response().setStatusCode(404).end(new JsonObject()
                    .put("error", new JsonObject().put("code", "sandbox_not_found").put("message", "no")).encode());
            return;
        }
        ctx.json(new JsonObject().put("workspaceDir", "/workspace").put("stateDir", stateDir));
    }

    private static void exec(RoutingContext ctx) {
        if (FAIL_EXEC.get()) {
            ctx.response().setStatusCode(500).end();
            return;
        }
        List<String> argv = argv(ctx);
        boolean isFileCheck = argv.size() == 5 && argv.subList(0, 4).equals(List.of("sh", "-c", "test -f \"$1\"", "sh"));
        int status = isFileCheck && FILES.containsKey(argv.get(4)) ? 0 : 1;
        ctx.json(new JsonObject().put("stdout", "").put("stderr", "").put("exitCode", status)
                .put("durationMs", 1).put("timedOut", false).put("truncated", false));
    }

    private static void execStream(RoutingContext ctx) {
        List<String> argv = argv(ctx);
        STREAM_ARGVS.add(argv);
        var response = ctx.response().setChunked(true).putHeader("Content-Type", "application/octet-stream");
        if (argv.get(0).equals("cat")) {
            byte[] file = FILES.get(argv.get(1));
            // Many small writes, as a real exec delivers them.
            for (int offset = 0; offset < file.length; offset += 64 * 1024) {
                int end = Math.min(file.length, offset + 64 * 1024);
                response.write(Buffer.buffer(java.util.Arrays.copyOfRange(file, offset, end)));
            }
            response.end();
            return;
        }
        CompletableFuture<Void> gone = followClientGone;
        CompletableFuture<Void> ended = followEnded;
        response.closeHandler(ignored -> gone.complete(null));
        response.write(Buffer.buffer(followFirst));
        followRelease.thenRun(() -> vertx.runOnContext(ignored -> {
            if (!response.closed()) {
                response.end(Buffer.buffer(followRest));
            }
            ended.complete(null);
        }));
    }

    private static List<String> argv(RoutingContext ctx) {
        JsonArray argv = ctx.body().asJsonObject().getJsonArray("argv");
        return argv.stream().map(Object::toString).toList();
    }
}
