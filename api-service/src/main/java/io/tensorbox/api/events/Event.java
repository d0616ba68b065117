package io.tensorbox.api.events;

/**
 * One event of a sandbox's stream: {@code seq} is its SSE id (per sandbox, gap-free, in commit
 * order), {@code type} its SSE event name, {@code data} its JSON payload.
 */
public record Event(String sandboxId, long seq, String type, String data) {
    public static final String PROCESS_STARTED = "process.started";
    public static final String PROCESS_EXITED = "process.exited";
    public static final String PORT_OPENED = "port.opened";
    public static final String PORT_CLOSED = "port.closed";
    public static final String SANDBOX_STATE = "sandbox.state";
    public static final String SANDBOX_EXPIRING = "sandbox.expiring";
}
