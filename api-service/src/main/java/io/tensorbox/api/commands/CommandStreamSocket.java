package io.tensorbox.api.commands;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.PathParam;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.tensorbox.api.auth.Role;
import io.tensorbox.api.process.ProcessRecord;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.ErrorBody;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;

/**
 * {@code GET {runtime_url}/commands/{pid}/stream} as a WebSocket (SPEC §5): text messages
 * {@code {"type":"output","data"}} and a last {@code {"type":"exit","exit_code"}}, then the socket
 * closes. {@code ?offset=N} replays from byte N of the current log, without it the stream starts at
 * its current end. Closing the socket only stops the reading; the process runs on. A plain GET of the
 * same path falls through to {@link CommandResource#stream} (SSE).
 */
@WebSocket(path = "/v1/sandboxes/{sbx}/commands/{pid}/stream")
@RolesAllowed({Role.VIEWER, Role.SANDBOX})
public class CommandStreamSocket {

    @Inject
    SecurityIdentity identity;
    @Inject
    RuntimeAccess access;
    @Inject
    Commands commands;
    @Inject
    ObjectMapper json;

    @OnOpen
    public Multi<String> open(@PathParam("sbx") String sandboxId, @PathParam("pid") String pid,
                              WebSocketConnection connection) {
        RuntimeAccess.Who who = RuntimeAccess.Who.of(identity); // read here: the request context ends with this call
        return Multi.createFrom().deferred(() -> {
                    String offset = Commands.offset(connection.handshakeRequest().query() == null ? null
                            : Queries.param(connection.handshakeRequest().query(), "offset"));
                    ProcessRecord p = QuarkusTransaction.requiringNew().call(() -> {
                        access.sandbox(who, sandboxId);
                        return commands.find(sandboxId, pid);
                    });
                    return commands.stream(p, offset).map(this::write);
                })
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .onFailure(ApiException.class).recoverWithItem(e -> write(ErrorBody.of(((ApiException) e).code(),
                        e.getMessage())))
                .onTermination().call(() -> connection.close());
    }

    private String write(Object message) {
        try {
            return json.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
