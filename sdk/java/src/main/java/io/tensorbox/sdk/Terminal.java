package io.tensorbox.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import io.tensorbox.sdk.internal.Errors;
import io.tensorbox.sdk.internal.Json;
import io.tensorbox.sdk.internal.Transport;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * An interactive terminal (a PTY) in a sandbox, over a WebSocket. Opened by
 * {@link Sandbox#openTerminal(TerminalOptions, TerminalListener)}. Keystrokes go in with
 * {@link #write(byte[])}; output comes to the {@link TerminalListener}; {@link #exitCode()} completes
 * when the shell exits. Thread-safe: sends are queued in order.
 */
public final class Terminal implements AutoCloseable {
    private final CompletableFuture<Integer> exitCode = new CompletableFuture<>();
    private final TerminalListener listener;
    private final Object sendLock = new Object();
    private WebSocket ws;
    private CompletableFuture<?> lastSend = CompletableFuture.completedFuture(null);

    private Terminal(TerminalListener listener) {
        this.listener = listener;
    }

    static Terminal open(Transport runtime, String runtimeUrl, TerminalOptions o, TerminalListener listener) {
        StringBuilder url = new StringBuilder(runtimeUrl.replaceFirst("^http", "ws"))
                .append("/terminal?cols=").append(o.cols()).append("&rows=").append(o.rows());
        if (o.cmd() != null) {
            url.append("&cmd=").append(Transport.enc(o.cmd()));
        }
        if (o.cwd() != null) {
            url.append("&cwd=").append(Transport.enc(o.cwd()));
        }
        Terminal t = new Terminal(listener);
        String[] auth = runtime.authHeader();
        CompletableFuture<WebSocket> f = Transport.client().newWebSocketBuilder()
                .header(auth[0], auth[1])
                .header("User-Agent", Transport.USER_AGENT)
                .connectTimeout(runtime.config().requestTimeout())
                .buildAsync(URI.create(url.toString()), t.new Listener());
        try {
            t.ws = Transport.await(f, () -> f.cancel(true), "opening the terminal");
        } catch (TensorBoxException e) {
            Throwable c = e.getCause();
            if (c instanceof WebSocketHandshakeException) {
                HttpResponse<?> r = ((WebSocketHandshakeException) c).getResponse();
                Object body = r.body();
                String text = body instanceof byte[] ? new String((byte[]) body, StandardCharsets.UTF_8)
                        : body == null ? null : body.toString();
                throw Errors.fromResponse(r.statusCode(), text);
            }
            throw e;
        }
        return t;
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            try {
                listener.onOutput(bytes);
            } finally {
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String msg = text.toString();
                text.setLength(0);
                try {
                    JsonNode n = Json.parse(msg);
                    if ("exit".equals(Json.text(n, "type"))) {
                        int code = Json.intValue(n, "exit_code", -1);
                        try {
                            listener.onExit(code);
                        } finally {
                            exitCode.complete(code);
                        }
                    }
                } catch (TensorBoxException ignored) {
                    // not JSON: ignore
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            exitCode.completeExceptionally(new TensorBoxException(0, "terminal_closed",
                    "the terminal closed before the shell exited (" + statusCode
                            + (reason == null || reason.isEmpty() ? "" : ": " + reason) + ")"));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            exitCode.completeExceptionally(Errors.fromThrowable(error, "terminal"));
        }
    }

    /** Sends keystrokes (raw bytes, e.g. {@code "ls\r".getBytes()}); blocks until they are sent. */
    public void write(byte[] keys) {
        byte[] copy = keys.clone();
        send(ws -> ws.sendBinary(ByteBuffer.wrap(copy), true));
    }

    /** Sends keystrokes given as text (UTF-8). */
    public void write(String keys) {
        write(keys.getBytes(StandardCharsets.UTF_8));
    }

    /** Resizes the terminal. */
    public void resize(int cols, int rows) {
        String msg = Json.write(Json.object().put("type", "resize").put("cols", cols).put("rows", rows));
        send(ws -> ws.sendText(msg, true));
    }

    private void send(java.util.function.Function<WebSocket, CompletableFuture<WebSocket>> op) {
        CompletableFuture<?> mine;
        synchronized (sendLock) {
            if (ws.isOutputClosed()) {
                throw new TensorBoxException(0, "terminal_closed", "the terminal is closed");
            }
            mine = lastSend.handle((v, e) -> null).thenCompose(v -> op.apply(ws));
            lastSend = mine;
        }
        Transport.await(mine, () -> { }, "writing to the terminal");
    }

    /** Completes with the shell's exit code; fails when the connection ends without one. */
    public CompletableFuture<Integer> exitCode() {
        return exitCode;
    }

    /** Whether the terminal is still open. */
    public boolean isOpen() {
        return !ws.isInputClosed() && !exitCode.isDone();
    }

    /** Closes the terminal (the shell is ended by the server). Idempotent. */
    @Override
    public void close() {
        synchronized (sendLock) {
            if (!ws.isOutputClosed()) {
                lastSend = lastSend.handle((v, e) -> null)
                        .thenCompose(v -> ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye"));
            }
        }
        lastSend.whenComplete((v, e) -> ws.abort());
        exitCode.completeExceptionally(new TensorBoxException(0, "terminal_closed", "the terminal was closed"));
    }
}
