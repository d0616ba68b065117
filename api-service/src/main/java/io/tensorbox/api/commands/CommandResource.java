package io.tensorbox.api.commands;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.tensorbox.api.auth.Role;
import io.tensorbox.api.process.ProcessRecord;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.CommandSpec;
import io.tensorbox.common.ProcessState;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.jboss.resteasy.reactive.ResponseStatus;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Background commands (SPEC §5): start, list, stdin, signals, kill, and the output stream as SSE (the
 * WebSocket form of the stream is {@link CommandStreamSocket}). {@code {pid}} is the pid or the process id.
 */
@Path("/v1/sandboxes/{sbx}/commands")
@Produces(MediaType.APPLICATION_JSON)
public class CommandResource {

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Started(int pid, String processId) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record CommandInfo(String processId, int pid, String cmd, String status,
                              @JsonInclude(JsonInclude.Include.ALWAYS) Integer exitCode) {
        static CommandInfo of(ProcessRecord p) {
            String cmd = p.shell || p.command.size() == 1 ? p.command.getFirst()
                    : CommandBody.display(p.command.getFirst(), p.command.subList(1, p.command.size()));
            return new CommandInfo(p.id, p.pid, cmd, p.state.name(),
                    p.state == ProcessState.running ? null : p.exitCode);
        }
    }

    public record CommandList(List<CommandInfo> commands) {
    }

    public record StdinBody(String data, Boolean eof) {
    }

    public record SignalBody(String signal) {
    }

    @Inject
    SecurityIdentity identity;
    @Inject
    RuntimeAccess access;
    @Inject
    Commands commands;
    @Inject
    io.tensorbox.api.config.TensorboxConfig config;
    @Inject
    ObjectMapper json;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    @RolesAllowed({Role.DEVELOPER, Role.SANDBOX})
    public Started start(@PathParam("sbx") String sandboxId, CommandBody body) {
        CommandSpec spec = CommandBody.check(body, 0);
        access.running(identity, sandboxId);
        ProcessRecord p = commands.start(sandboxId, spec, null);
        return new Started(p.pid, p.id);
    }

    @GET
    @RolesAllowed({Role.VIEWER, Role.SANDBOX})
    public CommandList list(@PathParam("sbx") String sandboxId, @QueryParam("all") String all) {
        if (all != null && !all.equals("true") && !all.equals("false")) {
            throw ApiException.invalid("Query parameter 'all' must be true or false.");
        }
        access.sandbox(identity, sandboxId);
        return new CommandList(commands.list(sandboxId, "true".equals(all)).stream().map(CommandInfo::of).toList());
    }

    @POST
    @Path("/{pid}/stdin")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.DEVELOPER, Role.SANDBOX})
    public void stdin(@PathParam("sbx") String sandboxId, @PathParam("pid") String pid, StdinBody body) {
        if (body == null || (body.data() == null && body.eof() == null)) {
            throw ApiException.invalid("The body needs 'data' (a string to write) or 'eof': true (to close stdin).");
        }
        ProcessRecord p = owned(sandboxId, pid);
        commands.stdin(p, body.data() == null ? new byte[0] : body.data().getBytes(StandardCharsets.UTF_8),
                Boolean.TRUE.equals(body.eof()));
    }

    @POST
    @Path("/{pid}/signal")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.DEVELOPER, Role.SANDBOX})
    public void signal(@PathParam("sbx") String sandboxId, @PathParam("pid") String pid, SignalBody body) {
        if (body == null || body.signal() == null) {
            throw ApiException.invalid("Field 'signal' is required, e.g. \"SIGTERM\".");
        }
        ProcessRecord p = owned(sandboxId, pid);
        commands.signal(p, body.signal());
    }

    @DELETE
    @Path("/{pid}")
    @RolesAllowed({Role.DEVELOPER, Role.SANDBOX})
    public void kill(@PathParam("sbx") String sandboxId, @PathParam("pid") String pid) {
        commands.kill(owned(sandboxId, pid));
    }

    /** The output stream as server-sent events: {@code output} messages, then {@code exit}. */
    @GET
    @Path("/{pid}/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RolesAllowed({Role.VIEWER, Role.SANDBOX})
    @Blocking
    public Multi<OutboundSseEvent> stream(@PathParam("sbx") String sandboxId, @PathParam("pid") String pid,
                                          @QueryParam("offset") String offset, @Context Sse sse) {
        String from = Commands.offset(offset);
        ProcessRecord p = owned(sandboxId, pid);
        Multi<Commands.Message> messages;
        try {
            // answer only once the start is fixed: output that follows the answer is never missed
            messages = commands.open(p, from).await().atMost(RunResource.START_WAIT);
        } catch (io.smallrye.mutiny.TimeoutException e) {
            throw ApiException.runtimeUnavailable("The log service did not open the stream within "
                    + RunResource.START_WAIT.toSeconds() + " s.");
        }
        return messages.map(m -> sse.newEventBuilder().name(m.type())
                .data(String.class, write(m)).build());
    }

    private String write(Commands.Message message) {
        try {
            return json.writeValueAsString(message);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private ProcessRecord owned(String sandboxId, String pid) {
        access.sandbox(identity, sandboxId);
        return commands.find(sandboxId, pid);
    }
}
