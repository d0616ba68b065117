package io.tensorbox.api.connect;

import jakarta.ws.rs.container.ContainerRequestContext;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The Connect protocol negotiates by {@code Content-Type} alone and its answers have fixed types, so a
 * client's {@code Accept} (e.g. {@code application/connect+json}, which Quarkus REST cannot be told to
 * produce without also writing the frames as JSON) must not turn a call into a 406.
 */
public class IgnoreAccept {

    @ServerRequestFilter(preMatching = true)
    public void ignoreAccept(ContainerRequestContext request) {
        if (ConnectAuthErrors.ROUTES.matcher(request.getUriInfo().getPath()).matches()) {
            request.getHeaders().putSingle("Accept", "*/*");
        }
    }
}
