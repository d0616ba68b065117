package io.tensorbox.api.auth;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * An API key becomes the identity of its team: the key's role and every role below it, and the team
 * and key as attributes ({@link Caller}). The key is looked up on every request (on a worker thread:
 * the store is blocking), so a revoked key is refused at once.
 */
@ApplicationScoped
public class ApiKeyIdentityProvider implements IdentityProvider<ApiKeyRequest> {

    @Inject
    ApiKeys keys;

    @Override
    public Class<ApiKeyRequest> getRequestType() {
        return ApiKeyRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ApiKeyRequest request, AuthenticationRequestContext context) {
        return context.runBlocking(() -> {
            ApiKeys.Holder holder = keys.verify(request.key())
                    .orElseThrow(() -> new AuthenticationFailedException(PublicApiMechanism.UNKNOWN));
            return QuarkusSecurityIdentity.builder()
                    .setPrincipal(new QuarkusPrincipal("api-key:" + holder.keyId()))
                    .addRoles(holder.role().grants())
                    .addAttribute(Caller.CREDENTIAL, Caller.API_KEY)
                    .addAttribute(Caller.KEY_ID, holder.keyId())
                    .addAttribute(Caller.TEAM_ID, holder.teamId())
                    .addAttribute(Caller.TEAM_NAME, holder.teamName())
                    .addAttribute(Caller.ROLE, holder.role())
                    .build();
        });
    }
}
