package io.tensorbox.api.logs;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.tensorbox.api.config.TensorboxConfig;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.internal.InternalToken;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.http.HttpClient;
import io.vertx.mutiny.core.http.HttpClientRequest;
import io.vertx.mutiny.core.http.HttpClientResponse;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads a process log from log-service without holding a thread: the upstream body is a back-pressured
 * stream of buffers on the event loop. Only connecting has a time limit; a followed log that stays
 * silent stays open as long as both ends want it. When the reader goes away (cancellation) or the
 * stream fails, the upstream connection is closed, which is what ends log-service's follow.
 */
@ApplicationScoped
public class LogRelay {
    private static final Logger LOG = Logger.getLogger(LogRelay.class);

    private final HttpClient client;
    private final String base;
    private final String token;

    LogRelay(Vertx vertx, TensorboxConfig config) {
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout(Math.toIntExact(config.logs().connectTimeout().toMillis()))
                .setIdleTimeout(0)
                .setMaxPoolSize(config.logs().maxConnections()));
        this.base = config.logUrl().replaceAll("/+$", "");
        this.token = config.internalToken();
    }

    @PreDestroy
    void close() {
        client.closeAndForget();
    }

    /**
     * The log's bytes as log-service sends them. The first item is an empty buffer, emitted as soon
     * as log-service answered 200, so the reader gets its headers at once even while the log is
     * silent. Fails with a 404 {@link ApiException} when there is no log, 503 when log-service cannot
     * be reached or read it.
     */
    public Multi<Buffer> open(String sandboxId, String processId, boolean follow) {
        return open(sandboxId, processId, follow, null);
    }

    /**
     * As {@link #open(String, String, boolean)}, from byte {@code offset} of the current log file
     * ({@code "end"}: from its current end; null: from its start).
     */
    public Multi<Buffer> open(String sandboxId, String processId, boolean follow, String offset) {
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET)
                .setAbsoluteURI(base + "/internal/v1/sandboxes/" + sandboxId + "/processes/" + processId
                        + "/logs?follow=" + follow + (offset == null ? "" : "&offset=" + offset))
                .putHeader(InternalToken.HEADER, token);
        AtomicReference<HttpClientRequest> upstream = new AtomicReference<>();
        AtomicReference<HttpClientResponse> answered = new AtomicReference<>();
        AtomicBoolean abandoned = new AtomicBoolean();
        Uni<HttpClientResponse> answer = client.request(request).onItem().transformToUni(sent -> {
            upstream.set(sent);
            if (abandoned.get()) {
                sent.reset();
                return Uni.createFrom().failure(new CancellationException("the reader went away"));
            }
            return sent.send();
        });
        return answer
                .onFailure().transform(failure -> {
                    if (abandoned.get()) {
                        // our own reset of a follow whose reader left: nobody is waiting for this
                        return new CancellationException("the reader went away");
                    }
                    LOG.warnf("log-service unreachable: %s", failure.toString());
                    return ApiException.runtimeUnavailable("The log service is unavailable.");
                })
                .onItem().transformToMulti(response -> {
                    answered.set(response);
                    return body(response, processId);
                })
                .onTermination().invoke((failure, cancelled) -> {
                    if (failure != null || cancelled) {
                        abandoned.set(true);
                        HttpClientResponse response = answered.get();
                        if (response != null) {
                            response.getDelegate().exceptionHandler(expected -> { }); // the reset below
                        }
                        HttpClientRequest sent = upstream.get();
                        if (sent != null) {
                            sent.reset(); // HTTP/1.1: closes the connection, which ends the follow
                        }
                    }
                });
    }

    private static Multi<Buffer> body(HttpClientResponse response, String processId) {
        if (response.statusCode() == 200) {
            return Multi.createBy().concatenating().streams(
                    Multi.createFrom().item(Buffer.buffer()),
                    response.toMulti().map(io.vertx.mutiny.core.buffer.Buffer::getDelegate));
        }
        if (response.statusCode() == 404) {
            return Multi.createFrom().failure(
                    ApiException.notFound("log_not_found", "Process " + processId + " has no log."));
        }
        LOG.warnf("log-service answered %d for the log of %s", response.statusCode(), processId);
        return Multi.createFrom().failure(ApiException.runtimeUnavailable(
                "The log service could not read the log (it answered " + response.statusCode() + ")."));
    }
}
