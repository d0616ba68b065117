package io.tensorbox.sdk;

/**
 * An API key as listed (without its secret).
 *
 * @param id        the key id
 * @param name      its name
 * @param role      its role
 * @param team      its team
 * @param createdAt creation time, Unix seconds
 */
public record ApiKeyInfo(String id, String name, String role, String team, long createdAt) {
}
