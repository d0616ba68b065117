package io.tensorbox.logs.logs;

import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.Ids;
import io.tensorbox.logs.LogServiceConfig;
import io.tensorbox.logs.scheduler.SandboxNotFoundException;
import io.tensorbox.logs.scheduler.SchedulerClient;
import io.tensorbox.logs.scheduler.SchedulerClient.ExecStream;
import io.tensorbox.logs.scheduler.SchedulerUnavailableException;
import io.tensorbox.logs.web.ApiErrors;
import io.tensorbox.logs.web.IdleTimeout;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET /internal/v1/sandboxes/{sbx}/processes/{proc}/logs?follow=&offset=} — the bytes of
 * the current log file (from byte {@code offset}, or from its end, see {@link LogOffset}), piped
 * from a streamed scheduler exec straight into the response. A raw Vert.x
 * route rather than a JAX-RS resource: the body is octets of unknown size that must leave as they
 * arrive, with back-pressure, and never sit in memory whole; no thread waits on it. The status and
 * headers leave as soon as the checks passed and the scheduler's stream answered, so the caller of
 * a follow of a silent process knows at once that it is following.
 */
@ApplicationScoped
public class LogRoutes {

    static final String PATH = "/internal/v1/sandboxes/:sbx/processes/:proc/logs";
    private static final Logger LOG = Logger.getLogger(LogRoutes.class);

    private final SchedulerClient scheduler;
    private final ApiErrors errors;
    private final LogServiceConfig.Logs config;

    /** Follows being streamed now: {@code tensorbox_log_follows_open}. */
    private final AtomicInteger followsOpen = new AtomicInteger();

    public LogRoutes(SchedulerClient scheduler, ApiErrors errors, LogServiceConfig config, MeterRegistry registry) {
        Gauge.builder("tensorbox_log_follows_open", followsOpen, AtomicInteger::get)
                .description("Process logs being followed through this log-service replica")
                .register(registry);
        this.scheduler = scheduler;
        this.errors = errors;
        this.config = config.logs();
    }

    void register(@Observes Router router) {
        router.get(PATH).handler(this::logs);
        router.route(PATH).handler(ctx -> {
            ctx.response().putHeader(HttpHeaders.ALLOW, HttpMethod.GET.name());
            errors.send(ctx, 405, "method_not_allowed", "Logs are read with GET; "
                    + ctx.request().method() + " is not allowed here.");
        });
    }

    private void logs(RoutingContext ctx) {
        String sandboxId = ctx.pathParam("sbx");
        String processId = ctx.pathParam("proc");
        if (!Ids.SANDBOX.matcher(sandboxId).matches()) {
            errors.send(ctx, 400, "invalid_request",
                    "The sandbox id must be sbx_ followed by 24 lowercase hex digits.");
            return;
        }
        if (!Ids.PROCESS.matcher(processId).matches()) {
            errors.send(ctx, 400, "invalid_request",
                    "The process id must be proc_ followed by 24 lowercase hex digits.");
            return;
        }
        List<String> followValues = ctx.queryParam("follow");
        String followValue = followValues.isEmpty() ? "false" : followValues.get(0);
        if (!followValue.equals("true") && !followValue.equals("false")) {
            errors.send(ctx, 400, "invalid_request", "The query parameter follow must be true or false.");
            return;
        }
        boolean follow = followValue.equals("true");
        List<String> offsetValues = ctx.queryParam("offset");
        Optional<LogOffset> parsedOffset = offsetValues.isEmpty()
                ? Optional.of(LogOffset.START) : LogOffset.parse(offsetValues.get(0));
        if (parsedOffset.isEmpty()) {
            errors.send(ctx, 400, "invalid_request", "The query parameter offset must be end or a byte position"
                    + " from 0 to " + LogOffset.MAX_BYTES + ".");
            return;
        }
        LogOffset offset = parsedOffset.get();
        if (follow) {
            // silent for as long as its process prints nothing: no idle timeout may end it
            IdleTimeout.keepOpenUntilEnd(ctx);
        }

        scheduler.layout(sandboxId)
                .compose(layout -> {
                    String log = LogCommands.logPath(layout.stateDir(), processId);
                    // a follow from the end learns the size in the same exec: the start is fixed
                    // before we answer, so output written after the answer is never skipped
                    boolean sized = follow && offset.end();
                    return scheduler.exec(sandboxId, sized ? LogCommands.fileSize(log, config.checkTimeout())
                                    : LogCommands.fileExists(log, config.checkTimeout()))
                            .compose(check -> {
                                if (check.exitCode() == 1) {
                                    return Future.failedFuture(new LogNotFoundException(processId));
                                }
                                if (check.exitCode() != 0) {
                                    return Future.failedFuture(new SchedulerUnavailableException(
                                            "Checking the log file failed with status " + check.exitCode() + "."));
                                }
                                if (!follow && offset.end()) {
                                    return Future.succeededFuture(Optional.<ExecStream>empty());
                                }
                                LogOffset from = sized ? LogCommands.parseSize(check.stdoutText())
                                        .map(bytes -> new LogOffset(bytes, false)).orElse(offset) : offset;
                                return scheduler.execStream(sandboxId, command(layout.stateDir(), processId, follow, from))
                                        .map(Optional::of);
                            });
                })
                .onSuccess(stream -> stream.ifPresentOrElse(s -> pipe(ctx, s, follow), () -> nothingToRead(ctx)))
                .onFailure(failure -> fail(ctx, failure));
    }

