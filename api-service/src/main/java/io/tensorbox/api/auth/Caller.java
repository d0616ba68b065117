package io.tensorbox.api.auth;

import io.tensorbox.common.ApiException;
import jakarta.enterprise.context.RequestScoped;

/** Who sent this request; set by {@link ApiKeyAuthFilter} for every {@code /v1} route. */
@RequestScoped
public class Caller {
    private String keyId;
    private String teamId;
    private String teamName;
    private Role role;

    void authenticate(ApiKey key, String teamName) {
        this.keyId = key.id;
        this.teamId = key.teamId;
        this.teamName = teamName;
        this.role = key.role;
    }

    public void require(Role required) {
        if (role == null) {
            throw ApiException.unauthorized("Send an API key as 'Authorization: Bearer ask_...'.");
        }
        if (!role.atLeast(required)) {
            throw ApiException.forbidden("This needs the " + required + " role; your key has the " + role + " role.");
        }
    }

    public String keyId() {
        return keyId;
    }

    public String teamId() {
        return teamId;
    }

    public String teamName() {
        return teamName;
    }

    public Role role() {
        return role;
    }
}
