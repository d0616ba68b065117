package io.tensorbox.api.sandbox;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.tensorbox.api.auth.KeyFormat;
import io.tensorbox.api.events.Event;
import io.tensorbox.api.events.Events;
import io.tensorbox.api.metrics.ProductMetrics;
import io.tensorbox.common.ApiException;
import io.tensorbox.api.ports.Ports;
import io.tensorbox.api.process.ProcessRecord;
import io.tensorbox.api.scheduler.Scheduler;
import io.tensorbox.common.Ids;
import io.tensorbox.common.SandboxSpec;
import io.tensorbox.common.SandboxState;
import io.tensorbox.common.SandboxStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sandbox lifecycle. Records are committed before the scheduler is called, so a scheduler event
 * that arrives during the call finds them; no transaction is held open across a remote call.
 */
@ApplicationScoped
public class Sandboxes {

    public record Created(Sandbox sandbox, String accessToken) {
    }

    @Inject
    Scheduler scheduler;

    @Inject
    Events events;

    @Inject
    Ports ports;

    @Inject
    io.tensorbox.api.config.TensorboxConfig config;

    @Inject
    ProductMetrics metrics;

    /**
     * The access token of a sandbox: {@code sat_} + 48 hex digits of HMAC-SHA256(the service secret, its
     * id). Only its hash is stored, as before; deriving it lets E2B's {@code connect} hand it out again
     * later (E2B answers every connect with the token). Rotating the service secret keeps the tokens
     * already handed out working (their hashes are stored) but a connect then cannot give them again.
     */
    public String accessToken(String sandboxId) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(
                    config.internalToken().getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] digest = mac.doFinal(("sandbox-access-token:" + sandboxId).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "sat_" + java.util.HexFormat.of().formatHex(digest, 0, 24);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public Created create(String teamId, String template, int timeoutSeconds,
                          Map<String, String> env, Map<String, String> metadata) {
        return create(teamId, template, timeoutSeconds, env, metadata, null);
    }

    /** {@code idleTimeoutSeconds}: null for none. */
    public Created create(String teamId, String template, int timeoutSeconds,
                          Map<String, String> env, Map<String, String> metadata, Integer idleTimeoutSeconds) {
        String id = Ids.newSandboxId();
        long requestedAtMs = System.currentTimeMillis();
        String accessToken = accessToken(id);
        QuarkusTransaction.requiringNew().run(() -> {
            Sandbox sandbox = new Sandbox();
            sandbox.id = id;
            sandbox.teamId = teamId;
            sandbox.template = template;
            sandbox.state = SandboxState.pending;
            sandbox.env = env;
            sandbox.metadata = metadata;
            sandbox.accessTokenHash = KeyFormat.hash(accessToken);
            sandbox.createdAt = now();
            sandbox.expiresAt = sandbox.createdAt + timeoutSeconds;
            sandbox.idleTimeoutSeconds = idleTimeoutSeconds;
            sandbox.lastActivityMs = System.currentTimeMillis();
            sandbox.persist();
            stateChanged(sandbox);
        });
        SandboxStatus status;
        try {
            status = scheduler.ensureSandbox(new SandboxSpec(id, teamId, template, env));
        } catch (ApiException unavailable) {
            QuarkusTransaction.requiringNew().run(() -> finish(Sandbox.findById(id), SandboxState.failed,
                    unavailable.getMessage()));
            throw unavailable;
        }
        Sandbox sandbox = QuarkusTransaction.requiringNew().call(() -> {
            Sandbox s = Sandbox.findById(id);
            apply(s, status, requestedAtMs);
            return s;
        });
        return new Created(sandbox, accessToken);
    }

    /** A state the runtime reports, from the create call or an event; final states stay final. */
    void apply(Sandbox sandbox, SandboxStatus status) {
        apply(sandbox, status, -1);
    }

    /**
     * {@code requestedAtMs}: when the create request came, if this replica knows it (else the record's
     * {@code created_at}, to the second) — the start of the create-to-running latency.
     */
    void apply(Sandbox sandbox, SandboxStatus status, long requestedAtMs) {
        if (sandbox == null || status == null || status.state() == null || !sandbox.isLive()) {
            return;
        }
        switch (status.state()) {
            case pending -> {
            }
            case running -> {
                if (sandbox.state != SandboxState.running) {
                    sandbox.state = SandboxState.running;
                    sandbox.startedAt = now();
                    stateChanged(sandbox);
                    long from = requestedAtMs >= 0 ? requestedAtMs : sandbox.createdAt * 1000;
                    metrics.sandboxRunning(sandbox.template, Duration.ofMillis(System.currentTimeMillis() - from));
                }
            }
            case stopped, failed -> finish(sandbox, status.state(), status.reason());
        }
    }

    /** Stops a live sandbox in the runtime, then in the records; a runtime that cannot be reached changes nothing. */
    public void stop(String id, String reason) {
        Sandbox sandbox = Sandbox.findById(id);
        if (sandbox == null || !sandbox.isLive()) {
            return;
        }
        scheduler.deleteSandbox(id);
        QuarkusTransaction.requiringNew().run(() -> finish(Sandbox.findById(id), SandboxState.stopped, reason));
    }

    private void finish(Sandbox sandbox, SandboxState state, String reason) {
        if (sandbox == null || !sandbox.isLive()) {
            return;
        }
        sandbox.state = state;
        sandbox.reason = reason;
        sandbox.stoppedAt = now();
        List<String> running = ProcessRecord.runningIds(sandbox.id);
        ProcessRecord.killAllRunning(sandbox.id, sandbox.stoppedAt);
        for (String processId : running) {
            events.append(sandbox.id, Event.PROCESS_EXITED, Map.of("id", processId, "state", "killed", "exit_code", -1));
        }
        ports.closeAll(sandbox.id);
        stateChanged(sandbox);
    }

    /** {@code sandbox.state} of SPEC §6, in the transaction that changed it. */
    private void stateChanged(Sandbox sandbox) {
        Map<String, Object> data = new HashMap<>();
        data.put("state", sandbox.state.name());
        if (sandbox.reason != null) {
            data.put("reason", sandbox.reason);
        }
        events.append(sandbox.id, Event.SANDBOX_STATE, data);
    }

    /**
     * {@code sandbox.expiring} once per expiry time, when the sandbox is {@code noticeSeconds} or less
     * from it; a new timeout announces again.
     */
    public void announceExpiring(String sandboxId, long expiresAt) {
        // a column update, not the entity: writing a whole row read a moment ago would undo a state
        // change committed since (pending → running)
        if (Sandbox.update("expiringAnnouncedFor = ?1 where id = ?2 and expiresAt = ?1 and expiringAnnouncedFor <> ?1",
                expiresAt, sandboxId) > 0) {
            events.append(sandboxId, Event.SANDBOX_EXPIRING, Map.of("expires_at", expiresAt));
        }
    }

    public void extend(Sandbox sandbox, int timeoutSeconds) {
        if (!sandbox.isLive()) {
            throw ApiException.conflict("sandbox_not_running", "Sandbox " + sandbox.id + " is " + sandbox.state
                    + "; only a pending or running sandbox can get a new timeout.");
        }
        sandbox.expiresAt = now() + timeoutSeconds;
    }

    static long now() {
        return Instant.now().getEpochSecond();
    }
}
