package io.tensorbox.api.e2b;

import io.tensorbox.common.Ids;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * envd's surface at the service root (issue 12): E2B's SDKs send every envd call to
 * {@code E2B_SANDBOX_URL} with the sandbox in {@code E2b-Sandbox-Id}. Such a request is rerouted, before
 * authentication runs, to that sandbox's own routes, so it is authenticated and authorized exactly as
 * a call there ({@code X-Access-Token}, or an API key):
 * <ul>
 *   <li>{@code /process.Process/*} → {@code /v1/sandboxes/{id}/process.Process/*}</li>
 *   <li>{@code /filesystem.Filesystem/*} → {@code /v1/sandboxes/{id}/filesystem.Filesystem/*}</li>
 *   <li>{@code /files} → {@code /v1/sandboxes/{id}/envd/files}</li>
 *   <li>{@code /health} → {@code /v1/sandboxes/{id}/envd/health} ({@link EnvdHealthResource})</li>
 * </ul>
 * The query string goes along. A header that is not a sandbox id is a 404 in E2B's error shape (never
 * rerouted: the id becomes part of a path). Requests without the header are not touched.
 */
@ApplicationScoped
public class EnvdRouting {
    public static final String SANDBOX_HEADER = "E2b-Sandbox-Id";
    /** Before authentication (Quarkus's filters, order -200 and up) and every other route of ours. */
    static final int ORDER = -10_000;
    private static final Pattern ENVD = Pattern.compile("/(process\\.Process/[A-Za-z]{1,40}|filesystem\\.Filesystem/[A-Za-z]{1,40}|files|health)");

    void install(@Observes Router router) {
        router.route().order(ORDER).handler(this::handle);
    }

    void handle(RoutingContext ctx) {
        String sandboxId = ctx.request().getHeader(SANDBOX_HEADER);
        String path = ctx.normalizedPath();
        Matcher m = sandboxId == null || path == null ? null : ENVD.matcher(path);
        if (m == null || !m.matches()) {
            ctx.next();
            return;
        }
        sandboxId = sandboxId.trim();
        if (!Ids.SANDBOX.matcher(sandboxId).matches()) {
            ctx.response().setStatusCode(404).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(new JsonObject().put("code", 404).put("message", "Sandbox '" + abbreviate(sandboxId)
                            + "' not found; E2b-Sandbox-Id must be a sandbox id (sbx_ and 24 hex digits).").encode());
            return;
        }
        String rest = m.group(1);
        String target = "/v1/sandboxes/" + sandboxId + "/"
                + (rest.equals("files") || rest.equals("health") ? "envd/" + rest : rest);
        String query = ctx.request().query();
        ctx.reroute(query == null || query.isEmpty() ? target : target + "?" + query);
    }

    private static String abbreviate(String text) {
        String printable = text.replaceAll("[^A-Za-z0-9_-]", "?");
        return printable.length() > 40 ? printable.substring(0, 40) + "…" : printable;
    }
}
