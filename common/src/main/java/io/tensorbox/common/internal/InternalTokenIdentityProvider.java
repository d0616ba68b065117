package io.tensorbox.common.internal;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.Optional;

/** Turns a presented internal token into the service identity, or refuses it. */
@ApplicationScoped
public class InternalTokenIdentityProvider implements IdentityProvider<InternalTokenRequest> {

    private final String expected;

    InternalTokenIdentityProvider(@ConfigProperty(name = InternalToken.CONFIG_KEY) Optional<String> token) {
        this.expected = token.map(String::strip).orElse(null);
    }

    /** A service without a usable token refuses to start rather than run its internal routes open. */
    void check(@Observes StartupEvent ignored) {
        String problem = InternalToken.problem(expected);
        if (problem != null) {
            throw new IllegalStateException(problem);
        }
    }

    @Override
    public Class<InternalTokenRequest> getRequestType() {
        return InternalTokenRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(InternalTokenRequest request, AuthenticationRequestContext context) {
        if (!InternalToken.matches(expected, request.token())) {
            return Uni.createFrom().failure(new AuthenticationFailedException("the internal token is wrong"));
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(InternalToken.PRINCIPAL))
                .addRole(InternalToken.ROLE)
                .build());
    }
}
