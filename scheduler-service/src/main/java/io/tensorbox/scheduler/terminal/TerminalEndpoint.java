package io.tensorbox.scheduler.terminal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnBinaryMessage;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.UserData;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.tensorbox.scheduler.config.SchedulerConfig;
import io.tensorbox.scheduler.runtime.RuntimeUnavailableException;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import io.vertx.core.buffer.Buffer;
import org.jboss.logging.Logger;

import java.io.IOException;

/**
 * Internal: an interactive terminal in a sandbox, for api-service to relay. Client to server:
 * binary frames are keystrokes, text {@code {"type":"resize","cols":N,"rows":N}} resizes. Server to
 * client: binary frames are what the terminal shows, then a text {@code {"type":"exit","exit_code":N}}
 * and a normal close. Refusals come before the upgrade ({@link TerminalUpgradeCheck}); a runtime that
 * fails after it closes the socket with 1011. Callbacks of one connection run one at a time on a
 * worker thread (blocking keystroke writes are the back-pressure on input); output is relayed by
 * {@link TerminalOutput} without a thread. Closing the socket ends the terminal's processes. The
 * connection is taken as a parameter, never injected: the terminal's threads use it outside any
 * callback, where the injected proxy has no session to resolve.
 */
@WebSocket(path = "/internal/v1/sandboxes/{sandboxId}/terminal", endpointId = TerminalEndpoint.ID)
public class TerminalEndpoint {

    static final String ID = "tensorbox-terminal";
    static final String PATH_REGEX = "/internal/v1/sandboxes/[^/]+/terminal";
    /** Control messages are small; anything longer is not one of ours. */
    static final int MAX_CONTROL = 1024;

    private static final Logger LOG = Logger.getLogger(TerminalEndpoint.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The endpoint is one bean for every connection; each connection's terminal lives in its user data. */
    private static final UserData.TypedKey<TerminalSession> SESSION = new UserData.TypedKey<>("tensorbox.terminal.session");

    private final SandboxRuntime runtime;
    private final SchedulerConfig config;
    private final OpenTerminals open;

    TerminalEndpoint(SandboxRuntime runtime, SchedulerConfig config, OpenTerminals open) {
        this.open = open;
        this.runtime = runtime;
        this.config = config;
    }

    @OnOpen
    void open(WebSocketConnection connection) {
        TerminalTarget target = connection.userData().get(TerminalUpgradeCheck.TARGET);
        if (target == null) {
            connection.close(new CloseReason(1011, "the terminal was not checked")).subscribe().with(ok -> { }, f -> { });
            return;
        }
        TerminalSession session = new TerminalSession(runtime, target, connection, config.execStreamBufferBytes(), config.controlTimeout());
        connection.userData().put(SESSION, session);
        try {
            session.open();
            open.add(target.sandboxId(), session);
        } catch (RuntimeUnavailableException | IllegalArgumentException e) {
            LOG.infof("cannot open a terminal in %s: %s", target.sandboxId(), e.getMessage());
            session.failedToOpen();
            connection.close(new CloseReason(1011, "the runtime cannot open a terminal")).subscribe().with(ok -> { }, f -> { });
        }
    }

    @OnBinaryMessage
    void keys(Buffer keys, WebSocketConnection connection) {
        TerminalSession session = connection.userData().get(SESSION);
        if (session != null) {
            session.type(keys.getBytes());
        }
    }

    /** {@code {"type":"resize","cols":N,"rows":N}}, both 1..1000; anything else is ignored. */
    @OnTextMessage
    void control(String message, WebSocketConnection connection) {
        TerminalSession session = connection.userData().get(SESSION);
        if (session == null || message.length() > MAX_CONTROL) {
            return;
        }
        try {
            JsonNode node = JSON.readTree(message);
            if (node != null && node.isObject() && "resize".equals(node.path("type").textValue())
                    && node.path("cols").isInt() && node.path("rows").isInt()
                    && TerminalOptions.validSize(node.get("cols").intValue()) && TerminalOptions.validSize(node.get("rows").intValue())) {
                session.resize(node.get("cols").intValue(), node.get("rows").intValue());
                return;
            }
        } catch (IOException malformed) {
            // not JSON: ignored like any unknown message
        }
        LOG.debugf("ignored a control message of %d characters on a terminal", message.length());
    }

    @OnClose
    void closed(WebSocketConnection connection) {
        TerminalSession session = connection.userData().get(SESSION);
        if (session != null) {
            open.remove(session.sandboxId(), session);
            session.clientGone();
        }
    }
}
