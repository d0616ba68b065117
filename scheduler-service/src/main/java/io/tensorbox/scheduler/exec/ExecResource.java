package io.tensorbox.scheduler.exec;

import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.ExecResult;
import io.tensorbox.common.ApiException;
import io.tensorbox.scheduler.runtime.ExecHandle;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import io.tensorbox.scheduler.sandbox.Sandboxes;
import io.vertx.core.http.HttpServerResponse;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.StreamingOutput;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;

/** Internal: one command in a sandbox, buffered or streamed. */
@Path("/internal/v1/sandboxes/{sandboxId}/exec")
@Consumes(MediaType.APPLICATION_JSON)
public class ExecResource {

    private final SandboxRuntime runtime;
    private final ExecService exec;

    ExecResource(SandboxRuntime runtime, ExecService exec) {
        this.runtime = runtime;
        this.exec = exec;
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    public ExecResult run(@PathParam("sandboxId") String sandboxId, ExecRequest request) {
        validate(request);
        Sandboxes.requireRunning(runtime, sandboxId);
        return exec.run(sandboxId, request);
    }

    /**
     * The command's stdout as it is written, until it ends or the caller goes away (which ends the
     * command). Used to read and follow logs without holding them in memory.
     */
    @POST
    @Path("/stream")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public StreamingOutput stream(@PathParam("sandboxId") String sandboxId, ExecRequest request,
                                  @Context HttpServerResponse response) {
        validate(request);
        Sandboxes.requireRunning(runtime, sandboxId);
        return (OutputStream out) -> {
            ClosingOnFailure sink = new ClosingOnFailure(out);
            try (ExecHandle handle = runtime.exec(sandboxId, request, sink, OutputStream.nullOutputStream())) {
                sink.handle = handle;
                // A write to a connection that is gone may block rather than fail: the close tells first.
                response.closeHandler(closed -> {
                    sink.failed = true;
                    handle.close();
                });
                handle.exitCode().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (CancellationException | ExecutionException e) {
                if (!sink.failed) {
                    throw new IOException("exec in " + sandboxId + " failed", e.getCause());
                }
            }
        };
    }

    /**
     * Passes every chunk on at once, and ends the command once the caller has gone away instead of
     * letting it run on unread.
     */
    private static final class ClosingOnFailure extends OutputStream {
        private final OutputStream out;
        private volatile ExecHandle handle;
        private volatile boolean failed;

        ClosingOnFailure(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
                // a follower waits for each chunk; no runtime may leave it in a buffer
                out.flush();
            } catch (IOException | RuntimeException e) {
                throw callerGone(e);
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException | RuntimeException e) {
                throw callerGone(e);
            }
        }

        private IOException callerGone(Exception e) {
            failed = true;
            ExecHandle h = handle;
            if (h != null) {
                h.close();
            }
            return e instanceof IOException io ? io : new IOException(e);
        }
    }

    private static void validate(ExecRequest request) {
        if (request == null || request.argv() == null || request.argv().isEmpty()) {
            throw new ApiException(400, "invalid_request", "argv must be a non-empty array of strings");
        }
    }
}
