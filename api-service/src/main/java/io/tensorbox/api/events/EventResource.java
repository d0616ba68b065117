package io.tensorbox.api.events;

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.tensorbox.api.auth.Role;
import io.tensorbox.api.commands.RuntimeAccess;
import io.tensorbox.api.sandbox.Sandbox;
import io.tensorbox.common.ApiException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

/**
 * {@code GET /v1/sandboxes/{id}/events} (SPEC §6): the sandbox's events as server-sent events, each
 * with its id. A reconnect sends {@code Last-Event-ID} (or {@code ?after=} where a client cannot set
 * headers) and gets every event after it, none twice; a fresh stream starts at the current end. The
 * stream ends after the sandbox's final {@code sandbox.state}.
 */
@Path("/v1/sandboxes/{sbx}/events")
public class EventResource {

    @Inject
    RuntimeAccess access;

    @Inject
    SecurityIdentity identity;

    @Inject
    EventFeed feed;

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RolesAllowed({Role.VIEWER, Role.SANDBOX})
    @Blocking
    public Multi<OutboundSseEvent> events(@PathParam("sbx") String sandboxId,
                                          @HeaderParam("Last-Event-ID") String lastEventId,
                                          @QueryParam("after") String after, @Context Sse sse) {
        Long from = position("Last-Event-ID", lastEventId);
        if (from == null) {
            from = position("after", after);
        }
        Sandbox sandbox = access.sandbox(identity, sandboxId);
        return feed.follow(sandbox.id, from).map(e -> sse.newEventBuilder()
                .id(Long.toString(e.seq())).name(e.type()).data(String.class, e.data()).build());
    }

    private static Long position(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            long seq = Long.parseLong(value.trim());
            if (seq >= 0) {
                return seq;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.invalid("'" + name + "' must be the id of an event of this stream (a number ≥ 0).");
    }
}
