package io.tensorbox.api.auth;

import io.tensorbox.common.ApiException;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;

@ApplicationScoped
public class ApiKeys {

    public record Issued(ApiKey record, String key) {
    }

    /** Creates a key; the full key exists only in the answer, the store keeps its hash. */
    public Issued issue(String teamId, String name, Role role) {
        return store(teamId, name, role, KeyFormat.newKeyId(), KeyFormat.newSecret());
    }

    /** Stores a key chosen by the operator ({@code TENSORBOX_BOOTSTRAP_API_KEY}). */
    public Issued adopt(String teamId, String name, Role role, String key) {
        KeyFormat.Parsed parsed = KeyFormat.parse(key).orElseThrow(() -> new IllegalArgumentException(
                "the bootstrap API key must look like ask_<keyid>_<secret> (keyid letters and digits,"
                        + " secret at least 8 of letters, digits, '_' or '-')"));
        return store(teamId, name, role, parsed.keyId(), parsed.secret());
    }

    private Issued store(String teamId, String name, Role role, String keyId, String secret) {
        ApiKey key = new ApiKey();
        key.id = keyId;
        key.teamId = teamId;
        key.name = name;
        key.role = role;
        key.secretHash = KeyFormat.hash(secret);
        key.createdAt = Instant.now().getEpochSecond();
        key.persist();
        return new Issued(key, KeyFormat.format(keyId, secret));
    }

    public void revoke(String teamId, String keyId) {
        ApiKey key = keyId.matches("[A-Za-z0-9]{1,64}") ? ApiKey.findById(keyId) : null;
        if (key == null || key.revokedAt != null || !key.teamId.equals(teamId)) {
            throw ApiException.notFound("api_key_not_found", "No API key '" + keyId + "' in your team.");
        }
        key.revokedAt = Instant.now().getEpochSecond();
    }
}
