package io.tensorbox.sdk;

import java.util.Map;

/**
 * What the platform knows about a sandbox. Times are Unix seconds, as on the wire (0 when unknown).
 *
 * @param id         the sandbox id
 * @param template   the template it was created from
 * @param state      e.g. {@code pending}, {@code running}, {@code terminated}
 * @param createdAt  creation time
 * @param startedAt  time it became running
 * @param expiresAt  time it will be killed unless its timeout is extended
 * @param metadata   the user's metadata
 * @param runtimeUrl the base URL of its runtime API
 */
public record SandboxInfo(String id, String template, String state, long createdAt, long startedAt, long expiresAt,
        Map<String, String> metadata, String runtimeUrl) {
}
