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
    /**
     * What the access checks need of a caller, read while its identity is at hand (a WebSocket
     * callback's request context ends before work it hands to another thread runs).
     */
    public record Who(String teamId, Optional<String> sandboxScope) {
        public static Who of(SecurityIdentity identity) {
            return new Who(identity.getAttribute(Caller.TEAM_ID),
                    Optional.ofNullable(identity.getAttribute(Caller.SANDBOX_SCOPE)));
        }
    }

    /** The sandbox, if the caller may see it. */
    public Sandbox sandbox(SecurityIdentity identity, String sandboxId) {
        return sandbox(Who.of(identity), sandboxId);
    }

    public Sandbox sandbox(Who who, String sandboxId) {
        if (who.teamId() == null || who.sandboxScope().filter(s -> !s.equals(sandboxId)).isPresent()) {
            throw notFound(sandboxId);
        }
        return Sandbox.findOwned(sandboxId, who.teamId()).orElseThrow(() -> notFound(sandboxId));
    }

    /** The sandbox, if the caller may see it and commands can run in it now. */
    public Sandbox running(SecurityIdentity identity, String sandboxId) {
        return running(Who.of(identity), sandboxId);
    }

    public Sandbox running(Who who, String sandboxId) {
        Sandbox sandbox = sandbox(who, sandboxId);
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
