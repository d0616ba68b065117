package io.tensorbox.api.scheduler;

import io.tensorbox.common.ApiException;
import io.tensorbox.common.ProcessSpec;
import io.tensorbox.common.ProcessStatus;
import io.tensorbox.common.SandboxSpec;
import io.tensorbox.common.SandboxStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.function.Supplier;

/**
 * The scheduler as callers in this service see it: any failure to reach it, or an answer it
 * should not give, is {@code 503 runtime_unavailable}, never the scheduler's own status.
 */
@ApplicationScoped
public class Scheduler {
    private static final Logger LOG = Logger.getLogger(Scheduler.class);

    @Inject
    @RestClient
    SchedulerClient client;

    public SandboxStatus ensureSandbox(SandboxSpec spec) {
        return call("create sandbox " + spec.id(), () -> client.ensureSandbox(spec.id(), spec));
    }

    public void deleteSandbox(String sandboxId) {
        call("delete sandbox " + sandboxId, () -> {
            client.deleteSandbox(sandboxId);
            return null;
        });
    }

    public ProcessStatus startProcess(String sandboxId, ProcessSpec spec) {
        return passing("start process " + spec.id(), () -> client.startProcess(sandboxId, spec));
    }

    public void kill(String sandboxId, String processId) {
        call("kill process " + processId, () -> {
            client.signal(sandboxId, processId, Map.of("signal", "KILL"));
            return null;
        });
    }

    /** Sends a signal (a standard name without {@code SIG}); an ended process takes it as a no-op. */
    public void signal(String sandboxId, String processId, String signal) {
        passing("signal process " + processId, () -> {
            client.signal(sandboxId, processId, Map.of("signal", signal));
            return null;
        });
    }

    /** The process as the sandbox sees it now. */
    public ProcessStatus status(String sandboxId, String processId) {
        return passing("read process " + processId, () -> client.status(sandboxId, processId));
    }

    /** Writes to the process's stdin: {@code 409} when it ended or its stdin was closed. */
    public void stdin(String sandboxId, String processId, byte[] data) {
        passing("write to process " + processId, () -> {
            client.stdin(sandboxId, processId, data);
            return null;
        });
    }

    /** Closes the process's stdin: it reads end of input. {@code 409} when it ended. */
    public void closeStdin(String sandboxId, String processId) {
        passing("close the stdin of process " + processId, () -> {
            client.closeStdin(sandboxId, processId);
            return null;
        });
    }

    /**
     * A call whose {@code 400}, {@code 404} and {@code 409} describe the caller's request (a user the
     * runtime cannot switch to, no such process, an ended one): they keep the scheduler's code and
     * message; every other failure is {@code 503}.
     */
    private static <T> T passing(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (WebApplicationException e) {
            int status = e.getResponse().getStatus();
            if (status == 400 || status == 404 || status == 409) {
                io.tensorbox.common.ErrorBody body = null;
                try {
                    body = e.getResponse().readEntity(io.tensorbox.common.ErrorBody.class);
                } catch (RuntimeException unreadable) {
                    LOG.debugf("unreadable %d of the scheduler: %s", status, unreadable.toString());
                }
                if (body != null && body.error() != null) {
                    throw new ApiException(status, body.error().code(), body.error().message());
                }
                throw switch (status) {
                    case 400 -> ApiException.invalid("The sandbox runtime refused the request.");
                    case 404 -> ApiException.notFound("process_not_found", "The sandbox has no such process.");
                    default -> ApiException.conflict("process_not_running", "The process has ended.");
                };
            }
            return call(what, () -> {
                throw e;
            });
        }
    }

    private static <T> T call(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (WebApplicationException e) {
            LOG.warnf("scheduler refused to %s: HTTP %d", what, e.getResponse().getStatus());
            throw ApiException.runtimeUnavailable("The sandbox runtime could not " + what
                    + " (scheduler answered " + e.getResponse().getStatus() + ").");
        } catch (RuntimeException e) {
            LOG.warnf("scheduler unreachable to %s: %s", what, e.toString());
            throw ApiException.runtimeUnavailable("The sandbox runtime is unavailable; could not " + what + ".");
        }
    }
}
