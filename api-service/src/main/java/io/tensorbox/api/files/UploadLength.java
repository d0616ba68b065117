package io.tensorbox.api.files;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.regex.Pattern;

/**
 * File uploads ({@code PUT {runtime_url}/files}, envd's {@code POST {runtime_url}/envd/files}) are streamed
 * to the sandbox and may be of any size, but the HTTP layer refuses any request whose Content-Length passes
 * {@code quarkus.http.limits.max-body-size} (the backstop of every other, in-memory body). For these routes
 * only, this handler runs just before that check and takes the header out of the request's view, so the
 * check passes (the relay sends the file on chunked). The body is never read into memory on these
 * routes (they pipe it), and a body shorter than declared still fails (the connection ends early).
 */
@ApplicationScoped
public class UploadLength {
    private static final Pattern ROUTES = Pattern.compile("/v1/sandboxes/[^/]+/(files|envd/files)");
    /** {@code RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT} is -2. */
    private static final int BEFORE_UPLOAD_LIMIT = -3;

    void install(@Observes Router router) {
        router.routeWithRegex(ROUTES.pattern()).order(BEFORE_UPLOAD_LIMIT).handler(this::handle);
    }

    void handle(RoutingContext ctx) {
        String method = ctx.request().method().name();
        if (method.equals("PUT") || method.equals("POST")) {
            String header = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (header != null) {
                try {
                    if (Long.parseLong(header.trim()) >= 0) {
                        ctx.request().headers().remove(HttpHeaders.CONTENT_LENGTH);
                    }
                } catch (NumberFormatException e) {
                    // left as it is: the HTTP layer refuses it
                }
            }
        }
        ctx.next();
    }

    /** A file upload route: its body is streamed, of any size. */
    public static boolean isUpload(String method, String path) {
        return (method.equals("PUT") || method.equals("POST")) && path != null && ROUTES.matcher(path).matches();
    }
}
