package io.tensorbox.api.auth;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.tensorbox.api.sandbox.Sandbox;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * A sandbox's access token becomes an identity that holds only {@link Role#SANDBOX}: the runtime
 * routes of that one sandbox accept it (with developer rights there), every other route refuses it
 * for want of a team role. The sandbox and its team are attributes ({@link Caller#sandboxScope()}).
 * Only a sandbox that is still live accepts its token.
 */
@ApplicationScoped
public class AccessTokenIdentityProvider implements IdentityProvider<AccessTokenRequest> {

    @Override
    public Class<AccessTokenRequest> getRequestType() {
        return AccessTokenRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(AccessTokenRequest request, AuthenticationRequestContext context) {
        return context.runBlocking(() -> {
            Sandbox sandbox = QuarkusTransaction.requiringNew().call(() ->
                            Sandbox.<Sandbox>find("accessTokenHash", KeyFormat.hash(request.token())).firstResultOptional())
                    .filter(Sandbox::isLive)
                    .orElseThrow(() -> new AuthenticationFailedException(PublicApiMechanism.UNKNOWN_TOKEN));
            return QuarkusSecurityIdentity.builder()
                    .setPrincipal(new QuarkusPrincipal("sandbox:" + sandbox.id))
                    .addRole(Role.SANDBOX)
                    .addAttribute(Caller.CREDENTIAL, Caller.ACCESS_TOKEN)
                    .addAttribute(Caller.TEAM_ID, sandbox.teamId)
                    .addAttribute(Caller.SANDBOX_SCOPE, sandbox.id)
                    .build();
        });
    }
}
