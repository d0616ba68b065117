package io.tensorbox.api.commands;

import io.quarkus.security.identity.SecurityIdentity;
import io.tensorbox.api.auth.Caller;
import io.tensorbox.api.sandbox.Sandbox;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.SandboxState;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;

/**
 * Who may act on which sandbox through the runtime routes (SPEC §5): an API key on every sandbox of
 * its team, an access token on its own sandbox only. Anything else is absent ({@code 404}), never
 * forbidden, so a caller learns nothing of sandboxes that are not theirs. Reads the store: call it on
 * a worker thread.
 */
@ApplicationScoped
public class RuntimeAccess {
    /** The sandbox, if the caller may see it. */
    public Sandbox sandbox(SecurityIdentity identity, String sandboxId) {
        String team = identity.getAttribute(Caller.TEAM_ID);
        Optional<String> scope = Optional.ofNullable(identity.getAttribute(Caller.SANDBOX_SCOPE));
        if (team == null || scope.filter(s -> !s.equals(sandboxId)).isPresent()) {
            throw notFound(sandboxId);
        }
        return Sandbox.findOwned(sandboxId, team).orElseThrow(() -> notFound(sandboxId));
    }

    /** The sandbox, if the caller may see it and commands can run in it now. */
    public Sandbox running(SecurityIdentity identity, String sandboxId) {
        Sandbox sandbox = sandbox(identity, sandboxId);
        if (sandbox.state != SandboxState.running) {
            throw ApiException.conflict("sandbox_not_running", "Sandbox " + sandboxId + " is " + sandbox.state
                    + "; commands run only in a running sandbox.");
        }
        return sandbox;
    }

    private static ApiException notFound(String sandboxId) {
        return ApiException.notFound("sandbox_not_found", "No sandbox '" + sandboxId + "'.");
    }
}
