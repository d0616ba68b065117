package io.tensorbox.scheduler.process;

import io.tensorbox.common.ProcessSpec;
import io.tensorbox.common.ProcessStatus;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.Ids;
import io.tensorbox.scheduler.commands.CommandLines;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import io.tensorbox.scheduler.sandbox.Sandboxes;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;

import java.util.List;
import java.util.Set;

/** Internal: start, inspect, signal and feed processes inside a sandbox. */
@Path("/internal/v1/sandboxes/{sandboxId}/processes")
public class ProcessResource {

    private static final Set<String> SIGNALS = Set.of("HUP", "INT", "QUIT", "KILL", "USR1", "USR2", "TERM",
            "CONT", "STOP", "TSTP", "WINCH");

    private final SandboxRuntime runtime;
    private final Supervisor supervisor;

    ProcessResource(SandboxRuntime runtime, Supervisor supervisor) {
        this.runtime = runtime;
        this.supervisor = supervisor;
    }

    public record SignalRequest(String signal) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public ProcessStatus start(@PathParam("sandboxId") String sandboxId, ProcessSpec spec) {
        if (spec == null || spec.id() == null || spec.command() == null || spec.command().isEmpty()) {
            throw new ApiException(400, "invalid_request", "a process needs an id and a non-empty command");
        }
        if (!Supervisor.isProcessId(spec.id())) {
            throw new ApiException(400, "invalid_request", "a process id is proc_ and 24 lowercase hex digits");
        }
        CommandLines.validate(spec);
        CommandLines.requireUser(spec.user(), runtime.switchesUsers());
        requireRunning(sandboxId);
        return supervisor.start(sandboxId, spec);
    }

    @GET
    public List<ProcessStatus> list(@PathParam("sandboxId") String sandboxId) {
        requireRunning(sandboxId);
        return supervisor.list(sandboxId);
    }

    @GET
    @Path("/{processId}")
    public ProcessStatus get(@PathParam("sandboxId") String sandboxId, @PathParam("processId") String processId) {
        requireRunning(sandboxId);
        requireProcessId(processId);
        return supervisor.status(sandboxId, processId).orElseThrow(() -> noSuchProcess(processId));
    }

    @POST
    @Path("/{processId}/signal")
    @Consumes(MediaType.APPLICATION_JSON)
    public void signal(@PathParam("sandboxId") String sandboxId, @PathParam("processId") String processId,
                       SignalRequest request) {
        String signal = request == null || request.signal() == null ? "" : request.signal().replaceFirst("^SIG", "");
        if (!SIGNALS.contains(signal)) {
            throw new ApiException(400, "invalid_signal", "signal must be one of SIG" + String.join(", SIG", SIGNALS));
        }
        requireRunning(sandboxId);
        requireProcessId(processId);
        if (!supervisor.signal(sandboxId, processId, signal)) {
            throw noSuchProcess(processId);
        }
    }

    @POST
    @Path("/{processId}/stdin")
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    public void stdin(@PathParam("sandboxId") String sandboxId, @PathParam("processId") String processId, byte[] data) {
        requireRunning(sandboxId);
        requireProcessId(processId);
        switch (supervisor.stdin(sandboxId, processId, data == null ? new byte[0] : data)) {
            case WRITTEN -> {
            }
            case CLOSED -> throw new ApiException(409, "stdin_closed", "the stdin of process " + processId + " was closed");
            case ENDED -> throw new ApiException(409, "process_not_running", "process " + processId + " has ended");
            case UNKNOWN -> throw noSuchProcess(processId);
        }
    }

    /** Ends the process's input: it reads end of input after what was written; later writes are 409 {@code stdin_closed}. */
    @POST
    @Path("/{processId}/stdin/close")
    public void closeStdin(@PathParam("sandboxId") String sandboxId, @PathParam("processId") String processId) {
        requireRunning(sandboxId);
        requireProcessId(processId);
        switch (supervisor.closeStdin(sandboxId, processId)) {
            case CLOSED, WRITTEN -> {
            }
            case ENDED -> throw new ApiException(409, "process_not_running", "process " + processId + " has ended");
            case UNKNOWN -> throw noSuchProcess(processId);
        }
    }

    /** A sandbox id is checked before it names a directory or a pod. */
    private void requireRunning(String sandboxId) {
        if (!Ids.SANDBOX.matcher(sandboxId).matches()) {
            throw new ApiException(404, "sandbox_not_found", "no sandbox " + sandboxId + " in this runtime");
        }
        Sandboxes.requireRunning(runtime, sandboxId);
    }

    /** Anything that is not a process id names no process: it never reaches the sandbox. */
    private static void requireProcessId(String processId) {
        if (!Supervisor.isProcessId(processId)) {
            throw noSuchProcess(processId);
        }
    }

    private static ApiException noSuchProcess(String processId) {
        return new ApiException(404, "process_not_found", "no process " + processId + " in this sandbox");
    }
}
