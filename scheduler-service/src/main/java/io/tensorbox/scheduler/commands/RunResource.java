package io.tensorbox.scheduler.commands;

import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.tensorbox.common.CommandSpec;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

/**
 * Internal: a command of the runtime API, streamed as it runs ({@code text/event-stream}):
 * {@code start {"pid"}}, {@code stdout}/{@code stderr} with each chunk as a JSON string, then
 * {@code exit {"exit_code","duration_ms","timed_out"}}; or one {@code error {"error":{"code","message"}}}
 * when the sandbox refused the command ({@code invalid_cwd}, {@code invalid_user}). Errors found before
 * anything ran are plain JSON (400, 404, 409, 503). A caller that goes away kills the command and
 * everything it started, inside the sandbox. Only starting the exec takes a worker thread.
 */
@Path("/internal/v1/sandboxes/{sandboxId}/run")
public class RunResource {

    private final CommandRuns runs;

    RunResource(CommandRuns runs) {
        this.runs = runs;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    public Multi<OutboundSseEvent> run(@PathParam("sandboxId") String sandboxId, CommandSpec spec, @Context Sse sse) {
        return runs.run(sandboxId, spec).map(e -> sse.newEventBuilder()
                .name(e.name())
                .mediaType(MediaType.TEXT_PLAIN_TYPE)
                .data(String.class, e.data())
                .build());
    }
}
