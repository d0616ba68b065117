package io.tensorbox.api.error;

import io.tensorbox.common.ApiException;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.tensorbox.common.ErrorBody;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.stream.Collectors;

/** Every failure leaves as the one JSON error shape; bad input is never a 500. */
public class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    public static Response error(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ErrorBody.of(code, message)).build();
    }

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return error(e.status(), e.code(), e.getMessage());
    }

    // rest-jackson maps these subtypes itself (empty 400); ours must be as specific to win
    @ServerExceptionMapper
    public Response mismatched(MismatchedInputException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public Response invalidFormat(InvalidFormatException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public Response parse(JsonParseException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public Response mapping(JsonMappingException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e) {
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
    public Response web(WebApplicationException e) {
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof JsonProcessingException json) {
                return json(json);
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
    public Response unexpected(Exception e) {
        LOG.error("request failed", e);
        return error(500, "internal", "Internal error.");
    }
}
