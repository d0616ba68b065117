package io.tensorbox.scheduler.terminal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.ErrorBody;
import io.tensorbox.scheduler.runtime.RuntimeUnavailableException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * A terminal refused before its upgrade (bad query, no such sandbox, not running, bad cwd or user)
 * leaves as the one TensorBox error shape, like every other route: the upgrade check fails the
 * request with the reason, and this answers it. An {@code HttpUpgradeCheck} rejection alone could
 * only send a bare status.
 */
@ApplicationScoped
public class TerminalErrors {

    private final ObjectMapper json;

    TerminalErrors(ObjectMapper json) {
        this.json = json;
    }

    void register(@Observes Router router) {
        router.routeWithRegex(TerminalEndpoint.PATH_REGEX).order(Integer.MIN_VALUE + 1).failureHandler(this::handle);
    }

    private void handle(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        while (failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null) {
            failure = failure.getCause();
        }
        if (failure instanceof ApiException e) {
            send(ctx, e.status(), e.code(), e.getMessage());
        } else if (failure instanceof RuntimeUnavailableException e) {
            send(ctx, 503, "runtime_unavailable", e.getMessage());
        } else {
            ctx.next();
        }
    }

    private void send(RoutingContext ctx, int status, String code, String message) {
        if (ctx.response().headWritten()) {
            ctx.response().close();
            return;
        }
        String body;
        try {
            body = json.writeValueAsString(ErrorBody.of(code, message));
        } catch (JsonProcessingException e) {
            body = "{\"error\":{\"code\":\"" + code + "\",\"message\":\"\"}}";
        }
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body);
    }
}
