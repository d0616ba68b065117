package io.tensorbox.scheduler.terminal;

import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.quarkus.websockets.next.UserData;
import io.smallrye.mutiny.Uni;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.ExecResult;
import io.tensorbox.scheduler.config.SchedulerConfig;
import io.tensorbox.scheduler.exec.ExecService;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import io.tensorbox.scheduler.sandbox.Sandboxes;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Objects;

/**
 * Everything that can refuse a terminal is checked before the upgrade, so the client gets an HTTP
 * answer rather than a socket that closes at once: the query (400), the sandbox (404, 409), the user
 * (400 {@code invalid_user}) and the working directory (400 {@code invalid_cwd}). A cwd or a user
 * costs one short exec in the sandbox; the default terminal none. The internal token is checked
 * before this, by the path policy of {@code /internal/*}.
 */
@ApplicationScoped
public class TerminalUpgradeCheck implements HttpUpgradeCheck {

    static final UserData.TypedKey<TerminalTarget> TARGET = new UserData.TypedKey<>("tensorbox.terminal");
    /** The name {@code user} means the sandbox's default user on every runtime (SPEC §5). */
    static final String DEFAULT_USER = "user";

    private final SandboxRuntime runtime;
    private final ExecService exec;
    private final SchedulerConfig config;
    private final Vertx vertx;

    TerminalUpgradeCheck(SandboxRuntime runtime, ExecService exec, SchedulerConfig config, Vertx vertx) {
        this.runtime = runtime;
        this.exec = exec;
        this.config = config;
        this.vertx = vertx;
    }

    @Override
    public boolean appliesTo(String endpointId) {
        return TerminalEndpoint.ID.equals(endpointId);
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        String sandboxId = context.pathParam("sandboxId");
        TerminalOptions options;
        try {
            options = TerminalOptions.parse(context.httpRequest().params());
        } catch (ApiException e) {
            return Uni.createFrom().failure(e);
        }
        // the runtime's status and the cwd check block: off the event loop, answered back on it
        return Uni.createFrom().completionStage(() -> vertx.executeBlocking(() -> target(sandboxId, options), false)
                        .toCompletionStage())
                .map(target -> {
                    context.userData().put(TARGET, target);
                    return CheckResult.permitUpgradeSync();
                });
    }

    private TerminalTarget target(String sandboxId, TerminalOptions options) {
        Sandboxes.requireRunning(runtime, sandboxId);
        String user = options.user();
        if (!runtime.switchesUsers()) {
            if (user != null && !user.equals(DEFAULT_USER) && !user.equals(System.getProperty("user.name"))) {
                throw new ApiException(400, "invalid_user", "the local runtime runs terminals as the user running TensorBox ("
                        + System.getProperty("user.name") + "), not as " + user);
            }
            user = null;
        }
        String cwd = options.cwd();
        if (cwd != null && !cwd.startsWith("/")) {
            cwd = runtime.layout(sandboxId).workspaceDir() + "/" + cwd;
        }
        if (cwd != null || user != null) {
            ExecResult checked = exec.run(sandboxId, new ExecRequest(TerminalScripts.check(cwd, user), null, null, null,
                    config.controlTimeout().toMillis()));
            if (checked.exitCode() == TerminalScripts.CHECK_BAD_CWD) {
                throw new ApiException(400, "invalid_cwd", "cwd " + options.cwd() + " is not a directory in the sandbox");
            }
            if (checked.exitCode() == TerminalScripts.CHECK_BAD_USER) {
                throw new ApiException(400, "invalid_user", "the sandbox has no user " + user);
            }
            if (checked.exitCode() != 0) {
                throw new ApiException(503, "runtime_unavailable", "the sandbox did not answer the terminal's checks (status "
                        + checked.exitCode() + (checked.timedOut() ? ", timed out" : "") + ")");
            }
        }
        return new TerminalTarget(Objects.requireNonNull(sandboxId), options, cwd, user);
    }
}
