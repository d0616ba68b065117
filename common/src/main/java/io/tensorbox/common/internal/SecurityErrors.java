package io.tensorbox.common.internal;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Authentication and authorization failures raised before a request reaches a resource (proactive
 * authentication, path permissions) leave as the one TensorBox error shape, never an empty body.
 */
@ApplicationScoped
public class SecurityErrors {

    void register(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(this::handle);
    }

    private void handle(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        if (failure instanceof AuthenticationFailedException || failure instanceof UnauthorizedException) {
            send(ctx, 401, "unauthorized", failure.getMessage() != null && !failure.getMessage().isBlank()
                    ? sentence(failure.getMessage()) : "Credentials are missing or wrong.");
        } else if (failure instanceof ForbiddenException) {
            send(ctx, 403, "forbidden", "This route is not open to these credentials.");
        } else {
            ctx.next();
        }
    }

    private static String sentence(String message) {
        String s = Character.toUpperCase(message.charAt(0)) + message.substring(1);
        return s.endsWith(".") ? s : s + ".";
    }

    static void send(RoutingContext ctx, int status, String code, String message) {
        if (ctx.response().headWritten()) {
            ctx.response().close();
            return;
        }
        ctx.response().setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(new JsonObject().put("error", new JsonObject().put("code", code).put("message", message)).encode());
    }
}
