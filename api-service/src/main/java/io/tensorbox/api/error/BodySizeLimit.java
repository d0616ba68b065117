package io.tensorbox.api.error;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.ext.Provider;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Every request body of this API is small JSON. The HTTP layer's own limit
 * ({@code quarkus.http.limits.max-body-size}) is set well above this one, so a too-large body gets
 * the JSON 413 from here instead of an empty answer from the HTTP server.
 */
@Provider
@PreMatching
public class BodySizeLimit implements ContainerRequestFilter {

    @ConfigProperty(name = "tensorbox.max-request-bytes", defaultValue = "1048576")
    long maxBytes;

    @Override
    public void filter(ContainerRequestContext request) {
        if (request.getLength() > maxBytes) {
            request.abortWith(ErrorMappers.error(413, "payload_too_large",
                    "The request body has " + request.getLength() + " bytes; at most " + maxBytes + " are accepted."));
        }
    }
}
