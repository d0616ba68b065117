package io.tensorbox.api.sandbox;

import io.tensorbox.common.ApiException;
import io.tensorbox.common.Ids;
import io.tensorbox.common.SandboxStatus;
import io.tensorbox.common.internal.InternalToken;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;

/**
 * The scheduler tells us a sandbox changed behind our back (became ready, pod deleted, failed). The id
 * and state are checked strictly (400) before anything is looked up; an unknown sandbox is ignored.
 */
@Path("/internal/v1/events/sandbox")
public class SandboxEventResource {
    static final int MAX_REASON = 1024;

    @Inject
    Sandboxes sandboxes;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(InternalToken.ROLE)
    @Transactional
    public void onSandbox(SandboxStatus status) {
        if (status == null) {
            throw ApiException.invalid("Send the sandbox status as a JSON object.");
        }
        if (status.id() == null || !Ids.SANDBOX.matcher(status.id()).matches()) {
            throw ApiException.invalid("Field 'id' must be sbx_ followed by 24 lowercase hex digits.");
        }
        if (status.state() == null) {
            throw ApiException.invalid("Field 'state' must be pending, running, stopped or failed.");
        }
        String reason = status.reason() != null && status.reason().length() > MAX_REASON
                ? status.reason().substring(0, MAX_REASON) : status.reason();
        sandboxes.apply(Sandbox.findById(status.id()), new SandboxStatus(status.id(), status.state(), reason));
    }
}
