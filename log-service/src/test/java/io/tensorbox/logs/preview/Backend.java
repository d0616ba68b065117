package io.tensorbox.logs.preview;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The app in the sandbox: a real HTTP server on a free port of the loopback. {@code /echo…} answers
 * what it received; {@code /upload} counts a body; {@code /download?bytes=N} streams N bytes;
 * {@code /sse} sends one event, then another when {@link #sseNext} completes and ends with
 * {@link #sseEnd}; {@code /cookie} tries to set the preview cookie; WebSocket text comes back
 * as {@code echo:TEXT}, binary as it is.
 */
final class Backend {

    final HttpServer server;
    final int port;
    volatile CompletableFuture<Void> sseNext = new CompletableFuture<>();
    volatile CompletableFuture<Void> sseEnd = new CompletableFuture<>();
    /** What the uploader had written when the first byte of an upload arrived here. */
    volatile CompletableFuture<Long> uploadFirstByte = new CompletableFuture<>();
    volatile LongSupplier uploadWritten = () -> -1;
    private final Vertx vertx;

    Backend(Vertx vertx, String name) {
        this.vertx = vertx;
        this.server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
                .requestHandler(request -> handle(name, request))
                .listen().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
        this.port = server.actualPort();
    }

    void close() {
        server.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    private void handle(String name, HttpServerRequest request) {
        HttpServerResponse response = request.response();
        String path = request.path();
        if ("websocket".equalsIgnoreCase(request.getHeader("Upgrade"))) {
            // upgraded here rather than by a webSocketHandler: Quarkus sets vertx.disableWebsockets
            // for its own server, which (read once per JVM) would turn the latter off in this JVM
            request.toWebSocket().onSuccess(ws -> {
                ws.textMessageHandler(text -> ws.writeTextMessage("echo:" + text));
                ws.binaryMessageHandler(ws::writeBinaryMessage);
            });
        } else if (path.startsWith("/echo")) {
            request.body().onSuccess(body -> {
                JsonObject headers = new JsonObject();
                request.headers().forEach(h -> {
                    String key = h.getKey().toLowerCase(java.util.Locale.ROOT);
                    JsonArray values = headers.containsKey(key) ? headers.getJsonArray(key) : new JsonArray();
                    headers.put(key, values.add(h.getValue()));
                });
                response.putHeader("Content-Type", "application/json").putHeader("X-App", name)
                        .end(new JsonObject().put("app", name).put("method", request.method().name())
                                .put("uri", request.uri()).put("headers", headers)
                                .put("body", body.toString()).encode());
            });
        } else if (path.equals("/upload")) {
            AtomicLong count = new AtomicLong();
            CompletableFuture<Long> first = uploadFirstByte;
            request.handler(chunk -> {
                if (count.getAndAdd(chunk.length()) == 0) {
                    first.complete(uploadWritten.getAsLong());
                }
            });
            request.endHandler(v -> response.end(Long.toString(count.get())));
        } else if (path.equals("/download")) {
            long total = Long.parseLong(request.getParam("bytes"));
            response.setChunked(true).putHeader("Content-Type", "application/octet-stream");
            byte[] chunk = new byte[64 * 1024];
            AtomicLong sent = new AtomicLong();
            Runnable[] pump = new Runnable[1];
            pump[0] = () -> {
                while (sent.get() < total && !response.writeQueueFull()) {
                    int n = (int) Math.min(chunk.length, total - sent.get());
                    response.write(Buffer.buffer(java.util.Arrays.copyOf(chunk, n)));
                    sent.addAndGet(n);
                }
                if (sent.get() >= total) {
                    response.end();
                } else {
                    response.drainHandler(v -> pump[0].run());
                }
            };
            pump[0].run();
        } else if (path.equals("/sse")) {
            response.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache");
            response.write("data: one\n\n");
            CompletableFuture<Void> end = sseEnd;
            sseNext.thenRun(() -> vertx.runOnContext(v -> response.write("data: two\n\n")));
            end.thenRun(() -> vertx.runOnContext(v -> response.end("data: three\n\n")));
        } else if (path.equals("/cookie")) {
            response.putHeader("Set-Cookie", (Iterable<String>) java.util.List.of("tbx_preview=planted; Domain=localhost; Path=/", "app=1; Path=/"))
                    .end("cookies");
        } else {
            response.putHeader("X-App", name).end("hello from " + name + " " + request.method() + " " + request.uri());
        }
    }
}
