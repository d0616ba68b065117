package io.tensorbox.common.internal;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Set;

/**
 * Authenticates {@code /internal/*} requests of every service by {@link InternalToken#HEADER}. A
 * request to an internal route without the header, or with a wrong one, fails authentication (a JSON
 * 401 from {@link SecurityErrors}); {@code META-INF/microprofile-config.properties} of this module
 * also lets only the {@link InternalToken#ROLE} role through those paths. Other paths are left to
 * the service's own mechanisms.
 */
@ApplicationScoped
public class InternalTokenMechanism implements HttpAuthenticationMechanism {

    static final String INTERNAL_PATHS = "/internal/";

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        String token = context.request().getHeader(InternalToken.HEADER);
        boolean internalPath = context.normalizedPath().startsWith(INTERNAL_PATHS);
        if (token == null) {
            return internalPath
                    ? Uni.createFrom().failure(new AuthenticationFailedException(
                            "internal routes need the service token in " + InternalToken.HEADER))
                    : Uni.createFrom().optional(java.util.Optional.empty());
        }
        return identities.authenticate(new InternalTokenRequest(token));
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, null, null));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(InternalTokenRequest.class);
    }
}
