package io.tensorbox.api.connect;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import io.tensorbox.api.auth.Role;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Authentication fails before a request reaches {@link ProcessService} or {@link FilesystemService}
 * (proactive authentication), where common's {@code SecurityErrors} would answer the API's own error shape.
 * On the process.Process and filesystem.Filesystem routes this answers Connect's instead: {@code unauthenticated} with HTTP 401 on unary calls, an end-of-stream
 * message with HTTP 200 on streaming ones. Registered just before {@code SecurityErrors} (same route
 * order, earlier observer), and only for these paths; every other failure passes on.
 */
@ApplicationScoped
public class ConnectAuthErrors {
    static final Pattern ROUTES = Pattern.compile("/v1/sandboxes/[^/]+/(process\\.Process|filesystem\\.Filesystem)/[^/]+");
    private static final Pattern STREAMING = Pattern.compile(
            "/v1/sandboxes/[^/]+/(process\\.Process/(Start|Connect)|filesystem\\.Filesystem/WatchDir)");

    @Inject
    ObjectMapper json;

    void register(@Observes @Priority(Interceptor.Priority.APPLICATION) Router router) {
        router.routeWithRegex(ROUTES.pattern()).order(Integer.MIN_VALUE).failureHandler(this::handle);
    }

    static boolean isStreaming(String path) {
        return path != null && STREAMING.matcher(path).matches();
    }

    static ConnectError unauthenticated(String message) {
        return new ConnectError(ConnectError.Code.unauthenticated, message == null || message.isBlank()
                ? "Send an API key as 'Authorization: Bearer ask_...' or the sandbox's 'X-Access-Token'." : message);
    }

    /** A role too low for the call: says which one it needs when the caller used a key. */
    static ConnectError forbidden(SecurityIdentity identity) {
        boolean viewer = identity != null && identity.hasRole(Role.VIEWER) && !identity.hasRole(Role.DEVELOPER);
        return new ConnectError(ConnectError.Code.permission_denied, viewer
                ? "This call needs the developer role; your key has the viewer role."
                : "These credentials may not make this call.");
    }

    private void handle(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        ConnectError error;
        if (failure instanceof AuthenticationFailedException || failure instanceof UnauthorizedException) {
            error = unauthenticated(failure.getMessage());
        } else if (failure instanceof ForbiddenException) {
            error = forbidden(null);
        } else {
            ctx.next();
            return;
        }
        if (ctx.response().headWritten()) {
            ctx.response().close();
            return;
        }
        try {
            if (isStreaming(ctx.normalizedPath())) {
                byte[] end = json.writeValueAsBytes(Map.of("error", error.body()));
                ctx.response().setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, ProcessService.CONNECT_JSON)
                        .end(Envelope.frame(Envelope.END_STREAM, end));
            } else {
                ctx.response().setStatusCode(error.code().httpStatus)
                        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                        .end(Buffer.buffer(json.writeValueAsBytes(error.body())));
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            ctx.fail(500, e);
        }
    }
}
