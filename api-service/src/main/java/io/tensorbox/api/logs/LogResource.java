package io.tensorbox.api.logs;

import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.tensorbox.api.auth.Caller;
import io.tensorbox.api.auth.Role;
import io.tensorbox.api.process.Processes;
import io.tensorbox.common.ApiException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.logging.Logger;

/**
 * Process logs, relayed from log-service chunk by chunk ({@link LogRelay}): nothing is held beyond
 * one buffer, a followed log reaches the client as log-service sends it, and no thread is held while
 * it streams (a worker only for the ownership check in the store).
 */
@Path("/v1/sandboxes/{sbx}/processes/{proc}/logs")
public class LogResource {
    private static final Logger LOG = Logger.getLogger(LogResource.class);

    @Inject
    Caller caller;
    @Inject
    Processes processes;
    @Inject
    LogRelay relay;

    @GET
    @RolesAllowed(Role.VIEWER)
    @Blocking
    @Produces("text/plain; charset=utf-8")
    @APIResponse(responseCode = "200", description = "The log's bytes (stdout and stderr merged) as they are"
            + " written; with follow=true the answer stays open until the process and its log writer ended.",
            content = @Content(mediaType = "text/plain", schema = @Schema(type = SchemaType.STRING)))
    public Multi<Buffer> logs(@PathParam("sbx") String sandboxId, @PathParam("proc") String processId,
                              @QueryParam("follow") String follow, @Context HttpServerResponse response) {
        if (follow != null && !follow.equals("true") && !follow.equals("false")) {
            throw ApiException.invalid("Query parameter 'follow' must be true or false.");
        }
        processes.owned(caller.teamId(), sandboxId, processId);
        return relay.open(sandboxId, processId, "true".equals(follow))
                .onFailure().recoverWithMulti(failure -> {
                    if (!response.headWritten()) {
                        return Multi.createFrom().failure(failure); // a JSON error (404, 503)
                    }
                    // Too late for a status: cut the connection so the client cannot take a truncated
                    // log for a complete one.
                    LOG.debugf("log stream of %s ended early: %s", processId, failure.toString());
                    response.reset();
                    return Multi.createFrom().empty();
                });
    }
}
