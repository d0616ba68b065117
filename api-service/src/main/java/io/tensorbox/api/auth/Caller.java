package io.tensorbox.api.auth;

import io.quarkus.security.identity.SecurityIdentity;
import io.tensorbox.common.ApiException;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;

/**
 * Who sent this request: the typed view of the {@link SecurityIdentity} that {@link PublicApiMechanism}
 * established (team, key, role). Roles are checked by {@code @RolesAllowed} on the routes; this only
 * answers the team a route works in.
 */
@RequestScoped
public class Caller {
    /** Identity attributes set by the identity providers of the public API. */
    static final String CREDENTIAL = "tensorbox.credential";
    static final String API_KEY = "api-key";
    static final String ACCESS_TOKEN = "access-token";
    public static final String SANDBOX_SCOPE = "tensorbox.sandbox-scope";
    static final String KEY_ID = "tensorbox.key-id";
    public static final String TEAM_ID = "tensorbox.team-id";
    static final String TEAM_NAME = "tensorbox.team-name";
    static final String ROLE = "tensorbox.role";

    @Inject
    SecurityIdentity identity;

    public String keyId() {
        return attribute(KEY_ID);
    }

    public String teamId() {
        return attribute(TEAM_ID);
    }

    public String teamName() {
        return attribute(TEAM_NAME);
    }

    /**
     * The one sandbox this request may act on, when it came with that sandbox's access token; empty for
     * an API key (which may act on every sandbox of its team).
     */
    public java.util.Optional<String> sandboxScope() {
        return java.util.Optional.ofNullable(identity.getAttribute(SANDBOX_SCOPE));
    }

    /** The key's own role (the identity also holds the roles below it). */
    public Role role() {
        return attribute(ROLE);
    }

    /** The key's role, if this request was authenticated by a key at all. */
    public java.util.Optional<Role> knownRole() {
        return java.util.Optional.ofNullable(identity.getAttribute(ROLE));
    }

    private <T> T attribute(String name) {
        T value = identity.getAttribute(name);
        if (value == null) {
            // only reachable by a route that forgot @RolesAllowed for a team role
            throw ApiException.unauthorized(PublicApiMechanism.MISSING);
        }
        return value;
    }
}
