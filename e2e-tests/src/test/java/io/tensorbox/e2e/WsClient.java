package io.tensorbox.e2e;

import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.core.ConditionTimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A WebSocket of the public API as a client holds it (the JDK's {@code java.net.http.WebSocket}):
 * every whole message in arrival order, the terminal's binary output also gathered as text to
 * search, and the close. A refused upgrade is kept as its HTTP status ({@link #handshakeStatus()}).
 */
final class WsClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONNECT = Duration.ofSeconds(10);

    /** What the server sent: a text message, a binary one, the close, or a failure of the connection. */
    sealed interface Message permits Text, Binary, Closed, Failed {
    }

    record Text(String text) implements Message {
        JsonNode json() {
            try {
                return JSON.readTree(text);
            } catch (IOException e) {
                throw new AssertionError("a text message that is not JSON: " + text, e);
            }
        }
    }

    record Binary(byte[] bytes) implements Message {
        @Override
        public String toString() {
            return "Binary[" + new String(bytes, StandardCharsets.ISO_8859_1) + "]";
        }
    }

    record Closed(int code, String reason) implements Message {
    }

    record Failed(Throwable failure) implements Message {
    }

    private final HttpClient client;
    private final int handshakeStatus;
    private final WebSocket socket;
    private final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
    /** Binary output so far, each byte as one ISO-8859-1 character (ASCII patterns match as they are). */
    private final StringBuilder output = new StringBuilder();
    private final List<String> texts = new ArrayList<>();
    private boolean ended;

    private WsClient(HttpClient client, int handshakeStatus, WebSocket socket) {
        this.client = client;
        this.handshakeStatus = handshakeStatus;
        this.socket = socket;
    }

    /**
     * Opens {@code ws://api/pathAndQuery} with the given headers. A refused upgrade is not a failure
     * here: see {@link #handshakeStatus()}.
     */
    static WsClient open(String pathAndQuery, Map<String, String> headers) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT).build();
        Listener listener = new Listener();
        WebSocket.Builder builder = client.newWebSocketBuilder().connectTimeout(CONNECT);
        headers.forEach(builder::header);
        URI uri = URI.create(Api.cluster().apiUrl().replaceFirst("^http", "ws") + pathAndQuery);
        try {
            WebSocket socket = builder.buildAsync(uri, listener).get(CONNECT.toSeconds() + 5, TimeUnit.SECONDS);
            WsClient opened = new WsClient(client, 101, socket);
            listener.attach(opened);
            return opened;
        } catch (ExecutionException e) {
            client.shutdownNow();
            if (e.getCause() instanceof WebSocketHandshakeException refused) {
                return new WsClient(client, refused.getResponse().statusCode(), null);
            }
            throw new AssertionError("WebSocket " + pathAndQuery + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            client.shutdownNow();
            throw new AssertionError("WebSocket " + pathAndQuery + " did not open within " + CONNECT, e);
        } catch (InterruptedException e) {
            client.shutdownNow();
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** 101 when the upgrade succeeded, else the HTTP status of the refusal. */
    int handshakeStatus() {
        return handshakeStatus;
    }

    boolean connected() {
        return socket != null;
    }

    WsClient assertConnected() {
        if (socket == null) {
            throw new AssertionError("the WebSocket upgrade was refused with HTTP " + handshakeStatus);
        }
        return this;
    }

    /** The next message within {@code limit}, the close included. */
    Message next(Duration limit) {
        assertConnected();
        try {
            Message m = messages.poll(limit.toNanos(), TimeUnit.NANOSECONDS);
            if (m == null) {
                throw new AssertionError("no WebSocket message within " + limit);
            }
            if (m instanceof Closed || m instanceof Failed) {
                messages.add(m);
            }
            return m;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Every message up to the server's close (not included), which must come within {@code limit}. */
    List<Message> untilClosed(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        List<Message> got = new ArrayList<>();
        while (true) {
            Message m;
            try {
                m = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            } catch (AssertionError e) {
                throw new AssertionError("the WebSocket was not closed within " + limit + "; it sent " + got, e);
            }
            if (m instanceof Closed) {
                return got;
            }
            if (m instanceof Failed failed) {
                throw new AssertionError("the WebSocket failed after " + got + ": " + failed.failure(), failed.failure());
            }
            got.add(m);
        }
    }

    /** Waits until the binary output so far matches {@code pattern}; returns the match. */
    Matcher awaitOutput(Pattern pattern, Duration limit) {
        assertConnected();
        try {
            return await("terminal output matching " + pattern).atMost(limit).pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        Matcher m = pattern.matcher(output());
                        if (m.find()) {
                            return m;
                        }
                        if (ended()) {
                            throw new AssertionError("the WebSocket ended before its output matched " + pattern
                                    + "; its text messages were " + texts() + " and its output:\n" + output());
                        }
                        return null;
                    }, m -> m != null);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no terminal output matching " + pattern + " within " + limit + "; the output is:\n"
                    + output(), e);
        }
    }

    synchronized String output() {
        return output.toString();
    }

    /** The text messages so far. */
    synchronized List<String> texts() {
        return List.copyOf(texts);
    }

    synchronized boolean ended() {
        return ended;
    }

    private synchronized void gather(Message m) {
        if (m instanceof Binary b) {
            output.append(new String(b.bytes(), StandardCharsets.ISO_8859_1));
        } else if (m instanceof Text t) {
            texts.add(t.text());
        } else {
            ended = true;
        }
    }

    void sendBinary(String keys) {
        join(assertConnected().socket.sendBinary(ByteBuffer.wrap(keys.getBytes(StandardCharsets.UTF_8)), true));
    }

    void sendText(String text) {
        join(assertConnected().socket.sendText(text, true));
    }

    /** A normal close from this side, as a client that is done does it. */
    void sendClose() {
        if (socket != null && !socket.isOutputClosed()) {
            join(socket.sendClose(WebSocket.NORMAL_CLOSURE, "done"));
        }
    }

    /** Drops the connection without a close handshake, as a client that crashes does. */
    void abort() {
        if (socket != null) {
            socket.abort();
        }
        client.shutdownNow();
    }

    private static void join(CompletionStage<?> sent) {
        try {
            sent.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("could not send on the WebSocket: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        abort();
    }

    /** Assembles whole messages and hands them to the client it serves. */
    private static final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
        private final List<Message> early = new ArrayList<>();
        private WsClient owner;

        synchronized void attach(WsClient client) {
            owner = client;
            early.forEach(this::deliver);
            early.clear();
        }

        private synchronized void hand(Message m) {
            if (owner == null) {
                early.add(m);
            } else {
                deliver(m);
            }
        }

        private void deliver(Message m) {
            owner.gather(m);
            owner.messages.add(m);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                hand(new Text(text.toString()));
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            binary.writeBytes(bytes);
            if (last) {
                hand(new Binary(binary.toByteArray()));
                binary.reset();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            hand(new Closed(statusCode, reason));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            hand(new Failed(error));
        }
    }
}
