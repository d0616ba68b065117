package io.tensorbox.api.auth;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/**
 * A sandbox access token ({@code X-Access-Token: sat_...}) as presented, well-formed but not yet
 * checked against the store.
 */
public final class AccessTokenRequest extends BaseAuthenticationRequest {
    private final String token;

    public AccessTokenRequest(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }
}
