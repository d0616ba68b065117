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
        return call("start process " + spec.id(), () -> client.startProcess(sandboxId, spec));
    }

    public void kill(String sandboxId, String processId) {
        call("kill process " + processId, () -> {
            client.signal(sandboxId, processId, Map.of("signal", "KILL"));
            return null;
        });
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
