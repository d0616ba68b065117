package io.tensorbox.logs.scheduler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.ExecResult;
import io.tensorbox.logs.LogServiceConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The internal API of scheduler-service, spoken with the Vert.x HTTP client so that a streamed
 * exec reaches us chunk by chunk, as octets, with back-pressure.
 */
@ApplicationScoped
public class SchedulerClient {

    /** Layouts never change for a sandbox id; the cap only bounds memory on a long-lived service. */
    private static final int LAYOUT_CACHE_LIMIT = 10_000;
    /** Every follow holds a connection for as long as its process runs. */
    private static final int MAX_CONNECTIONS = 1_000;

    private final HttpClient http;
    private final ObjectMapper json;
    private final String baseUrl;
    private final long checkTimeoutMs;
    private final Map<String, SandboxLayout> layouts = new ConcurrentHashMap<>();

    public SchedulerClient(Vertx vertx, ObjectMapper json, LogServiceConfig config) {
        this.json = json;
        this.baseUrl = config.schedulerUrl().replaceAll("/+$", "");
        this.checkTimeoutMs = config.logs().checkTimeout().toMillis();
        this.http = vertx.createHttpClient(
                new HttpClientOptions().setConnectTimeout(5_000).setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS));
    }

    @PreDestroy
    void close() {
        http.close();
    }

    public Future<SandboxLayout> layout(String sandboxId) {
        SandboxLayout cached = layouts.get(sandboxId);
        if (cached != null) {
            return Future.succeededFuture(cached);
        }
        return call(HttpMethod.GET, sandboxPath(sandboxId) + "/layout", null, sandboxId)
                .map(body -> read(body, SandboxLayout.class))
                .onSuccess(layout -> {
                    if (layouts.size() >= LAYOUT_CACHE_LIMIT) {
                        layouts.clear();
                    }
                    layouts.put(sandboxId, layout);
                });
    }

    /** A buffered exec: the whole (capped) output comes back at once. */
    public Future<ExecResult> exec(String sandboxId, ExecRequest request) {
        return call(HttpMethod.POST, sandboxPath(sandboxId) + "/exec", request, sandboxId)
                .map(body -> read(body, ExecResult.class));
    }

    /**
     * A streamed exec. The answer is paused: the caller pipes its body where it wants and owns the
     * request, which it resets to end the command early (a client that went away).
     */
    public Future<ExecStream> execStream(String sandboxId, ExecRequest request) {
        Buffer body = write(request);
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(baseUrl + sandboxPath(sandboxId) + "/exec/stream")
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.ACCEPT, "application/octet-stream");
        return http.request(options)
                .recover(failure -> unavailable(failure))
                .compose(req -> req.send(body)
                        .recover(failure -> unavailable(failure))
                        .compose(response -> {
                            response.pause();
                            if (response.statusCode() == 200) {
                                return Future.succeededFuture(new ExecStream(req, response));
                            }
                            response.resume();
                            return response.body()
                                    .recover(ignored -> Future.succeededFuture(Buffer.buffer()))
                                    .compose(ignored -> Future.failedFuture(
                                            unexpected(response.statusCode(), sandboxId)));
                        }));
    }

    public record ExecStream(HttpClientRequest request, HttpClientResponse response) {
    }

    private Future<Buffer> call(HttpMethod method, String path, Object payload, String sandboxId) {
        RequestOptions options = new RequestOptions()
                .setMethod(method)
                .setAbsoluteURI(baseUrl + path)
                .setIdleTimeout(checkTimeoutMs)
                .putHeader(HttpHeaders.ACCEPT, "application/json");
        if (payload != null) {
            options.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        }
        return http.request(options)
                .compose(req -> payload == null ? req.send() : req.send(write(payload)))
                .compose(response -> response.body().map(body -> {
                    if (response.statusCode() != 200) {
                        throw unexpected(response.statusCode(), sandboxId);
                    }
                    return body;
                }))
                .recover(failure -> failure instanceof SandboxNotFoundException
                        || failure instanceof SchedulerUnavailableException
                        ? Future.failedFuture(failure)
                        : unavailable(failure));
    }

    private static RuntimeException unexpected(int status, String sandboxId) {
        if (status == 404) {
            return new SandboxNotFoundException(sandboxId);
        }
        return new SchedulerUnavailableException("scheduler-service answered HTTP " + status + ".");
    }

    private static <T> Future<T> unavailable(Throwable failure) {
        return Future.failedFuture(new SchedulerUnavailableException(
                "scheduler-service cannot be reached: " + failure.getMessage(), failure));
    }

    private static String sandboxPath(String sandboxId) {
        return "/internal/v1/sandboxes/" + sandboxId;
    }

    private Buffer write(Object payload) {
        try {
            return Buffer.buffer(json.writeValueAsBytes(payload));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + payload.getClass().getSimpleName(), e);
        }
    }

    private <T> T read(Buffer body, Class<T> type) {
        try {
            return json.readValue(body.getBytes(), type);
        } catch (java.io.IOException e) {
            throw new SchedulerUnavailableException(
                    "scheduler-service answered a " + type.getSimpleName() + " that cannot be read.", e);
        }
    }
}
