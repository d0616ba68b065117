package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.mockwebserver.internal.WebSocketMessage;

/**
 * Exec frames for the mock API server, each sent a little after the upgrade. The mock closes the
 * socket as soon as it has no frame pending, and frames sent at once can leave it with none
 * between two of them; the exit status then never arrives. Delayed frames are all pending first.
 */
final class ExecFrames {
    private ExecFrames() {
    }

    static WebSocketMessage[] inOrder(WebSocketMessage... frames) {
        WebSocketMessage[] delayed = new WebSocketMessage[frames.length];
        for (int i = 0; i < frames.length; i++) {
            delayed[i] = new WebSocketMessage(20L + 10L * i, frames[i].getBytes(), true, true);
        }
        return delayed;
    }
}
