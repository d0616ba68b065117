package io.tensorbox.api.sandbox;

import io.tensorbox.common.LiveSandbox;
import io.tensorbox.common.SandboxSpec;
import io.tensorbox.common.SandboxState;
import io.tensorbox.common.internal.InternalToken;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.List;

/** The scheduler's reconcile loop compares these records with what its runtime holds. */
@Path("/internal/v1/sandboxes/live")
public class LiveSandboxResource {

    @GET
    @RolesAllowed(InternalToken.ROLE)
    @Produces(MediaType.APPLICATION_JSON)
    public List<LiveSandbox> live() {
        List<Sandbox> live = Sandbox.list("state in ?1 order by createdAt, id",
                List.of(SandboxState.pending, SandboxState.running));
        return live.stream()
                .map(s -> new LiveSandbox(new SandboxSpec(s.id, s.teamId, s.template, s.env), s.state))
                .toList();
    }
}
