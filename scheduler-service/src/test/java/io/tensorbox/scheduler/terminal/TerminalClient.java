package io.tensorbox.scheduler.terminal;

import io.restassured.RestAssured;
import io.tensorbox.common.internal.InternalToken;
import io.tensorbox.scheduler.InternalCalls;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A terminal's client as api-service would be one, on the JDK's WebSocket: it asks for one message
 * at a time, so {@link #pause()} really stops reading and the server sees a slow client.
 */
final class TerminalClient implements WebSocket.Listener, AutoCloseable {

    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    private final StringBuilder text = new StringBuilder();
    final CompletableFuture<String> exitMessage = new CompletableFuture<>();
    final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private boolean paused;
    private boolean owed;
    private final HttpClient http = HttpClient.newHttpClient();
    private WebSocket socket;

    static URI uri(String sandbox, Map<String, String> query) {
        String q = query.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8).replace("+", "%20"))
                .collect(Collectors.joining("&"));
        return URI.create("ws://localhost:" + RestAssured.port + "/internal/v1/sandboxes/" + sandbox + "/terminal"
                + (q.isEmpty() ? "" : "?" + q));
    }

    static TerminalClient open(String sandbox, Map<String, String> query) throws Exception {
        TerminalClient client = new TerminalClient();
        client.socket = client.http.newWebSocketBuilder().header(InternalToken.HEADER, InternalCalls.TOKEN)
                .buildAsync(uri(sandbox, query), client).get(30, TimeUnit.SECONDS);
        return client;
    }

    void type(String keys) {
        socket.sendBinary(ByteBuffer.wrap(keys.getBytes(StandardCharsets.UTF_8)), true).join();
    }

    void sendText(String message) {
        socket.sendText(message, true).join();
    }

    void resize(int cols, int rows) {
        sendText("{\"type\":\"resize\",\"cols\":" + cols + ",\"rows\":" + rows + "}");
    }

    /** What the terminal showed so far. */
    String screen() {
        synchronized (screen) {
            return screen.toString(StandardCharsets.UTF_8);
        }
    }

    /** Stops asking for messages: the server's frames back up in the socket. */
    synchronized void pause() {
        paused = true;
    }

    synchronized void resume() {
        paused = false;
        if (owed) {
            owed = false;
            socket.request(1);
        }
    }

    /** Drops the connection without a close handshake, as a client that dies does. */
    void abort() {
        socket.abort();
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        synchronized (screen) {
            screen.writeBytes(bytes);
        }
        next(webSocket);
        return null;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
            exitMessage.complete(text.toString());
            text.setLength(0);
        }
        next(webSocket);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeCode.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closeCode.completeExceptionally(error);
        exitMessage.completeExceptionally(error);
    }

    private synchronized void next(WebSocket webSocket) {
        if (paused) {
            owed = true;
        } else {
            webSocket.request(1);
        }
    }

    @Override
    public void close() {
        if (socket != null && !socket.isOutputClosed()) {
            socket.abort();
        }
        http.close();
    }
}
