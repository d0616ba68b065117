package io.tensorbox.scheduler.exec;

import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.ExecResult;
import io.tensorbox.scheduler.config.SchedulerConfig;
import io.tensorbox.scheduler.runtime.ExecHandle;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import io.tensorbox.scheduler.sandbox.Sandboxes;
import io.vertx.core.buffer.Buffer;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.logging.Logger;

import java.io.OutputStream;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;

/** Internal: one command in a sandbox, buffered or streamed. */
@Path("/internal/v1/sandboxes/{sandboxId}/exec")
@Consumes(MediaType.APPLICATION_JSON)
public class ExecResource {

    private static final Logger LOG = Logger.getLogger(ExecResource.class);

    private final SandboxRuntime runtime;
    private final ExecService exec;
    private final SchedulerConfig config;

    ExecResource(SandboxRuntime runtime, ExecService exec, SchedulerConfig config) {
        this.runtime = runtime;
        this.exec = exec;
        this.config = config;
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    public ExecResult run(@PathParam("sandboxId") String sandboxId, ExecRequest request) {
        validate(request);
        Sandboxes.requireRunning(runtime, sandboxId);
        return exec.runBounded(sandboxId, request);
    }

    /**
     * The command's stdout as it is written, until it ends or the caller goes away (which ends the
     * command, in the sandbox: see {@link SandboxRuntime#exec}). Used to read and follow logs without
     * holding them in memory. The status and headers are sent at once, so a silent command is an open
     * stream, not a hung call. Only starting the exec takes a worker thread; the stream takes none.
     * The request's {@code timeoutMs} does not apply: a stream lasts as long as its reader wants it.
     */
    @POST
    @Path("/stream")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Blocking
    public Multi<Buffer> stream(@PathParam("sandboxId") String sandboxId, ExecRequest request) {
        validate(request);
        Sandboxes.requireRunning(runtime, sandboxId);
        StreamedOutput output = new StreamedOutput(config.execStreamBufferBytes());
        ExecRequest streamed = new ExecRequest(request.argv(), request.cwd(), request.env(), null, 0);
        ExecHandle handle = runtime.exec(sandboxId, streamed, output, OutputStream.nullOutputStream());
        output.onCancel(handle::close);
        handle.exitCode().whenComplete((code, failure) -> {
            if (failure == null) {
                output.end();
            } else {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                if (!(cause instanceof CancellationException)) {
                    LOG.infof("streamed exec in %s failed: %s", sandboxId, cause.getMessage());
                }
                output.fail(cause);
            }
        });
        return output.multi();
    }

    private static void validate(ExecRequest request) {
        if (request == null || request.argv() == null || request.argv().isEmpty()) {
            throw new ApiException(400, "invalid_request", "argv must be a non-empty array of strings");
        }
    }
}
