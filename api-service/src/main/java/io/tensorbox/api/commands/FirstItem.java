package io.tensorbox.api.commands;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * Splits a stream into its first item and the rest, subscribing to it once and keeping its
 * back-pressure: only the first item is requested until someone subscribes to the rest. A route uses
 * it to choose its status from the first event of a stream (an error becomes a JSON 4xx, anything
 * else a 200 stream) without buffering what follows. Whoever gets the split either subscribes to
 * {@link Split#rest()} or calls {@link Split#cancel()}.
 */
public final class FirstItem<T> implements Flow.Subscriber<T> {

    /** The first item, and a stream of the items after it (subscribe at most once). */
    public record Split<T>(T first, Multi<T> rest, Runnable canceller) {
        /** Ends the stream when its rest is not wanted. */
        public void cancel() {
            canceller.run();
        }
    }

    private final CompletableFuture<Split<T>> split = new CompletableFuture<>();
    private volatile Flow.Subscription upstream;
    private Flow.Subscriber<? super T> downstream;
    private boolean first = true;
    private boolean completed;
    private Throwable failure;

    private FirstItem() {
    }

    /** Subscribes to {@code stream}; the Uni fails as the stream does if it ends before its first item. */
    public static <T> Uni<Split<T>> of(Multi<T> stream) {
        FirstItem<T> splitter = new FirstItem<>();
        return Uni.createFrom().completionStage(() -> {
                    stream.subscribe().withSubscriber(splitter);
                    return splitter.split;
                })
                .onCancellation().invoke(splitter::cancel);
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        upstream = subscription;
        subscription.request(1);
    }

    @Override
    public void onNext(T item) {
        if (first) {
            first = false;
            split.complete(new Split<>(item, Multi.createFrom().publisher(new Flow.Publisher<T>() {
                @Override
                public void subscribe(Flow.Subscriber<? super T> subscriber) {
                    attach(subscriber);
                }
            }), this::cancel));
            return;
        }
        downstream().onNext(item);
    }

    @Override
    public void onError(Throwable error) {
        if (first) {
            first = false;
            split.completeExceptionally(error);
            return;
        }
        Flow.Subscriber<? super T> to;
        synchronized (this) {
            to = downstream;
            if (to == null) {
                failure = error;
                return;
            }
        }
        to.onError(error);
    }

    @Override
    public void onComplete() {
        if (first) {
            first = false;
            split.completeExceptionally(new NoSuchElementException("the stream ended before its first item"));
            return;
        }
        Flow.Subscriber<? super T> to;
        synchronized (this) {
            to = downstream;
            if (to == null) {
                completed = true;
                return;
            }
        }
        to.onComplete();
    }

    private synchronized Flow.Subscriber<? super T> downstream() {
        return downstream;
    }

    private <S extends Flow.Subscriber<? super T>> void attach(S subscriber) {
        boolean done;
        Throwable failed;
        synchronized (this) {
            if (downstream != null) {
                throw new IllegalStateException("the rest of a stream can be subscribed to once");
            }
            downstream = subscriber;
            done = completed;
            failed = failure;
        }
        subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                upstream.request(n);
            }

            @Override
            public void cancel() {
                FirstItem.this.cancel();
            }
        });
        if (failed != null) {
            subscriber.onError(failed);
        } else if (done) {
            subscriber.onComplete();
        }
    }

    private void cancel() {
        Flow.Subscription s = upstream;
        if (s != null) {
            s.cancel();
        }
    }
}
