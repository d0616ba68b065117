package io.tensorbox.api.process;

import io.tensorbox.common.ProcessStatus;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;

/** Exits pushed by the scheduler, possibly replayed after a restart: applied at most once. */
@Path("/internal/v1/events/process")
public class ProcessEventResource {
    @Inject
    Processes processes;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Transactional
    public void onProcess(ProcessStatus status) {
        processes.onExit(status);
    }
}
