package io.tensorbox.api.files;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.tensorbox.api.commands.ServerSentEvents;
import io.tensorbox.api.commands.Upstream;
import io.tensorbox.api.config.TensorboxConfig;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.internal.InternalToken;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.streams.ReadStream;
import io.vertx.mutiny.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The scheduler's internal files routes ({@code /internal/v1/sandboxes/{sbx}/files...}, see
 * docs/FILES.md) as streams: an upload is the caller's request body piped into the upstream request, a
 * download the upstream body handed on buffer by buffer, a watch the upstream event stream parsed event
 * by event. Vert.x's pipes keep the back-pressure in both directions, so a file of any size passes with
 * one buffer in flight and no thread held. Only the small JSON answers (entries, errors) are read whole,
 * and those at most {@link #MAX_JSON} bytes: the scheduler relays what a sandbox said.
 */
@ApplicationScoped
public class FileRelay {
    private static final Logger LOG = Logger.getLogger(FileRelay.class);
    /** The largest JSON answer read from the scheduler (a listing of depth 10 can be long). */
    static final int MAX_JSON = 32 * 1024 * 1024;
    private static final String SERVICE = "scheduler";

    /** A JSON answer of the scheduler with its status. */
    public record Answer(int status, JsonNode body) {
    }

    /** An event of a watch: its name and its data as JSON. */
    public record Event(String name, JsonNode data) {
    }

    /** An opened download: the upstream answer (status 200), to be read once. */
    public record Download(HttpClientResponse response, HttpClientRequest request, ReadStream<Buffer> source) {
        /** The bytes; cancelling closes the upstream connection. */
        public Multi<Buffer> body() {
            return multi(source)
                    .onTermination().invoke((failure, cancelled) -> {
                        if (failure != null || cancelled) {
                            try {
                                response.exceptionHandler(expected -> { });
                                request.reset();
                            } catch (IllegalStateException over) {
                                LOG.debugf("download already over: %s", over.toString());
                            }
                        }
                    });
        }
    }

    private final io.vertx.core.Vertx vertx;
    private final HttpClient client;
    private final String base;
    private final String token;
    private final ObjectMapper json;

    FileRelay(Vertx vertx, TensorboxConfig config, ObjectMapper json) {
        this.vertx = vertx.getDelegate();
        this.client = vertx.getDelegate().createHttpClient(new HttpClientOptions()
                .setConnectTimeout(3000)
                .setIdleTimeout(0)
                .setMaxPoolSize(config.commands().maxRunning()));
        this.base = config.schedulerUrl().replaceAll("/+$", "");
        this.token = config.internalToken();
        this.json = json;
    }

    @PreDestroy
    void close() {
        client.close();
    }

    /** The query string of the internal route; null values are left out. */
    static String query(Map<String, String> params) {
        StringBuilder q = new StringBuilder();
        params.forEach((k, v) -> {
            if (v != null) {
                q.append(q.isEmpty() ? "?" : "&").append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
            }
        });
        return q.toString();
    }

    public static Map<String, String> params(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }

    private RequestOptions options(HttpMethod method, String sandboxId, String route, Map<String, String> params) {
        return new RequestOptions().setMethod(method)
                .setAbsoluteURI(base + "/internal/v1/sandboxes/" + sandboxId + "/files" + route + query(params))
                .putHeader(InternalToken.HEADER, token);
    }

    private static ApiException unreachable(Throwable failure) {
        if (failure instanceof ApiException api) {
            return api;
        }
        LOG.warnf("scheduler unreachable for a files call: %s", failure.toString());
        return ApiException.runtimeUnavailable("The sandbox runtime is unavailable; the files call was not done.");
    }

    /**
     * Runs an exchange with the scheduler on an event loop. From a worker thread, a step chained on a
     * future that has already completed runs at once on that thread, possibly after the whole answer
     * arrived and ended, and Vert.x refuses handlers on an ended answer; on the loop, nothing of the
     * answer is handled before the chain is in place.
     */
    private <T> Future<T> onLoop(java.util.function.Supplier<Future<T>> exchange) {
        io.vertx.core.Context context = vertx.getOrCreateContext();
        if (io.vertx.core.Context.isOnEventLoopThread() && io.vertx.core.Vertx.currentContext() == context) {
            return exchange.get();
        }
        Promise<T> done = Promise.promise();
        context.runOnContext(v -> {
            try {
                exchange.get().onComplete(done);
            } catch (RuntimeException e) {
                done.tryFail(e);
            }
        });
        return done.future();
    }

    /** A small JSON call (stat, list, mkdir, move, delete): the status and the parsed body (null when empty). */
    public Uni<Answer> call(HttpMethod method, String sandboxId, String route, Map<String, String> params, Object body) {
        byte[] bytes;
        try {
            bytes = body == null ? null : json.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        RequestOptions options = options(method, sandboxId, route, params);
        if (bytes != null) {
            options.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        }
        Future<Answer> answer = onLoop(() -> client.request(options)
                .compose(request -> bytes == null ? request.send() : request.send(Buffer.buffer(bytes)))
                .compose(response -> bounded(response).map(b -> {
                    if (response.statusCode() >= 300) {
                        throw error(response.statusCode(), b.getBytes());
                    }
                    return new Answer(response.statusCode(), b.length() == 0 ? null : Upstream.parse(json, b.toString(StandardCharsets.UTF_8)));
                })));
        return uni(answer);
    }

    /**
     * Opens a download: completes once the scheduler answered 200 (its headers), fails with the
     * scheduler's 4xx (decided before the first byte) or 503.
     */
    public Uni<Download> download(String sandboxId, Map<String, String> params) {
        AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
        Future<Download> download = onLoop(() -> client.request(options(HttpMethod.GET, sandboxId, "", params))
                .compose(request -> {
                    sent.set(request);
                    return request.send();
                })
                .compose(response -> {
                    if (response.statusCode() == 200) {
                        response.pause(); // until the caller reads the body
                        return Future.succeededFuture(new Download(response, sent.get(),
                                new OnLoop(response, io.vertx.core.Vertx.currentContext(), Thread.currentThread())));
                    }
                    return bounded(response).map(b -> {
                        throw error(response.statusCode(), b.getBytes());
                    });
                }));
        return uni(download).onCancellation().invoke(() -> reset(sent.get()));
    }

    /**
     * Uploads {@code source} (the caller's request body, paused until now) as the file: piped into the
     * upstream request (chunked) with back-pressure. Completes with the
     * scheduler's answer once it answered (201 JSON), fails with its 4xx or 503. A caller that goes away
     * mid-body resets the upstream request: the scheduler drops the partial file.
     */
    public Uni<Answer> upload(String sandboxId, Map<String, String> params, ReadStream<Buffer> body,
                              io.vertx.core.http.HttpServerRequest from) {
        AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
        AtomicBoolean answered = new AtomicBoolean();
        RequestOptions options = options(HttpMethod.PUT, sandboxId, "", params)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/octet-stream");
        Promise<Answer> answer = Promise.promise();
        io.vertx.core.Context loop = from instanceof io.vertx.core.http.impl.HttpServerRequestInternal internal
                ? internal.context() : io.vertx.core.Vertx.currentContext();
        body.pause(); // at once: a multipart part's data must not pass before the pipe takes it
        loop.runOnContext(onLoop -> {
            OnLoop source = new OnLoop(body, loop, Thread.currentThread());
            source.pause();
            client.request(options).onComplete(opened -> {
                if (opened.failed()) {
                    source.resume(); // drain nothing more: the caller's answer closes the exchange
                    answer.tryFail(opened.cause());
                    return;
                }
                HttpClientRequest request = opened.result();
                sent.set(request);
                // chunked whatever the caller sent: the scheduler's HTTP layer refuses a large declared length
                // before its route can stream it; a caller's body that ends short still fails (Vert.x checks
                // the caller's framing) and resets this request
                request.setChunked(true);
                request.response().onComplete(responded -> {
                    answered.set(true);
                    if (responded.failed()) {
                        answer.tryFail(responded.cause());
                        return;
                    }
                    HttpClientResponse response = responded.result();
                    bounded(response).onComplete(read -> {
                        if (read.failed()) {
                            answer.tryFail(read.cause());
                        } else if (response.statusCode() >= 300) {
                            answer.tryFail(error(response.statusCode(), read.result().getBytes()));
                        } else {
                            Buffer b = read.result();
                            try {
                                answer.tryComplete(new Answer(response.statusCode(),
                                        b.length() == 0 ? null : Upstream.parse(json, b.toString(StandardCharsets.UTF_8))));
                            } catch (ApiException e) {
                                answer.tryFail(e);
                            }
                        }
                    });
                });
                source.pipeTo(request).onFailure(failure -> {
                    if (!answered.get()) {
                        // the caller's body broke off: the upstream file must not look complete
                        LOG.debugf("upload to %s broke off: %s", sandboxId, failure.toString());
                        reset(request);
                        answer.tryFail(ApiException.invalid("The request body ended before its end."));
                    }
                });
            });
        });
        return uni(answer.future()).onCancellation().invoke(() -> reset(sent.get()));
    }

    /**
     * The watch's events as the scheduler sends them (its first is {@code ready}). Fails with the
     * scheduler's 4xx before the first event, 503 when it cannot be reached. Cancelling closes the
     * upstream connection, which ends the watch in the sandbox.
     */
    public Multi<Event> watch(String sandboxId, Map<String, String> params) {
        AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
        AtomicReference<HttpClientResponse> answered = new AtomicReference<>();
        AtomicBoolean abandoned = new AtomicBoolean();
        AtomicReference<OnLoop> body = new AtomicReference<>();
        Future<HttpClientResponse> opened = onLoop(() -> client.request(options(HttpMethod.GET, sandboxId, "/watch", params)
                        .putHeader(HttpHeaders.ACCEPT, "text/event-stream"))
                .compose(request -> {
                    sent.set(request);
                    if (abandoned.get()) {
                        request.reset();
                        return Future.failedFuture(new CancellationException("the watcher went away"));
                    }
                    return request.send();
                })
                .map(response -> {
                    response.pause(); // read on the subscriber's demand (or its error body below)
                    if (response.statusCode() == 200) {
                        body.set(new OnLoop(response, io.vertx.core.Vertx.currentContext(), Thread.currentThread()));
                    }
                    return response;
                }));
        return uni(opened).onItem().transformToMulti(response -> {
                    answered.set(response);
                    if (response.statusCode() != 200) {
                        return uni(bounded(response)).onItem().transformToMulti(b -> Multi.createFrom().failure(
                                error(response.statusCode(), b.getBytes())));
                    }
                    ServerSentEvents parser = new ServerSentEvents();
                    return multi(body.get())
                            .onItem().transformToIterable(chunk -> parser.feed(chunk.getBytes()))
                            .map(e -> new Event(e.name(), Upstream.parse(json, e.data())));
                })
                .onTermination().invoke((failure, cancelled) -> {
                    if (failure != null || cancelled) {
                        abandoned.set(true);
                        try {
                            HttpClientResponse response = answered.get();
                            if (response != null) {
                                response.exceptionHandler(expected -> { }); // the reset below
                            }
                        } catch (IllegalStateException over) {
                            LOG.debugf("watch already over: %s", over.toString());
                        }
                        reset(sent.get());
                    }
                });
    }

    /** A response's body as a back-pressured stream whose flow control acts on the response's own event loop. */
    private static Multi<Buffer> multi(ReadStream<Buffer> body) {
        io.vertx.mutiny.core.streams.ReadStream<Buffer> stream = io.vertx.mutiny.core.streams.ReadStream.newInstance(body);
        return stream.toMulti();
    }

    /**
     * A stream (the caller's body, or an answer of the scheduler) with its flow control (pause, resume,
     * fetch) always acted on its own connection's event loop. The pipe resumes it from another
     * connection's callbacks (its drain), and a stream's buffered data must be emitted on its own loop,
     * or chunks of one body could be handed on by two threads at once, out of order.
     * <p>
     * Made on that loop, it takes the stream's handlers at once and forwards to the ones set later: an
     * answer may be whole (and ended) before its reader subscribes from a worker thread, and Vert.x
     * refuses handlers on an ended answer. An end or failure that came first is kept and handed on when
     * its handler is set.
     */
    private static final class OnLoop implements ReadStream<Buffer> {
        private final ReadStream<Buffer> delegate;
        private final io.vertx.core.Context loop;
        private final Thread thread;
        private volatile io.vertx.core.Handler<Buffer> data;
        private io.vertx.core.Handler<Void> end;
        private io.vertx.core.Handler<Throwable> failure;
        private boolean ended;
        private Throwable failed;

        OnLoop(ReadStream<Buffer> delegate, io.vertx.core.Context loop, Thread thread) {
            this.delegate = delegate;
            this.loop = loop;
            this.thread = thread;
            onLoop(() -> {
                delegate.handler(chunk -> {
                    io.vertx.core.Handler<Buffer> to = data;
                    if (to != null) {
                        to.handle(chunk);
                    }
                });
                delegate.endHandler(v -> {
                    ended = true;
                    if (end != null) {
                        end.handle(null);
                    }
                });
                delegate.exceptionHandler(t -> {
                    failed = t;
                    if (failure != null) {
                        failure.handle(t);
                    }
                });
            });
        }

        private void onLoop(Runnable action) {
            if (Thread.currentThread() == thread) {
                action.run();
            } else {
                loop.runOnContext(v -> action.run());
            }
        }

        @Override
        public ReadStream<Buffer> exceptionHandler(io.vertx.core.Handler<Throwable> handler) {
            onLoop(() -> {
                failure = handler;
                if (failed != null && handler != null) {
                    handler.handle(failed);
                }
            });
            return this;
        }

        @Override
        public ReadStream<Buffer> handler(io.vertx.core.Handler<Buffer> handler) {
            data = handler; // set before any fetch or resume below reaches the loop
            return this;
        }

        @Override
        public ReadStream<Buffer> pause() {
            onLoop(delegate::pause);
            return this;
        }

        @Override
        public ReadStream<Buffer> resume() {
            onLoop(delegate::resume);
            return this;
        }

        @Override
        public ReadStream<Buffer> fetch(long amount) {
            onLoop(() -> delegate.fetch(amount));
            return this;
        }

        @Override
        public ReadStream<Buffer> endHandler(io.vertx.core.Handler<Void> handler) {
            onLoop(() -> {
                end = handler;
                if (ended && handler != null) {
                    handler.handle(null);
                }
            });
            return this;
        }
    }

    /**
     * The scheduler's refusal as the caller sees it: as every relay reads it ({@link Upstream#error}), and
     * also {@code 403 permission_denied}, which here is the caller's own (the user's rights on a path).
     */
    private ApiException error(int status, byte[] body) {
        if (status == 403) {
            try {
                JsonNode error = json.readTree(body).path("error");
                if (error.path("code").isTextual() && error.path("message").isTextual()) {
                    return new ApiException(403, error.get("code").asText(), error.get("message").asText());
                }
            } catch (IOException | RuntimeException e) {
                // not the JSON error shape: below
            }
        }
        return Upstream.error(json, status, body, SERVICE);
    }

    private static void reset(HttpClientRequest request) {
        if (request != null) {
            try {
                request.reset();
            } catch (IllegalStateException over) {
                LOG.debugf("exchange already over: %s", over.toString());
            }
        }
    }

    /** The whole (small) body of an answer, failing past {@link #MAX_JSON} bytes. */
    private static Future<Buffer> bounded(HttpClientResponse response) {
        Promise<Buffer> done = Promise.promise();
        Buffer into = Buffer.buffer();
        response.exceptionHandler(done::tryFail);
        response.handler(chunk -> {
            if (into.length() + chunk.length() > MAX_JSON) {
                response.handler(null);
                done.tryFail(ApiException.runtimeUnavailable("The sandbox runtime sent an answer larger than "
                        + MAX_JSON + " bytes."));
                response.request().reset();
                return;
            }
            into.appendBuffer(chunk);
        });
        response.endHandler(v -> done.tryComplete(into));
        response.resume();
        return done.future();
    }

    private static <T> Uni<T> uni(Future<T> future) {
        return Uni.createFrom().completionStage(future.toCompletionStage())
                .onFailure(f -> !(f instanceof ApiException) && !(f instanceof CancellationException))
                .transform(FileRelay::unreachable);
    }
}
