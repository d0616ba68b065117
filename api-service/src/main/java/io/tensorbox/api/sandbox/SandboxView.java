package io.tensorbox.api.sandbox;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.Map;

/** The public shape of a sandbox (SPEC §3); {@code access_token} only in the answer to a create. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SandboxView(
        String id,
        String template,
        String state,
        long createdAt,
        long startedAt,
        long expiresAt,
        Map<String, String> metadata,
        String runtimeUrl,
        @JsonInclude(JsonInclude.Include.NON_NULL) String accessToken,
        /** Only when the sandbox was created with one. */
        @JsonInclude(JsonInclude.Include.NON_NULL) Integer idleTimeoutSeconds) {

    static SandboxView of(Sandbox sandbox, String publicUrl, String accessToken) {
        String base = publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
        return new SandboxView(sandbox.id, sandbox.template, sandbox.state.name(), sandbox.createdAt,
                sandbox.startedAt, sandbox.expiresAt, sandbox.metadata, base + "/v1/sandboxes/" + sandbox.id,
                accessToken, sandbox.idleTimeoutSeconds);
    }
}
