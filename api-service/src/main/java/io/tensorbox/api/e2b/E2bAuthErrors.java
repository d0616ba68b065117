package io.tensorbox.api.e2b;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.tensorbox.api.auth.PublicApiMechanism;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

/**
 * Authentication fails before a request reaches {@link E2bSandboxResource} (proactive authentication),
 * where common's {@code SecurityErrors} would answer the native error shape. On E2B's control routes
 * this answers E2B's, {@code {"code": 401, "message"}}; on envd's {@code /health} of a sandbox whose
 * token is not (or no longer) good, a 502 as E2B's proxy answers for a sandbox it cannot reach (the
 * SDK's {@code isRunning} reads that as false). Registered before {@code SecurityErrors} (same route
 * order, earlier observer), for these paths only.
 */
@ApplicationScoped
public class E2bAuthErrors {

    void register(@Observes @Priority(Interceptor.Priority.APPLICATION) Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(this::handle);
    }

    private void handle(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        boolean control = PublicApiMechanism.isE2bControl(path);
        boolean health = path != null && EnvdHealthResource.PATH.matcher(path).matches();
        Throwable failure = ctx.failure();
        boolean unauthenticated = failure instanceof AuthenticationFailedException || failure instanceof UnauthorizedException;
        if (!(control || health) || !(unauthenticated || failure instanceof ForbiddenException)) {
            ctx.next();
            return;
        }
        if (ctx.response().headWritten()) {
            ctx.response().close();
            return;
        }
        int status;
        String message;
        if (health) {
            status = 502;
            message = "The sandbox is not running, or these credentials are not its own.";
        } else if (unauthenticated) {
            status = 401;
            message = failure.getMessage() == null || failure.getMessage().isBlank()
                    ? PublicApiMechanism.E2B_MISSING : failure.getMessage();
        } else {
            status = 403;
            message = "These credentials may not use this route.";
        }
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(new JsonObject().put("code", status).put("message", message).encode());
    }
}
