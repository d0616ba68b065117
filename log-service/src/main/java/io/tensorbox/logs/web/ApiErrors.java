package io.tensorbox.logs.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tensorbox.common.ErrorBody;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

/** Writes the one error shape of TensorBox on raw Vert.x routes. */
@ApplicationScoped
public class ApiErrors {

    private final ObjectMapper json;

    public ApiErrors(ObjectMapper json) {
        this.json = json;
    }

    public void send(RoutingContext ctx, int status, String code, String message) {
        HttpServerResponse response = ctx.response();
        if (response.headWritten() || response.ended() || response.closed()) {
            // Too late for a status line: cut the connection so the client cannot mistake a
            // truncated body for a complete one.
            if (!response.closed()) {
                ctx.request().connection().close();
            }
            return;
        }
        try {
            byte[] body = json.writeValueAsBytes(ErrorBody.of(code, message));
            response.setStatusCode(status)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(io.vertx.core.buffer.Buffer.buffer(body));
        } catch (JsonProcessingException e) {
            response.setStatusCode(500).end();
        }
    }
}
