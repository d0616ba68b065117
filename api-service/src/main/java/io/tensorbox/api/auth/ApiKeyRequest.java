package io.tensorbox.api.auth;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** An {@code ask_<id>_<secret>} key as presented, well-formed but not yet checked against the store. */
public final class ApiKeyRequest extends BaseAuthenticationRequest {
    private final KeyFormat.Parsed key;

    public ApiKeyRequest(KeyFormat.Parsed key) {
        this.key = key;
    }

    public KeyFormat.Parsed key() {
        return key;
    }
}
