package io.tensorbox.scheduler.sandbox;

import io.tensorbox.common.SandboxSpec;
import io.tensorbox.common.SandboxState;
import io.tensorbox.common.SandboxStatus;
import io.tensorbox.scheduler.process.ExitWatcher;
import io.tensorbox.scheduler.runtime.SandboxLayout;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import io.tensorbox.common.ApiException;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;

import java.util.Map;

/** Internal: api-service turns sandbox records into runtime sandboxes through these calls. */
@Path("/internal/v1/sandboxes/{sandboxId}")
public class SandboxResource {

    private final SandboxRuntime runtime;
    private final ExitWatcher exitWatcher;
    private final SandboxTeardown teardown;

    public SandboxResource(SandboxRuntime runtime, ExitWatcher exitWatcher, SandboxTeardown teardown) {
        this.runtime = runtime;
        this.exitWatcher = exitWatcher;
        this.teardown = teardown;
    }

    @PUT
    public SandboxStatus create(@PathParam("sandboxId") String sandboxId, SandboxSpec spec) {
        if (spec == null || !sandboxId.equals(spec.id())) {
            throw new BadRequestException("the body's id must be the sandbox id of the path");
        }
        SandboxStatus status = runtime.create(spec);
        if (status.state() == SandboxState.running) {
            exitWatcher.watch(sandboxId);
        }
        return status;
    }

    @GET
    public SandboxStatus status(@PathParam("sandboxId") String sandboxId) {
        return runtime.status(sandboxId);
    }

    @GET
    @Path("/layout")
    public SandboxLayout layout(@PathParam("sandboxId") String sandboxId) {
        Sandboxes.requireRunning(runtime, sandboxId);
        return runtime.layout(sandboxId);
    }

    /** Where the sandbox's listening ports are reached (the preview proxy connects there): {@code {"host":"10.1.2.3"}}. */
    @GET
    @Path("/address")
    public Map<String, String> address(@PathParam("sandboxId") String sandboxId) {
        Sandboxes.requireRunning(runtime, sandboxId);
        String host = runtime.address(sandboxId);
        if (host == null) {
            throw new ApiException(409, "sandbox_not_running", "sandbox " + sandboxId + " has no address yet");
        }
        return Map.of("host", host);
    }

    @DELETE
    public void delete(@PathParam("sandboxId") String sandboxId) {
        teardown.delete(sandboxId);
    }
}
