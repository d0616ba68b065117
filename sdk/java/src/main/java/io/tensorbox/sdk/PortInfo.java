package io.tensorbox.sdk;

/**
 * A port of a sandbox (SPEC §6): discovered because something listens on it, exposed through the
 * API, or both. {@code url} is its preview URL; {@code reachable} says whether the preview proxy can
 * reach it, and {@code reason} why not (e.g. "listening on 127.0.0.1 only").
 *
 * @param port      the TCP port
 * @param url       the preview URL
 * @param reachable whether the preview proxy can reach it
 * @param reason    why it is not reachable, or null
 * @param exposed   exposed through {@code expose}
 * @param isPublic  served without credentials
 * @param processId the process record that listens on it, when known, else null
 */
public record PortInfo(int port, String url, boolean reachable, String reason, boolean exposed, boolean isPublic,
                       String processId) {
}
