package io.tensorbox.api.process;

import io.tensorbox.common.ApiException;
import io.tensorbox.common.Ids;
import io.tensorbox.common.ProcessState;
import io.tensorbox.common.ProcessStatus;
import io.tensorbox.common.internal.InternalToken;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;

/**
 * Exits pushed by the scheduler, possibly replayed after a restart: applied at most once, and only to
 * the process of the sandbox that reported it. What a sandbox reports is hostile input: ids and
 * state are checked strictly (400) before anything is looked up.
 */
@Path("/internal/v1/events/process")
public class ProcessEventResource {
    static final int MAX_REASON = 1024;

    @Inject
    Processes processes;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(InternalToken.ROLE)
    @Transactional
    public void onProcess(ProcessStatus status) {
        processes.onExit(checked(status));
    }

    static ProcessStatus checked(ProcessStatus status) {
        if (status == null) {
            throw ApiException.invalid("Send the process status as a JSON object.");
        }
        if (status.id() == null || !Ids.PROCESS.matcher(status.id()).matches()) {
            throw ApiException.invalid("Field 'id' must be proc_ followed by 24 lowercase hex digits.");
        }
        if (status.sandboxId() == null || !Ids.SANDBOX.matcher(status.sandboxId()).matches()) {
            throw ApiException.invalid("Field 'sandboxId' must be sbx_ followed by 24 lowercase hex digits.");
        }
        if (status.state() == null || !status.state().isFinal()) {
            throw ApiException.invalid("Field 'state' must be exited, killed or failed.");
        }
        if (status.state() == ProcessState.exited && (status.exitCode() < 0 || status.exitCode() > 255)) {
            throw ApiException.invalid("Field 'exitCode' of an exited process must be between 0 and 255.");
        }
        if (status.pid() < 0 || status.startedAtMs() < 0 || status.exitedAtMs() < 0) {
            throw ApiException.invalid("Fields 'pid', 'startedAtMs' and 'exitedAtMs' must not be negative.");
        }
        String reason = status.reason();
        if (reason != null && reason.length() > MAX_REASON) {
            reason = reason.substring(0, MAX_REASON);
        }
        return new ProcessStatus(status.id(), status.sandboxId(), status.state(), status.pid(), status.exitCode(),
                status.startedAtMs(), status.exitedAtMs(), reason);
    }
}
