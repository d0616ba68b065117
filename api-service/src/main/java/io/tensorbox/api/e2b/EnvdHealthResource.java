package io.tensorbox.api.e2b;

import io.quarkus.security.identity.SecurityIdentity;
import io.tensorbox.api.auth.Role;
import io.tensorbox.api.commands.RuntimeAccess;
import io.tensorbox.api.sandbox.Sandbox;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.SandboxState;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.util.regex.Pattern;

/**
 * envd's {@code GET /health} of one sandbox ({@code /health} with {@code E2b-Sandbox-Id} lands here,
 * {@link EnvdRouting}): 204 while it runs. A sandbox that does not run, does not exist or is not the
 * caller's answers 502, as E2B's proxy does for a sandbox it cannot reach, and all alike (no existence
 * leak); E2B's SDK reads a 502 as "not running".
 */
@Path("/v1/sandboxes/{sbx}/envd/health")
public class EnvdHealthResource {
    static final Pattern PATH = Pattern.compile("/v1/sandboxes/[^/]+/envd/health");

    @Inject
    SecurityIdentity identity;
    @Inject
    RuntimeAccess access;

    @GET
    @RolesAllowed({Role.VIEWER, Role.SANDBOX})
    @Operation(hidden = true)
    public Response health(@PathParam("sbx") String sandboxId) {
        try {
            Sandbox sandbox = access.sandbox(identity, sandboxId);
            if (sandbox.state == SandboxState.running) {
                return Response.noContent().build();
            }
        } catch (ApiException notFound) {
            // answered as a sandbox that does not run
        }
        return Response.status(502).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new E2bViews.Error(502, "The sandbox " + sandboxId + " is not running.")).build();
    }
}
