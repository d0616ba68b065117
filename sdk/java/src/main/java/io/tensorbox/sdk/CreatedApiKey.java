package io.tensorbox.sdk;

/**
 * A newly created API key. {@link #key()} is only ever returned here: store it.
 *
 * @param id        the key id (used to revoke it)
 * @param name      its name
 * @param role      its role ({@code admin}, {@code developer}, {@code viewer})
 * @param team      its team
 * @param key       the secret ({@code ask_...})
 * @param createdAt creation time, Unix seconds
 */
public record CreatedApiKey(String id, String name, String role, String team, String key, long createdAt) {
}
