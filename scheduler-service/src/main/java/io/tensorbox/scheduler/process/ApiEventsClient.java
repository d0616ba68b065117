package io.tensorbox.scheduler.process;

import io.tensorbox.common.ProcessStatus;
import io.tensorbox.common.SandboxStatus;
import io.tensorbox.scheduler.ports.PortsReport;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import io.tensorbox.common.internal.InternalToken;
import org.eclipse.microprofile.rest.client.annotation.ClientHeaderParam;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** api-service owns the records; the scheduler tells it what happened inside sandboxes. */
@RegisterRestClient(configKey = "api")
@ClientHeaderParam(name = InternalToken.HEADER, value = "${tensorbox.internal-token}")
@Path("/internal/v1/events")
@Consumes(MediaType.APPLICATION_JSON)
public interface ApiEventsClient {

    @POST
    @Path("/process")
    void processEnded(ProcessStatus status);

    @POST
    @Path("/sandbox")
    void sandboxChanged(SandboxStatus status);

    /** The full set of a sandbox's listening sockets; 204, also for a sandbox api-service does not know. */
    @POST
    @Path("/ports")
    void portsChanged(PortsReport report);
}
