package io.tensorbox.common;

/** A sandbox as the runtime sees it; {@code reason} explains {@code failed} (or an unexpected stop). */
public record SandboxStatus(String id, SandboxState state, String reason) {
}
