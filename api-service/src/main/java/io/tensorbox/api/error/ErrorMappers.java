package io.tensorbox.api.error;

import io.tensorbox.common.ApiException;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.tensorbox.api.auth.Caller;
import io.tensorbox.api.auth.PublicApiMechanism;
import io.tensorbox.api.auth.Role;
import io.tensorbox.common.ErrorBody;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/** Every failure leaves as the one JSON error shape; bad input is never a 500. */
public class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);
    /** How much of a too-large chunked body is read and thrown away before the connection is closed. */
    static final long DISCARD_AT_MOST = 16L * 1024 * 1024;

    @Inject
    Caller caller;

    public static Response error(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ErrorBody.of(code, message)).build();
    }

    public static Response tooLarge(String message) {
        return error(413, "payload_too_large", message);
    }

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return error(e.status(), e.code(), e.getMessage());
    }

    /** A role too low for the route's {@code @RolesAllowed}. */
    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, ResourceInfo route) {
        RolesAllowed allowed = route.getResourceMethod() == null ? null
                : route.getResourceMethod().getAnnotation(RolesAllowed.class);
        if (allowed == null && route.getResourceClass() != null) {
            allowed = route.getResourceClass().getAnnotation(RolesAllowed.class);
        }
        Role needed = allowed == null ? null : Arrays.stream(allowed.value()).map(Role::parse)
                .flatMap(java.util.Optional::stream).min(Enum::compareTo).orElse(null);
        Role held = caller.knownRole().orElse(null);
        if (needed == null || held == null) {
            return error(403, "forbidden", "These credentials may not use this route.");
        }
        return error(403, "forbidden", "This needs the " + needed + " role; your key has the " + held + " role.");
    }

    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e) {
        return error(401, "unauthorized", PublicApiMechanism.MISSING);
    }

    @ServerExceptionMapper
    public Response authenticationFailed(AuthenticationFailedException e) {
        return error(401, "unauthorized", e.getMessage() == null || e.getMessage().isBlank()
                ? PublicApiMechanism.MISSING : e.getMessage());
    }

    /**
     * A chunked body past the limit. The rest of it is discarded as it arrives (never kept), so a
     * client still sending can read the answer; one that goes on past {@link #DISCARD_AT_MOST} is cut off.
     */
    @ServerExceptionMapper
    public Response bodyTooLarge(BodySizeLimit.TooLarge e, HttpServerRequest request) {
        if (!request.isEnded()) {
            AtomicLong discarded = new AtomicLong();
            request.handler(chunk -> {
                if (discarded.addAndGet(chunk.length()) > DISCARD_AT_MOST) {
                    request.connection().close();
                }
            });
            request.endHandler(ended -> {
            });
            request.resume();
        }
        return tooLarge(e.getMessage());
    }

    // rest-jackson maps these subtypes itself (empty 400); ours must be as specific to win
    @ServerExceptionMapper
    public Response mismatched(MismatchedInputException e, HttpServerRequest request) {
        return json(e, request);
    }

    @ServerExceptionMapper
    public Response invalidFormat(InvalidFormatException e, HttpServerRequest request) {
        return json(e, request);
    }

    @ServerExceptionMapper
    public Response parse(JsonParseException e, HttpServerRequest request) {
        return json(e, request);
    }

    @ServerExceptionMapper
    public Response mapping(JsonMappingException e, HttpServerRequest request) {
        return json(e, request);
    }

    /** Jackson wraps what the body stream threw, the limit of {@link BodySizeLimit} included. */
    @ServerExceptionMapper
    public Response json(JsonProcessingException e, HttpServerRequest request) {
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof BodySizeLimit.TooLarge tooLarge) {
                return bodyTooLarge(tooLarge, request);
            }
        }
        return json(e);
    }

    static Response json(JsonProcessingException e) {
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            String field = mapping.getPath().stream()
                    .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            return error(400, "invalid_request", "Field '" + field + "' " + expected(mapping) + ".");
        }
        return error(400, "invalid_json", "The request body is not valid JSON: " + e.getOriginalMessage());
    }

    private static String expected(JsonMappingException e) {
        Class<?> target = e instanceof MismatchedInputException m ? m.getTargetType()
                : e instanceof InvalidFormatException f ? f.getTargetType() : null;
        if (target == null) {
            return "has the wrong type";
        }
        if (target == Integer.class || target == int.class || target == Long.class || target == long.class) {
            return "must be an integer";
        }
        if (target == String.class) {
            return "must be a string";
        }
        if (java.util.List.class.isAssignableFrom(target)) {
            return "must be an array of strings";
        }
        if (java.util.Map.class.isAssignableFrom(target)) {
            return "must be an object whose values are strings";
        }
        if (target.isEnum()) {
            return "has an unknown value";
        }
        return "has the wrong type";
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return error(404, "not_found", "No such route.");
    }

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e) {
        return error(405, "method_not_allowed", "This method is not allowed on this route.");
    }

    @ServerExceptionMapper
    public Response unsupported(NotSupportedException e) {
        return error(415, "unsupported_media_type", "Send the request body as application/json.");
    }

    @ServerExceptionMapper
    public Response notAcceptable(NotAcceptableException e) {
        return error(406, "not_acceptable", "This route cannot answer in the requested media type.");
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, HttpServerRequest request) {
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof JsonProcessingException json) {
                return json(json, request);
            }
            if (cause instanceof BodySizeLimit.TooLarge tooLarge) {
                return bodyTooLarge(tooLarge, request);
            }
        }
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            LOG.error("request failed", e);
            return error(500, "internal", "Internal error.");
        }
        return error(status, "bad_request", e.getMessage());
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e, HttpServerRequest request) {
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof BodySizeLimit.TooLarge tooLarge) {
                return bodyTooLarge(tooLarge, request);
            }
        }
        LOG.error("request failed", e);
        return error(500, "internal", "Internal error.");
    }
}
