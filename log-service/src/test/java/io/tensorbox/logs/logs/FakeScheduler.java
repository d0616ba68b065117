package io.tensorbox.logs.logs;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.tensorbox.common.internal.InternalToken;
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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scheduler-service that holds sandbox files in memory and answers the three calls log-service
 * makes (and {@code GET .../address} for the preview proxy; a stream is {@code cat FILE} or {@code tail -c +K -- FILE}, served from memory, or a follow), each only with the internal token (else a JSON 401, as the real one). log-service is
 * given the same token, {@link #TOKEN}, which its own internal routes then require too. A follow
 * answers its headers at once (as the real scheduler does), serves {@link #followFirst} (nothing
 * when empty: a silent process), then waits for the test to complete {@link #followRelease}
 * before it sends {@link #followRest} and ends.
 */
public class FakeScheduler implements QuarkusTestResourceLifecycleManager {

    /** The internal token of the test deployment, other than common's %test one. */
    public static final String TOKEN = "fake-scheduler-internal-token-0123456789abcdef";

    /** Every request that reached the fake, with or without the token. */
    public static final AtomicInteger REQUESTS = new AtomicInteger();
    /** Requests the fake refused for a missing or wrong token. */
    public static final AtomicInteger REFUSED = new AtomicInteger();
    /** Follow streams open right now. */
    public static final AtomicInteger OPEN_FOLLOWS = new AtomicInteger();
    static final Map<String, byte[]> FILES = new ConcurrentHashMap<>();
    /** The script that prints a log's size (LogCommands.fileSize). */
    static final String SIZE_SCRIPT = "test -f \"$1\" || exit 1; wc -c <\"$1\"";
    /** What the size check prints instead of the file's size (a hostile sandbox); null: the size. */
    static volatile String sizePrinted;
    static final Map<String, String> STATE_DIRS = new ConcurrentHashMap<>();
    /**
     * The address of each running sandbox ({@code GET .../address}); {@link #NOT_RUNNING} answers
     * 409 {@code sandbox_not_running}; a sandbox not in the map is a 404.
     */
    public static final Map<String, String> ADDRESSES = new ConcurrentHashMap<>();
    public static final String NOT_RUNNING = "409";
    /** Address lookups served. */
    public static final AtomicInteger ADDRESS_CALLS = new AtomicInteger();
    static final List<List<String>> STREAM_ARGVS = new CopyOnWriteArrayList<>();
    static final AtomicBoolean FAIL_EXEC = new AtomicBoolean();
    /** A scheduler that accepts a stream and never answers it, not even its headers. */
    static final AtomicBoolean HANG_STREAMS = new AtomicBoolean();

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
        return Map.of("tensorbox.scheduler-url", "http://localhost:" + port, "tensorbox.internal-token", TOKEN);
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
        router.route().handler(FakeScheduler::requireToken);
        router.route().handler(BodyHandler.create());
        router.get("/internal/v1/sandboxes/:sbx/layout").handler(FakeScheduler::layout);
        router.get("/internal/v1/sandboxes/:sbx/address").handler(FakeScheduler::address);
        router.post("/internal/v1/sandboxes/:sbx/exec").handler(FakeScheduler::exec);
        router.post("/internal/v1/sandboxes/:sbx/exec/stream").handler(FakeScheduler::execStream);
        server = vertx.createHttpServer(new HttpServerOptions().setPort(wantedPort).setHost("localhost"))
                .requestHandler(router)
                .listen()
                .toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
        port = server.actualPort();
    }

    private static void requireToken(RoutingContext ctx) {
        REQUESTS.incrementAndGet();
        if (!TOKEN.equals(ctx.request().getHeader(InternalToken.HEADER))) {
            REFUSED.incrementAndGet();
            ctx.response().setStatusCode(401).putHeader("Content-Type", "application/json").end(new JsonObject()
                    .put("error", new JsonObject().put("code", "unauthorized").put("message", "no token")).encode());
            return;
        }
        ctx.next();
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

    private static void address(RoutingContext ctx) {
        ADDRESS_CALLS.incrementAndGet();
        String address = ADDRESSES.get(ctx.pathParam("sbx"));
        if (address == null || NOT_RUNNING.equals(address)) {
            boolean missing = address == null;
            ctx.response().setStatusCode(missing ? 404 : 409).putHeader("Content-Type", "application/json")
                    .end(new JsonObject().put("error", new JsonObject()
                            .put("code", missing ? "sandbox_not_found" : "sandbox_not_running").put("message", "no")).encode());
            return;
        }
        ctx.json(new JsonObject().put("host", address));
    }

    private static void exec(RoutingContext ctx) {
        if (FAIL_EXEC.get()) {
            ctx.response().setStatusCode(500).end();
            return;
        }
        List<String> argv = argv(ctx);
        boolean isFileCheck = argv.size() == 5 && argv.subList(0, 4).equals(List.of("sh", "-c", "test -f \"$1\"", "sh"));
        boolean isSizeCheck = argv.size() == 5 && argv.subList(0, 4).equals(List.of("sh", "-c", SIZE_SCRIPT, "sh"));
        int status = (isFileCheck || isSizeCheck) && FILES.containsKey(argv.get(4)) ? 0 : 1;
        String stdout = isSizeCheck && status == 0
                ? (sizePrinted != null ? sizePrinted : "   " + FILES.get(argv.get(4)).length + "\n") : "";
        ctx.json(new JsonObject().put("stdout", java.util.Base64.getEncoder().encodeToString(stdout.getBytes()))
                .put("stderr", "").put("exitCode", status)
                .put("durationMs", 1).put("timedOut", false).put("truncated", false));
    }

    private static void execStream(RoutingContext ctx) {
        List<String> argv = argv(ctx);
        STREAM_ARGVS.add(argv);
        var response = ctx.response().setChunked(true).putHeader("Content-Type", "application/octet-stream");
        boolean tailFrom = argv.size() == 5 && argv.get(0).equals("tail") && argv.get(1).equals("-c")
                && argv.get(2).matches("\\+[1-9][0-9]*") && argv.get(3).equals("--");
        if (argv.get(0).equals("cat") || tailFrom) {
            byte[] file = FILES.get(argv.get(argv.size() - 1));
            if (tailFrom) { // tail -c +K: from byte K-1, nothing when the file is shorter
                long from = Math.min(Long.parseLong(argv.get(2).substring(1)) - 1, file.length);
                file = java.util.Arrays.copyOfRange(file, (int) from, file.length);
            }
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
        if (HANG_STREAMS.get()) {
            response.closeHandler(ignored -> gone.complete(null));
            return;
        }
        AtomicBoolean open = new AtomicBoolean(true);
        OPEN_FOLLOWS.incrementAndGet();
        Runnable closed = () -> {
            if (open.getAndSet(false)) {
                OPEN_FOLLOWS.decrementAndGet();
            }
        };
        response.closeHandler(ignored -> {
            closed.run();
            gone.complete(null);
        });
        response.writeHead();
        if (followFirst.length > 0) {
            response.write(Buffer.buffer(followFirst));
        }
        followRelease.thenRun(() -> vertx.runOnContext(ignored -> {
            if (!response.closed()) {
                response.end(Buffer.buffer(followRest));
            }
            closed.run();
            ended.complete(null);
        }));
    }

    private static List<String> argv(RoutingContext ctx) {
        JsonArray argv = ctx.body().asJsonObject().getJsonArray("argv");
        return argv.stream().map(Object::toString).toList();
    }
}
