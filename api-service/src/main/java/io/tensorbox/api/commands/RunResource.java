package io.tensorbox.api.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.tensorbox.api.auth.Role;
import io.tensorbox.api.config.TensorboxConfig;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.CommandSpec;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST {runtime_url}/run} (SPEC §5, seed 001): a command run to its end. As JSON the answer
 * comes once it ended, each stream capped; as {@code text/event-stream} every chunk leaves as the
 * scheduler relays it. Either way a caller that goes away kills the command, and only starting the
 * call takes a worker thread (the store's checks); the run itself holds none.
 */
@Path("/v1/sandboxes/{sbx}/run")
@RolesAllowed({Role.DEVELOPER, Role.SANDBOX})
public class RunResource {

    /** The answer of a buffered run. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record RunResult(String stdout, String stderr, int exitCode, long durationMs, boolean timedOut,
                            boolean truncated) {
    }

    /** How long a streamed run waits for the sandbox to start its command (or refuse it). */
    static final java.time.Duration START_WAIT = java.time.Duration.ofSeconds(30);

    @Inject
    SecurityIdentity identity;
    @Inject
    RuntimeAccess access;
    @Inject
    RunRelay relay;
    @Inject
    TensorboxConfig config;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public Uni<RunResult> run(@PathParam("sbx") String sandboxId, CommandBody body,
                              @Context io.vertx.ext.web.RoutingContext routing) {
        CommandSpec spec = start(sandboxId, body);
        Collected collected = new Collected(config.commands().outputCapBytes());
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        Cancellable run = relay.run(sandboxId, spec).onItem().invoke(collected::add) // a refusal fails the stream
                .subscribe().with(event -> { }, result::completeExceptionally,
                () -> {
                    if (collected.exit == null) {
                        result.completeExceptionally(ApiException.runtimeUnavailable(
                                "The sandbox runtime ended the command's stream without its exit."));
                    } else {
                        result.complete(collected.result());
                    }
                });
        // Ends with the exchange: a caller that went away cancels the relay, and the scheduler kills the
        // command (after a normal answer the run is over and cancelling does nothing).
        routing.addEndHandler(ended -> run.cancel());
        return Uni.createFrom().completionStage(result);
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    public Multi<OutboundSseEvent> stream(@PathParam("sbx") String sandboxId, CommandBody body, @Context Sse sse) {
        CommandSpec spec = start(sandboxId, body);
        // An SSE answer is committed (200) as soon as its stream is subscribed to, so the first event
        // is awaited here, on this worker thread, before returning: a command the sandbox refused is
        // then a JSON 400 rather than a 200 stream that ends at once. That event comes as soon as the
        // command started; the rest of the stream holds no thread.
        FirstItem.Split<RunRelay.Event> split;
        try {
            split = FirstItem.of(relay.run(sandboxId, spec)).await().atMost(START_WAIT);
        } catch (io.smallrye.mutiny.TimeoutException e) {
            throw ApiException.runtimeUnavailable("The sandbox did not start the command within " + START_WAIT.toSeconds() + " s.");
        }
        if (split.first().name().equals("error")) {
            split.cancel();
            refused(split.first());
        }
        return Multi.createBy().concatenating().streams(Multi.createFrom().item(split.first()), split.rest())
                .map(event -> {
                    refused(event);
                    return sse.newEventBuilder().name(event.name())
                            .data(String.class, event.data().toString()).build();
                });
    }

    private CommandSpec start(String sandboxId, CommandBody body) {
        CommandSpec spec = CommandBody.check(body, config.commands().runDefaultTimeoutMs());
        access.running(identity, sandboxId);
        return spec;
    }

    /**
     * The sandbox refused the command before it ran: a missing cwd or an unknown user is the caller's
     * mistake (400); a launcher that could not start at all is the runtime's (503).
     */
    static void refused(RunRelay.Event event) {
        if (event.name().equals("error")) {
            JsonNode error = event.data().path("error");
            String code = error.path("code").asText("invalid_request");
            String message = error.path("message").asText("The sandbox refused the command.");
            if (code.equals("runtime_unavailable")) {
                throw ApiException.runtimeUnavailable(message);
            }
            throw new ApiException(400, code, message);
        }
    }

    /** The output of a buffered run, each stream cut at the cap (counted in UTF-8 bytes). */
    static final class Collected {
        private final int cap;
        private final StringBuilder stdout = new StringBuilder();
        private final StringBuilder stderr = new StringBuilder();
        private long stdoutBytes;
        private long stderrBytes;
        private boolean truncated;
        JsonNode exit;

        Collected(int cap) {
            this.cap = cap;
        }

        void add(RunRelay.Event event) {
            refused(event);
            switch (event.name()) {
                case "stdout" -> stdoutBytes = append(stdout, stdoutBytes, event.data().asText());
                case "stderr" -> stderrBytes = append(stderr, stderrBytes, event.data().asText());
                case "exit" -> exit = event.data();
                default -> {
                }
            }
        }

        private long append(StringBuilder into, long held, String chunk) {
            long size = chunk.getBytes(StandardCharsets.UTF_8).length;
            if (held + size <= cap) {
                into.append(chunk);
                return held + size;
            }
            truncated = true;
            // keep whole characters up to the cap
            long room = cap - held;
            int i = 0;
            while (i < chunk.length() && room > 0) {
                int cp = chunk.codePointAt(i);
                int bytes = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
                if (bytes > room) {
                    break;
                }
                into.appendCodePoint(cp);
                room -= bytes;
                i += Character.charCount(cp);
            }
            return cap;
        }

        RunResult result() {
            return new RunResult(stdout.toString(), stderr.toString(), exit.path("exit_code").asInt(-1),
                    exit.path("duration_ms").asLong(), exit.path("timed_out").asBoolean(), truncated);
        }
    }
}
