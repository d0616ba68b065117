package io.tensorbox.api.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tensorbox.common.ApiException;
import org.jboss.logging.Logger;

import java.io.IOException;

/** What the other TensorBox services answer, read the same way by every relay of this package. */
public final class Upstream {
    private static final Logger LOG = Logger.getLogger(Upstream.class);

    private Upstream() {
    }

    /**
     * A refusal of another service as the caller should see it: the 4xx errors that describe the
     * caller's own request keep their code and message; anything else is {@code 503}.
     */
    public static ApiException error(ObjectMapper json, int status, byte[] body, String service) {
        if (status == 400 || status == 404 || status == 409 || status == 413 || status == 429) {
            try {
                JsonNode error = json.readTree(body).path("error");
                // a bare "not_found" is a route the other service lacks (a version skew), not the caller's mistake
                if (error.path("code").isTextual() && error.path("message").isTextual()
                        && !error.get("code").asText().equals("not_found")) {
                    return new ApiException(status, error.get("code").asText(), error.get("message").asText());
                }
            } catch (IOException | RuntimeException e) {
                // not the JSON error shape: below
            }
        }
        LOG.warnf("%s answered %d", service, status);
        return ApiException.runtimeUnavailable("The sandbox runtime could not do it (the " + service + " answered "
                + status + ").");
    }

    public static JsonNode parse(ObjectMapper json, String data) {
        try {
            return json.readTree(data);
        } catch (IOException e) {
            throw ApiException.runtimeUnavailable("The sandbox runtime sent an unreadable event.");
        }
    }
}
