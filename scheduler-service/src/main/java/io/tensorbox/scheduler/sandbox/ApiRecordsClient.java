package io.tensorbox.scheduler.sandbox;

import io.tensorbox.common.LiveSandbox;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import io.tensorbox.common.internal.InternalToken;
import org.eclipse.microprofile.rest.client.annotation.ClientHeaderParam;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import java.util.List;

@RegisterRestClient(configKey = "api")
@ClientHeaderParam(name = InternalToken.HEADER, value = "${tensorbox.internal-token}")
@Path("/internal/v1/sandboxes")
public interface ApiRecordsClient {

    @GET
    @Path("/live")
    @Produces(MediaType.APPLICATION_JSON)
    List<LiveSandbox> live();
}
