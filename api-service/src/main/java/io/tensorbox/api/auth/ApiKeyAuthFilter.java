package io.tensorbox.api.auth;

import io.tensorbox.common.ApiException;
import io.tensorbox.api.team.Team;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every {@code /v1} route needs a valid, unrevoked key; roles are checked by each route through
 * {@link Caller#require}. {@code /q/*} and {@code /internal/*} are open (cluster-internal).
 * Keys are looked up on every request, so a revoked key is refused at once.
 */
public class ApiKeyAuthFilter {
    private static final String BEARER = "Bearer ";

    @Inject
    Caller caller;

    @ServerRequestFilter
    public void authenticate(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/v1/") && !path.equals("/v1")) {
            return;
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || header.isBlank()) {
            throw ApiException.unauthorized("Send an API key as 'Authorization: Bearer ask_...'.");
        }
        if (!header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw ApiException.unauthorized("The Authorization header must be 'Bearer ask_...'.");
        }
        KeyFormat.Parsed parsed = KeyFormat.parse(header.substring(BEARER.length()).trim())
                .orElseThrow(() -> ApiException.unauthorized("The API key is malformed; keys look like ask_<id>_<secret>."));
        ApiKey key = ApiKey.findById(parsed.keyId());
        if (key == null || key.revokedAt != null || !KeyFormat.matches(parsed.secret(), key.secretHash)) {
            throw ApiException.unauthorized("The API key is unknown or revoked.");
        }
        Team team = Team.findById(key.teamId);
        caller.authenticate(key, team.name);
    }
}
