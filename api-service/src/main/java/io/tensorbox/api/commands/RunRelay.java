package io.tensorbox.api.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.tensorbox.api.config.TensorboxConfig;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.CommandSpec;
import io.tensorbox.common.internal.InternalToken;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import io.vertx.mutiny.core.http.HttpClientRequest;
import io.vertx.mutiny.core.http.HttpClientResponse;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a command through the scheduler's {@code POST /internal/v1/sandboxes/{sbx}/run}, whose answer is
 * a stream of server-sent events ({@code start}, {@code stdout}, {@code stderr}, {@code exit}, or one
 * {@code error}), relayed event by event without holding a thread or the output. Cancelling the stream
 * (the caller went away) resets the connection, and the scheduler kills the command in the sandbox.
 * A plain Vert.x client rather than a REST client: the relay must see the scheduler's status and error
 * body before the first event, and must cut the connection on cancellation.
 */
@ApplicationScoped
public class RunRelay {
    private static final Logger LOG = Logger.getLogger(RunRelay.class);

    /** One event of the scheduler's stream: its name and its {@code data:} line as JSON. */
    public record Event(String name, JsonNode data) {
    }

    private final HttpClient client;
    private final String base;
    private final String token;
    private final ObjectMapper json;

    RunRelay(Vertx vertx, TensorboxConfig config, ObjectMapper json) {
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout(3000)
                .setIdleTimeout(0)
                .setMaxPoolSize(config.commands().maxRunning()));
        this.base = config.schedulerUrl().replaceAll("/+$", "");
        this.token = config.internalToken();
        this.json = json;
    }

    @PreDestroy
    void close() {
        client.closeAndForget();
    }

    /**
     * The events of the command as the scheduler sends them. Fails with the scheduler's own 4xx error
     * when it refused the command before running it, 503 when it cannot be reached.
     */
    public Multi<Event> run(String sandboxId, CommandSpec spec) {
        byte[] body;
        try {
            body = json.writeValueAsBytes(spec);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST)
                .setAbsoluteURI(base + "/internal/v1/sandboxes/" + sandboxId + "/run")
                .putHeader(InternalToken.HEADER, token)
                .putHeader("Content-Type", "application/json")
                .putHeader("Accept", "text/event-stream");
        AtomicReference<HttpClientRequest> upstream = new AtomicReference<>();
        AtomicReference<HttpClientResponse> answered = new AtomicReference<>();
        AtomicBoolean abandoned = new AtomicBoolean();
        Uni<HttpClientResponse> answer = client.request(request).onItem().transformToUni(sent -> {
            upstream.set(sent);
            if (abandoned.get()) {
                sent.reset();
                return Uni.createFrom().failure(new CancellationException("the caller went away"));
            }
            return sent.send(Buffer.buffer(body));
        });
        return answer
                // a pooled keep-alive connection the scheduler closed as we took it: nothing was run
                // on it (a command whose request arrived is killed when its connection goes), so the
                // run is sent once more on a fresh connection
                .onFailure(f -> f instanceof HttpClosedException && answered.get() == null && !abandoned.get())
                .retry().atMost(1)
                .onFailure(f -> !(f instanceof ApiException)).transform(failure -> {
                    LOG.warnf("scheduler unreachable for a run in %s: %s", sandboxId, failure.toString());
                    return ApiException.runtimeUnavailable("The sandbox runtime is unavailable; could not run the command.");
                })
                .onItem().transformToMulti(response -> {
                    answered.set(response);
                    return events(response);
                })
                .onTermination().invoke((failure, cancelled) -> {
                    if (failure != null || cancelled) {
                        abandoned.set(true);
                        try {
                            HttpClientResponse response = answered.get();
                            if (response != null) {
                                response.getDelegate().exceptionHandler(expected -> { }); // the reset below
                            }
                            HttpClientRequest sent = upstream.get();
                            if (sent != null) {
                                sent.reset(); // closes the connection: the scheduler ends the command
                            }
                        } catch (IllegalStateException alreadyOver) {
                            // the answer was complete (a refusal): there is no connection left to cut
                            LOG.debugf("the run's exchange was already over: %s", alreadyOver.toString());
                        }
                    }
                });
    }

    private Multi<Event> events(HttpClientResponse response) {
        if (response.statusCode() != 200) {
            return response.body().onItem().transformToMulti(error ->
                    Multi.createFrom().failure(Upstream.error(json, response.statusCode(), error.getBytes(), "scheduler")));
        }
        ServerSentEvents parser = new ServerSentEvents();
        return response.toMulti()
                .onItem().transformToIterable(chunk -> parser.feed(chunk.getBytes()))
                .map(e -> new Event(e.name(), Upstream.parse(json, e.data())));
    }
}
