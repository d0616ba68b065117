package io.tensorbox.scheduler.error;

import io.tensorbox.common.ApiException;
import io.tensorbox.common.ErrorBody;
import io.tensorbox.scheduler.runtime.RuntimeUnavailableException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every refusal of this service is the JSON error body; nothing leaks a stack trace. */
public class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return error(e.status(), e.code(), e.getMessage());
    }

    @ServerExceptionMapper
    public Response unavailable(RuntimeUnavailableException e) {
        return error(503, "runtime_unavailable", e.getMessage());
    }

    @ServerExceptionMapper
    public Response badArgument(IllegalArgumentException e) {
        return error(400, "invalid_request", e.getMessage());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        String code = switch (status) {
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 415 -> "unsupported_media_type";
            default -> status < 500 ? "invalid_request" : "internal_error";
        };
        return error(status, code, e.getMessage());
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        LOG.error("unexpected failure", e);
        return error(500, "internal_error", "the scheduler failed: " + e.getMessage());
    }

    static Response error(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(ErrorBody.of(code, message)).build();
    }
}
