package io.tensorbox.api.auth;

import io.tensorbox.api.team.Team;
import io.tensorbox.common.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.control.ActivateRequestContext;

import java.time.Instant;
import java.util.Optional;

@ApplicationScoped
public class ApiKeys {

    public record Issued(ApiKey record, String key) {
    }

    /** The holder of a valid key: its team and role. */
    public record Holder(String keyId, String teamId, String teamName, Role role) {
    }

    /** The holder of this key, if the key exists, is not revoked and its secret matches. */
    @ActivateRequestContext
    public Optional<Holder> verify(KeyFormat.Parsed presented) {
        ApiKey key = ApiKey.findById(presented.keyId());
        if (key == null || key.revokedAt != null || !KeyFormat.matches(presented.secret(), key.secretHash)) {
            return Optional.empty();
        }
        Team team = Team.findById(key.teamId);
        return Optional.of(new Holder(key.id, key.teamId, team.name, key.role));
    }

    /** Creates a key; the full key exists only in the answer, the store keeps its hash. */
    public Issued issue(String teamId, String name, Role role) {
        return issue(teamId, name, role, false);
    }

    /** {@code e2b}: the key is spelt {@code e2b_<hex>} (E2B's SDKs), else {@code ask_<id>_<secret>}. */
    public Issued issue(String teamId, String name, Role role, boolean e2b) {
        Issued issued = store(teamId, name, role, KeyFormat.newKeyId(), KeyFormat.newSecret());
        if (!e2b) {
            return issued;
        }
        KeyFormat.Parsed parsed = KeyFormat.parse(issued.key()).orElseThrow();
        return new Issued(issued.record(), KeyFormat.formatE2b(parsed.keyId(), parsed.secret()));
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
