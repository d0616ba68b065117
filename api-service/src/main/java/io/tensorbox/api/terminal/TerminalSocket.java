package io.tensorbox.api.terminal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.websockets.next.OnBinaryMessage;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.PathParam;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.tensorbox.api.auth.Role;
import io.tensorbox.api.commands.RuntimeAccess;
import io.tensorbox.api.config.TensorboxConfig;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.ErrorBody;
import io.tensorbox.common.internal.InternalToken;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET {runtime_url}/terminal} as a WebSocket (SPEC §5): a real terminal in the sandbox. The
 * scheduler runs it ({@code /internal/v1/sandboxes/{sbx}/terminal}, the same messages); this relays
 * frames both ways, unchanged: binary keystrokes and output, text resize and exit messages. Closing
 * either side closes the other, and the scheduler ends the terminal's processes in the sandbox.
 */
@WebSocket(path = "/v1/sandboxes/{sbx}/terminal")
@RolesAllowed({Role.DEVELOPER, Role.SANDBOX})
public class TerminalSocket {
    private static final Logger LOG = Logger.getLogger(TerminalSocket.class);
    /** Query parameters passed on to the scheduler; every other one is ignored. */
    private static final String[] PASSED = {"cols", "rows", "cmd", "cwd", "user"};

    @Inject
    SecurityIdentity identity;
    @Inject
    RuntimeAccess access;
    @Inject
    ObjectMapper json;

    @Inject
    io.tensorbox.api.activity.Activity activity;

    private final Map<String, io.vertx.core.http.WebSocket> upstreams = new ConcurrentHashMap<>();
    /** An open terminal is activity of its sandbox (idle timeout) while it is open. */
    private final Map<String, io.tensorbox.api.activity.Activity.InFlight> open = new ConcurrentHashMap<>();
    private final WebSocketClient client;
    private final URI scheduler;
    private final String token;

    TerminalSocket(Vertx vertx, TensorboxConfig config) {
        this.client = vertx.createWebSocketClient(new WebSocketClientOptions().setConnectTimeout(5000)
                .setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 22));
        this.scheduler = URI.create(config.schedulerUrl());
        this.token = config.internalToken();
    }

    @PreDestroy
    void stop() {
        client.close();
    }

    @OnOpen
    public Uni<Void> open(@PathParam("sbx") String sandboxId, WebSocketConnection connection) {
        RuntimeAccess.Who who = RuntimeAccess.Who.of(identity); // read here: the request context ends with this call
        return Uni.createFrom().item(() -> QuarkusTransaction.requiringNew().call(() ->
                        access.running(who, sandboxId)))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .onItem().transformToUni(sandbox -> connect(sandboxId, sandbox.teamId, connection))
                .onFailure().recoverWithUni(failure -> {
                    ApiException error = failure instanceof ApiException api ? api
                            : ApiException.runtimeUnavailable("The sandbox runtime could not open a terminal.");
                    if (!(failure instanceof ApiException)) {
                        LOG.warnf("terminal in %s could not open: %s", sandboxId, failure.toString());
                    }
                    return connection.sendText(write(ErrorBody.of(error.code(), error.getMessage())))
                            .onItem().transformToUni(sent -> connection.close());
                });
    }

    private Uni<Void> connect(String sandboxId, String teamId, WebSocketConnection connection) {
        StringBuilder uri = new StringBuilder("/internal/v1/sandboxes/").append(sandboxId).append("/terminal");
        char sep = '?';
        String query = connection.handshakeRequest().query();
        for (String name : PASSED) {
            String value = query == null ? null : io.tensorbox.api.commands.Queries.param(query, name);
            if (value != null) {
                uri.append(sep).append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
                sep = '&';
            }
        }
        WebSocketConnectOptions options = new WebSocketConnectOptions()
                .setHost(scheduler.getHost())
                .setPort(scheduler.getPort() > 0 ? scheduler.getPort() : 80)
                .setSsl("https".equals(scheduler.getScheme()))
                .setURI(uri.toString())
                .addHeader(InternalToken.HEADER, token);
        return Uni.createFrom().completionStage(() -> client.connect(options).toCompletionStage())
                .onItem().invoke(upstream -> {
                    upstreams.put(connection.id(), upstream);
                    open.put(connection.id(), activity.enter(sandboxId, () -> teamId));
                    upstream.textMessageHandler(text -> connection.sendText(text).subscribe().with(
                            sent -> { }, failed -> upstream.close()));
                    upstream.binaryMessageHandler(bytes -> connection.sendBinary(bytes).subscribe().with(
                            sent -> { }, failed -> upstream.close()));
                    upstream.closeHandler(closed -> {
                        upstreams.remove(connection.id());
                        activity.leave(open.remove(connection.id()));
                        connection.close().subscribe().with(done -> { }, failed -> { });
                    });
                    if (connection.isClosed()) {
                        upstream.close();
                    }
                })
                .replaceWithVoid();
    }

    @OnTextMessage
    public void text(String message, WebSocketConnection connection) {
        io.vertx.core.http.WebSocket upstream = upstreams.get(connection.id());
        if (upstream != null) {
            upstream.writeTextMessage(message);
        }
    }

    @OnBinaryMessage
    public void binary(Buffer keys, WebSocketConnection connection) {
        io.vertx.core.http.WebSocket upstream = upstreams.get(connection.id());
        if (upstream != null) {
            upstream.writeBinaryMessage(keys);
        }
    }

    @OnClose
    public void close(WebSocketConnection connection) {
        io.vertx.core.http.WebSocket upstream = upstreams.remove(connection.id());
        activity.leave(open.remove(connection.id()));
        if (upstream != null) {
            upstream.close();
        }
    }

    private String write(Object message) {
        try {
            return json.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
