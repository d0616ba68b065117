package io.tensorbox.api.activity;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.tensorbox.api.auth.Caller;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every call on a sandbox's routes ({@code /v1/sandboxes/{id}} and below: the record, the runtime
 * API, processes, logs, ports, links, events, terminals) is activity of that sandbox when it succeeds
 * (a status below 400, so a caller without access keeps nothing alive). A call is also activity while
 * it lasts (a sync or streamed run, a followed log), except the event stream, which only watches.
 * WebSocket upgrades count when they succeed; an open terminal counts while it is open
 * ({@code TerminalSocket}).
 */
@ApplicationScoped
public class ActivityFilter {
    private static final Pattern SANDBOX_ROUTE = Pattern.compile("/v1/sandboxes/(sbx_[0-9a-f]{24})(/.*)?");

    @Inject
    Activity activity;

    void install(@Observes Router router) {
        router.route().order(-200).handler(this::handle);
    }

    void handle(RoutingContext ctx) {
        Matcher m = SANDBOX_ROUTE.matcher(ctx.normalizedPath());
        if (!m.matches()) {
            ctx.next();
            return;
        }
        String sandboxId = m.group(1);
        String rest = m.group(2);
        // the answer's start (a stream's headers, a WebSocket's 101)
        ctx.addHeadersEndHandler(v -> {
            if (ctx.response().getStatusCode() < 400) {
                activity.touch(sandboxId);
            }
        });
        if ("websocket".equalsIgnoreCase(ctx.request().getHeader(HttpHeaders.UPGRADE))) {
            ctx.next();
            return;
        }
        boolean watchOnly = rest != null && rest.equals("/events");
        Activity.InFlight call = watchOnly ? null : activity.enter(sandboxId, () -> teamOf(ctx, sandboxId));
        ctx.addEndHandler(ended -> {
            activity.leave(call);
            if (ctx.response().getStatusCode() < 400) {
                activity.touch(sandboxId);
            }
        });
        ctx.next();
    }

    /** The caller's team once authenticated; null while unknown, or for another sandbox's token. */
    private static String teamOf(RoutingContext ctx, String sandboxId) {
        if (!(ctx.user() instanceof QuarkusHttpUser user)) {
            return null;
        }
        SecurityIdentity identity = user.getSecurityIdentity();
        if (identity == null || identity.isAnonymous()) {
            return null;
        }
        String scope = identity.getAttribute(Caller.SANDBOX_SCOPE);
        if (scope != null && !scope.equals(sandboxId)) {
            return null;
        }
        return identity.getAttribute(Caller.TEAM_ID);
    }
}
