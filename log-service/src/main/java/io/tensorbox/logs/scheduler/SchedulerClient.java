package io.tensorbox.logs.scheduler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.ExecResult;
import io.tensorbox.common.internal.InternalToken;
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
import java.util.concurrent.TimeUnit;

/**
 * The internal API of scheduler-service, spoken with the Vert.x HTTP client so that a streamed
 * exec reaches us chunk by chunk, as octets, with back-pressure. Every call carries the internal
 * token. Streams and the short calls use separate connection pools, so that long follows can never
 * make the checks of a new request wait for a connection.
 */
@ApplicationScoped
public class SchedulerClient {

    /** Layouts never change for a sandbox id; the cap only bounds memory on a long-lived service. */
    private static final int LAYOUT_CACHE_LIMIT = 10_000;
    /** Every follow holds a connection for as long as its process runs. */
    private static final int MAX_STREAMS = 1_000;
    /** Layout lookups and file checks: short, and their connections are reused. */
    private static final int MAX_CALLS = 64;

    private final HttpClient calls;
    private final HttpClient streams;
    private final ObjectMapper json;
    private final String baseUrl;
    private final String token;
    private final long checkTimeoutMs;
    private final Map<String, SandboxLayout> layouts = new ConcurrentHashMap<>();

    public SchedulerClient(Vertx vertx, ObjectMapper json, LogServiceConfig config) {
        this.json = json;
        this.baseUrl = config.schedulerUrl().replaceAll("/+$", "");
        this.token = config.internalToken().strip();
        this.checkTimeoutMs = config.logs().checkTimeout().toMillis();
        // No idle timeout on either client: a follow of a silent process carries no byte for as
        // long as the process prints nothing, and must stay open all the same.
        HttpClientOptions options = new HttpClientOptions().setConnectTimeout(5_000).setKeepAlive(true);
        this.calls = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(MAX_CALLS));
        this.streams = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(MAX_STREAMS));
    }

    @PreDestroy
    void close() {
        calls.close();
        streams.close();
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

    /**
     * Where the sandbox's ports can be reached ({@code GET .../address}): the pod IP on kubernetes,
     * the loopback on the local runtime. 404 → {@link SandboxNotFoundException}, 409 → {@link
     * SandboxNotRunningException}. The answer is checked strictly: an IP literal or a host name.
     */
    public Future<String> address(String sandboxId) {
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setAbsoluteURI(baseUrl + sandboxPath(sandboxId) + "/address")
                .setConnectTimeout(checkTimeoutMs)
                .setIdleTimeout(checkTimeoutMs)
                .putHeader(InternalToken.HEADER, token)
                .putHeader(HttpHeaders.ACCEPT, "application/json");
        return calls.request(options)
                .compose(req -> req.send())
                .compose(response -> response.body().map(body -> {
                    if (response.statusCode() == 409) {
                        throw new SandboxNotRunningException(sandboxId);
                    }
                    if (response.statusCode() != 200) {
                        throw unexpected(response.statusCode(), sandboxId);
                    }
                    if (body.length() > 4096) {
                        throw new SchedulerUnavailableException("scheduler-service answered an address too long to be one.");
                    }
                    Object host = read(body, Map.class).get("host");
                    if (!(host instanceof String text) || !ADDRESS.matcher(text).matches()) {
                        throw new SchedulerUnavailableException("scheduler-service answered an address that is none.");
                    }
                    return text;
                }))
                .recover(failure -> failure instanceof SandboxNotFoundException
                        || failure instanceof SandboxNotRunningException
                        || failure instanceof SchedulerUnavailableException
                        ? Future.failedFuture(failure)
                        : unavailable(failure));
    }

    /** An IPv4 literal, an IPv6 literal (no brackets, no zone) or a DNS name. */
    private static final java.util.regex.Pattern ADDRESS = java.util.regex.Pattern.compile(
            "(?:[0-9]{1,3}\\.){3}[0-9]{1,3}|[0-9a-fA-F:.]{2,45}|(?=.{1,253}$)[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?");

    /** A buffered exec: the whole (capped) output comes back at once. */
    public Future<ExecResult> exec(String sandboxId, ExecRequest request) {
        return call(HttpMethod.POST, sandboxPath(sandboxId) + "/exec", request, sandboxId)
                .map(body -> read(body, ExecResult.class));
    }

    /**
     * A streamed exec. The answer is paused: the caller pipes its body where it wants and owns the
     * request, which it resets to end the command early (a client that went away). The scheduler
     * answers its status and headers as soon as the command runs, before any output: a stream not
     * answered within the check timeout is given up (503), a silent one once answered never is.
     */
    public Future<ExecStream> execStream(String sandboxId, ExecRequest request) {
        Buffer body = write(request);
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(baseUrl + sandboxPath(sandboxId) + "/exec/stream")
                // bounds the wait for a pooled connection too
                .setConnectTimeout(checkTimeoutMs)
                .putHeader(InternalToken.HEADER, token)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.ACCEPT, "application/octet-stream");
        return streams.request(options)
                .recover(failure -> unavailable(failure))
                .compose(req -> req.send(body)
                        .timeout(checkTimeoutMs, TimeUnit.MILLISECONDS)
                        .recover(failure -> {
                            req.reset(); // the command must not start (or run on) for nobody
                            return unavailable(failure);
                        })
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
                .setConnectTimeout(checkTimeoutMs)
                .setIdleTimeout(checkTimeoutMs)
                .putHeader(InternalToken.HEADER, token)
                .putHeader(HttpHeaders.ACCEPT, "application/json");
        if (payload != null) {
            options.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        }
        return calls.request(options)
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
