package io.tensorbox.api.sandbox;

import io.tensorbox.common.SandboxStatus;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;

/** The scheduler tells us a sandbox changed behind our back (became ready, pod deleted, failed). */
@Path("/internal/v1/events/sandbox")
public class SandboxEventResource {
    @Inject
    Sandboxes sandboxes;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Transactional
    public void onSandbox(SandboxStatus status) {
        if (status == null || status.id() == null) {
            return;
        }
        sandboxes.apply(Sandbox.findById(status.id()), status);
    }
}
