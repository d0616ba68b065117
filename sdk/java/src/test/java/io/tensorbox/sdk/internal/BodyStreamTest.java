package io.tensorbox.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;

class BodyStreamTest {
    /** A subscription that, like the JDK's client, reports an IOException when cancelled. */
    static final class Sub implements Flow.Subscription {
        BodyStream stream;
        long requested;
        boolean cancelled;

        @Override
        public void request(long n) {
            requested += n;
        }

        @Override
        public void cancel() {
            cancelled = true;
            stream.onError(new IOException("subscription cancelled"));
        }
    }

    private static BodyStream subscribed(BodyStream stream, Sub sub) {
        sub.stream = stream;
        stream.onSubscribe(sub);
        return stream;
    }

    @Test
    void chunksAreAskedForOneAtATimeAndTheEndCompletes() throws Exception {
        List<String> got = new ArrayList<>();
        Sub sub = new Sub();
        BodyStream stream = subscribed(new BodyStream(b -> got.add(String.valueOf(b.remaining()))), sub);
        assertThat(sub.requested).isEqualTo(1);
        stream.onNext(List.of(ByteBuffer.allocate(3), ByteBuffer.allocate(2)));
        assertThat(sub.requested).isEqualTo(2);
        stream.onComplete();
        assertThat(stream.done().get()).isNull();
        assertThat(got).containsExactly("3", "2");
    }

    @Test
    void aCancelIsACancellationNotTheClientsErrorReport() {
        Sub sub = new Sub();
        BodyStream stream = subscribed(new BodyStream(b -> { }), sub);
        stream.cancel();
        assertThat(sub.cancelled).isTrue();
        assertThat(stream.isCancelled()).isTrue();
        assertThatThrownBy(() -> stream.done().join()).isInstanceOf(CancellationException.class);
    }

    @Test
    void aSinkThatThrowsEndsTheStreamWithItsException() {
        Sub sub = new Sub();
        IllegalStateException boom = new IllegalStateException("callback failed");
        BodyStream stream = subscribed(new BodyStream(b -> {
            throw boom;
        }), sub);
        stream.onNext(List.of(ByteBuffer.allocate(1)));
        assertThat(sub.cancelled).isTrue();
        assertThat(sub.requested).isEqualTo(1);
        assertThatThrownBy(() -> stream.done().get()).hasCause(boom);
    }
}
