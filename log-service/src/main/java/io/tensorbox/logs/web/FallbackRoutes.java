package io.tensorbox.logs.web;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Unknown paths answer the JSON error shape too, not an HTML page. */
@ApplicationScoped
public class FallbackRoutes {

    void register(@Observes Router router, ApiErrors errors) {
        router.route().last().handler(ctx -> errors.send(ctx, 404, "not_found",
                "There is no " + ctx.request().method() + " " + ctx.request().path() + " on log-service."));
    }
}