    private ExecRequest command(String stateDir, String processId, boolean follow, LogOffset offset) {
        String log = LogCommands.logPath(stateDir, processId);
        if (follow) {
            return LogCommands.follow(log, LogCommands.writerPidPath(stateDir, processId), offset,
                    config.followTimeout());
        }
        return offset.isStart()
                ? LogCommands.read(log, config.readTimeout())
                : LogCommands.readFrom(log, offset.bytes(), config.readTimeout());
    }

    /** A read (no follow) from the end of the file: its answer is empty, no exec needed. */
    private static void nothingToRead(RoutingContext ctx) {
        if (!ctx.response().closed()) {
            ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain").end();
        }
    }

    private void pipe(RoutingContext ctx, ExecStream stream, boolean follow) {
        HttpServerResponse response = ctx.response();
        if (response.closed()) {
            endExec(stream);
            return;
        }
        response.setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain");
        // The client went away (a follow that is no longer read): end the exec, and so the tail.
        if (follow) {
            followsOpen.incrementAndGet();
        }
        ctx.addEndHandler(result -> {
            if (follow) {
                followsOpen.decrementAndGet();
            }
            if (result.failed()) {
                endExec(stream);
            }
        });
        // the status and headers leave now, not with the first byte of output
        response.writeHead();
        stream.response().pipe()
                .endOnFailure(false)
                .to(response)
                .onFailure(failure -> {
                    LOG.debugf("log stream ended early: %s", failure.getMessage());
                    endExec(stream);
                    if (!response.closed()) {
                        ctx.request().connection().close();
                    }
                });
    }

    /** The exec's connection carries nothing else: closing it is what ends the command. */
    private static void endExec(ExecStream stream) {
        try {
            // the close fails the stream's response: expected, not worth an error in the log
            stream.response().exceptionHandler(expected -> LOG.debugf("log stream closed: %s", expected.getMessage()));
        } catch (IllegalStateException alreadyEnded) {
            // the command had ended on its own: nothing is left to fail
        }
        stream.request().connection().close();
    }

    private void fail(RoutingContext ctx, Throwable failure) {
        if (failure instanceof LogNotFoundException e) {
            errors.send(ctx, 404, "log_not_found", e.getMessage());
        } else if (failure instanceof SandboxNotFoundException e) {
            errors.send(ctx, 404, "sandbox_not_found", e.getMessage());
        } else if (failure instanceof SchedulerUnavailableException e) {
            errors.send(ctx, 503, "runtime_unavailable", e.getMessage());
        } else {
            LOG.error("reading a log failed", failure);
            errors.send(ctx, 503, "runtime_unavailable", "The log cannot be read right now.");
        }
    }

    static final class LogNotFoundException extends RuntimeException {
        LogNotFoundException(String processId) {
            super("Process " + processId + " has no log file.");
        }
    }
}
