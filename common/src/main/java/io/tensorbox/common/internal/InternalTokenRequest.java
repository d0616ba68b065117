package io.tensorbox.common.internal;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** The value of {@link InternalToken#HEADER} as presented by a caller, to be checked. */
public final class InternalTokenRequest extends BaseAuthenticationRequest {
    private final String token;

    public InternalTokenRequest(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }
}
