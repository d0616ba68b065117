package io.tensorbox.logs.web;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/** Unknown paths and unexpected failures answer the JSON error shape too, not an HTML page. */
@ApplicationScoped
public class FallbackRoutes {

    private static final Logger LOG = Logger.getLogger(FallbackRoutes.class);

    void register(@Observes Router router, ApiErrors errors) {
        router.route("/internal/*").failureHandler(ctx -> {
            LOG.error("request to " + ctx.request().path() + " failed", ctx.failure());
            errors.send(ctx, 500, "internal_error", "log-service failed to answer; the cause is in its log.");
        });
        router.route().last().handler(ctx -> errors.send(ctx, 404, "not_found",
                "There is no " + ctx.request().method() + " " + ctx.request().path() + " on log-service."));
    }
}
