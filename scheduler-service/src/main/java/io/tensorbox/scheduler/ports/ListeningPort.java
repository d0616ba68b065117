package io.tensorbox.scheduler.ports;

/**
 * One TCP listening socket of a sandbox, as api-service receives it ({@code POST /internal/v1/events/ports}):
 * the port, the bound address as text ("0.0.0.0", "::", "127.0.0.1", "::1", ...) and the owner's pid (0: not found).
 */
public record ListeningPort(int port, String address, long pid) {
}
