package io.tensorbox.sdk.internal;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.function.Consumer;

/**
 * Subscribes to a streaming response body and hands every chunk to a sink, one at a time, asking for
 * the next chunk only after the sink returned (so an idle stream holds no thread). {@link #done()}
 * completes when the body ends, exceptionally when it fails or the sink throws, and is cancelled by
 * {@link #cancel()}, which also closes the connection.
 */
public final class BodyStream implements Flow.Subscriber<List<ByteBuffer>> {
    private final Consumer<ByteBuffer> sink;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;

    /** A stream that feeds {@code sink}. */
    public BodyStream(Consumer<ByteBuffer> sink) {
        this.sink = sink;
    }

    /** Completes when the body ended. */
    public CompletableFuture<Void> done() {
        return done;
    }

    /** Whether {@link #cancel()} was called. */
    public boolean isCancelled() {
        return cancelled;
    }

    /** Stops reading and closes the connection. */
    public void cancel() {
        cancelled = true;
        // first: cancelling the subscription may make the client report an error, which is ours
        done.completeExceptionally(new CancellationException("stream closed by the client"));
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (cancelled) {
            s.cancel();
        } else {
            s.request(1);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        if (cancelled || done.isDone()) {
            return;
        }
        try {
            for (ByteBuffer b : item) {
                sink.accept(b);
            }
        } catch (RuntimeException | Error e) {
            Flow.Subscription s = subscription;
            cancelled = true;
            done.completeExceptionally(e); // before the cancel, whose error report is ours
            if (s != null) {
                s.cancel();
            }
            return;
        }
        if (!done.isDone()) {
            subscription.request(1);
        }
    }

    @Override
    public void onError(Throwable t) {
        if (cancelled) {
            done.completeExceptionally(new CancellationException("stream closed by the client"));
        } else {
            done.completeExceptionally(t);
        }
    }

    @Override
    public void onComplete() {
        done.complete(null);
    }
}
