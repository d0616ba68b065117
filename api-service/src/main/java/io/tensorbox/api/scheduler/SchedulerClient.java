package io.tensorbox.api.scheduler;

import io.tensorbox.common.ProcessSpec;
import io.tensorbox.common.ProcessStatus;
import io.tensorbox.common.SandboxSpec;
import io.tensorbox.common.SandboxStatus;
import io.tensorbox.common.internal.InternalToken;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.rest.client.annotation.ClientHeaderParam;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import java.util.Map;

/**
 * scheduler-service's internal API (docs/ARCHITECTURE.md); base URL {@code tensorbox.scheduler-url}.
 * Every call carries the service identity (the internal token).
 */
@RegisterRestClient(configKey = "scheduler")
@ClientHeaderParam(name = InternalToken.HEADER, value = "${tensorbox.internal-token}")
@ApplicationScoped
@Path("/internal/v1/sandboxes")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public interface SchedulerClient {

    @PUT
    @Path("/{sbx}")
    SandboxStatus ensureSandbox(@PathParam("sbx") String sandboxId, SandboxSpec spec);

    @DELETE
    @Path("/{sbx}")
    void deleteSandbox(@PathParam("sbx") String sandboxId);

    @POST
    @Path("/{sbx}/processes")
    ProcessStatus startProcess(@PathParam("sbx") String sandboxId, ProcessSpec spec);

    @jakarta.ws.rs.GET
    @Path("/{sbx}/processes/{proc}")
    ProcessStatus status(@PathParam("sbx") String sandboxId, @PathParam("proc") String processId);

    @POST
    @Path("/{sbx}/processes/{proc}/stdin")
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    void stdin(@PathParam("sbx") String sandboxId, @PathParam("proc") String processId, byte[] data);

    @POST
    @Path("/{sbx}/processes/{proc}/stdin/close")
    void closeStdin(@PathParam("sbx") String sandboxId, @PathParam("proc") String processId);

    @POST
    @Path("/{sbx}/processes/{proc}/signal")
    void signal(@PathParam("sbx") String sandboxId, @PathParam("proc") String processId, Map<String, String> signal);
}
