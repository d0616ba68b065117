package io.tensorbox.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import io.tensorbox.sdk.internal.BodyStream;
import io.tensorbox.sdk.internal.Errors;
import io.tensorbox.sdk.internal.Json;
import io.tensorbox.sdk.internal.SseParser;
import io.tensorbox.sdk.internal.Transport;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A running {@link Files#watchDir}. {@link #stop()} (or {@link #close()}) ends it; the stream holds
 * no thread while idle. Thread-safe.
 */
public final class WatchHandle implements AutoCloseable {
    private final String watched;
    private final Consumer<FilesystemEvent> onEvent;
    private final Consumer<Throwable> onExit;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final CompletableFuture<Throwable> ended = new CompletableFuture<>();
    private final SseParser parser;
    private final BodyStream stream;
    private volatile String root = "";
    private volatile boolean stopped;

    WatchHandle(String watched, Consumer<FilesystemEvent> onEvent, Consumer<Throwable> onExit) {
        String w = watched;
        while (w.length() > 1 && w.endsWith("/")) {
            w = w.substring(0, w.length() - 1);
        }
        this.watched = w;
        this.onEvent = onEvent;
        this.onExit = onExit;
        this.parser = new SseParser((event, data, id) -> onSse(event, data));
        this.stream = new BodyStream(parser::feed);
    }

    void start(Transport.Opened opened) {
        opened.subscribe(stream);
        stream.done().whenComplete((v, err) -> finished(err));
    }

    void awaitReady(Duration timeout) {
        try {
            ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            stop();
            throw new RequestTimeoutException("the watch of " + watched + " was not armed within " + timeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            stop();
            Thread.currentThread().interrupt();
            throw new TensorBoxException(0, "interrupted", "watchDir: interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            stop();
            throw Errors.fromThrowable(e.getCause(), "watch of " + watched);
        }
    }

    private void onSse(String event, String data) {
        switch (event) {
            case "ready" -> {
                JsonNode n = Json.parse(data == null || data.isBlank() ? "{}" : data);
                String p = Json.text(n, "path");
                if (p != null && !p.isEmpty()) {
                    root = p.endsWith("/") && p.length() > 1 ? p.substring(0, p.length() - 1) : p;
                }
                ready.complete(null);
            }
            case "error" -> {
                JsonNode n = Json.parse(data);
                JsonNode err = n.has("error") ? n.get("error") : n;
                throw new TensorBoxException(0, Json.text(err, "code", "stream_error"), Json.text(err, "message", data));
            }
            case "created", "written", "removed", "renamed" -> {
                if (stopped) {
                    return;
                }
                JsonNode n = Json.parse(data);
                String path = Json.text(n, "path");
                if (path == null || path.isEmpty()) {
                    return;
                }
                String type = Json.text(n, "type", event);
                if (!type.equals("created") && !type.equals("written") && !type.equals("removed") && !type.equals("renamed")) {
                    type = event;
                }
                onEvent.accept(new FilesystemEvent(type, path, relative(path), Files.fileType(Json.text(n, "entry_type"))));
            }
            default -> {
                // comments, keep-alives and unknown events
            }
        }
    }

    private void finished(Throwable err) {
        parser.finish();
        Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        Throwable failure = null;
        if (!stopped) {
            if (cause == null) {
                failure = new TensorBoxException(0, "stream_ended", "the watch of " + watched + " ended");
            } else if (cause instanceof CancellationException) {
                failure = new TensorBoxException(0, "stream_ended", "the watch of " + watched + " was closed");
            } else {
                failure = Errors.fromThrowable(cause, "watch of " + watched);
            }
        }
        ready.completeExceptionally(failure != null ? failure : new TensorBoxException(0, "stopped", "the watch was stopped"));
        if (ended.complete(failure) && onExit != null) {
            try {
                onExit.accept(failure);
            } catch (RuntimeException e) {
                // the user's callback
            }
        }
    }

    private String relative(String path) {
        String r = root;
        if (r.isEmpty()) {
            if (watched.startsWith("/")) {
                r = watched;
            } else {
                int i = path.indexOf("/" + watched + "/");
                if (i >= 0) {
                    r = path.substring(0, i + watched.length() + 1);
                }
            }
        }
        if (!r.isEmpty() && path.startsWith(r + "/")) {
            return path.substring(r.length() + 1);
        }
        return Files.baseName(path);
    }

    /** Stops watching (closing the stream ends the watch in the sandbox). */
    public void stop() {
        stopped = true;
        stream.cancel();
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /** Completes when the watch ended: with {@code null} after {@link #stop()}, else with the reason. */
    public CompletableFuture<Throwable> ended() {
        return ended;
    }

    /** Whether the watch still runs. */
    public boolean isRunning() {
        return !ended.isDone();
    }
}
