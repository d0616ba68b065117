package io.tensorbox.scheduler.commands;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Multi;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.CommandSpec;
import io.tensorbox.common.ErrorBody;
import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.Ids;
import io.tensorbox.scheduler.config.SchedulerConfig;
import io.tensorbox.scheduler.metrics.SchedulerMetrics;
import io.tensorbox.scheduler.metrics.SchedulerMetrics.ExecKind;
import io.tensorbox.scheduler.runtime.ExecGuards;
import io.tensorbox.scheduler.runtime.ExecHandle;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import io.tensorbox.scheduler.sandbox.Sandboxes;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs one command of the runtime API and streams what happens to it: {@code start}, its output as it
 * is written, {@code exit} — or one {@code error} when the sandbox refused it. The same on every
 * runtime: the argv comes from {@link CommandLines}, the exec from {@link SandboxRuntime#spawn}, whose
 * command carries its own caller-gone watchdog and deadline into the sandbox.
 */
@ApplicationScoped
public class CommandRuns {

    private static final Logger LOG = Logger.getLogger(CommandRuns.class);
    /** How long past its deadline we wait for the sandbox to report a command it killed. */
    static final Duration DEADLINE_GRACE = Duration.ofSeconds(5);
    private static final ScheduledExecutorService BACKSTOPS = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("tensorbox-run-deadlines").factory());

    private final SandboxRuntime runtime;
    private final SchedulerConfig config;
    private final ObjectMapper json;

    private final SchedulerMetrics metrics;

    public CommandRuns(SandboxRuntime runtime, SchedulerConfig config, ObjectMapper json) {
        this(runtime, config, json, SchedulerMetrics.none());
    }

    @Inject
    public CommandRuns(SandboxRuntime runtime, SchedulerConfig config, ObjectMapper json, SchedulerMetrics metrics) {
        this.metrics = metrics;
        this.runtime = runtime;
        this.config = config;
        this.json = json;
    }

    /** The data of an {@code exit} event. */
    record Exit(@JsonProperty("exit_code") int exitCode, @JsonProperty("duration_ms") long durationMs,
                @JsonProperty("timed_out") boolean timedOut) {
    }

    /**
     * Starts {@code spec} in the sandbox and answers its events. Throws (400, 404, 409, 503) before
     * anything runs; once this returned, every outcome is an event.
     */
    public Multi<RunEvent> run(String sandboxId, CommandSpec spec) {
        long requested = System.nanoTime();
        CommandLines.validate(spec);
        CommandLines.requireUser(spec.user(), runtime.switchesUsers());
        if (sandboxId == null || !Ids.SANDBOX.matcher(sandboxId).matches()) {
            throw new ApiException(404, "sandbox_not_found", "no sandbox " + sandboxId + " in this runtime");
        }
        Sandboxes.requireRunning(runtime, sandboxId);
        CommandLines.Run line = CommandLines.run(spec, runtime.layout(sandboxId), runtime.switchesUsers());
        RunOutput output = new RunOutput(config.execStreamBufferBytes(), (code, reason, detail) -> refusal(spec, line, code, reason, detail));
        output.onStarted(() -> metrics.execStarted(ExecKind.run, Duration.ofNanos(System.nanoTime() - requested)));
        long start = System.nanoTime();
        ExecHandle handle = runtime.spawn(sandboxId, new ExecRequest(line.argv(), null, null, line.stdin(), 0),
                output.stdout(), output.stderr());
        output.onCancel(handle::close);
        output.onRefused(handle::close);
        AtomicBoolean deadlinePassed = new AtomicBoolean();
        ScheduledFuture<?> backstop = spec.timeoutMs() <= 0 ? null : BACKSTOPS.schedule(() -> {
            // the sandbox should have killed it by now; end the exec from here too
            deadlinePassed.set(true);
            LOG.infof("a run in %s outlived its deadline of %d ms in the sandbox; closing its exec", sandboxId, spec.timeoutMs());
            handle.close();
        }, spec.timeoutMs() + DEADLINE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        handle.exitCode().whenComplete((status, failure) -> {
            if (backstop != null) {
                backstop.cancel(false);
            }
            long durationMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            if (failure == null || deadlinePassed.get()) {
                int code = status == null ? -1 : status;
                boolean timedOut = deadlinePassed.get()
                        || (spec.timeoutMs() > 0 && code == ExecGuards.KILLED_AT_DEADLINE && durationMs >= spec.timeoutMs());
                output.exited(code, toJson(new Exit(timedOut || code > 128 || code < 0 ? -1 : code, durationMs, timedOut)), timedOut);
                return;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (!(cause instanceof CancellationException)) {
                LOG.infof("a run in %s failed: %s", sandboxId, cause.getMessage());
            }
            output.failed(cause);
        });
        return output.events();
    }

    /** The data of the {@code error} event for a refusal the sandbox reported. */
    private String refusal(CommandSpec spec, CommandLines.Run line, String code, String reason, String detail) {
        String cwd = spec.cwd() == null || spec.cwd().isEmpty() ? line.cwd() : spec.cwd();
        ErrorBody body = switch (code + "/" + reason) {
            case "invalid_cwd/missing" -> ErrorBody.of("invalid_cwd", "cwd: the working directory '" + cwd + "' does not exist");
            case "invalid_cwd/denied" -> ErrorBody.of("invalid_cwd", "cwd: cannot enter the working directory '" + cwd + "'");
            case "invalid_user/unknown" -> ErrorBody.of("invalid_user", "user: no user '" + spec.user() + "' in this sandbox");
            case "invalid_user/not_root" -> ErrorBody.of("invalid_user", "user: cannot run as '" + spec.user()
                    + "': commands in this sandbox run as another user, who cannot switch");
            default -> ErrorBody.of("runtime_unavailable", "the sandbox could not start the command (" + reason
                    + (detail.isEmpty() ? "" : ": " + detail) + ")");
        };
        return toJson(body);
    }

    private String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
