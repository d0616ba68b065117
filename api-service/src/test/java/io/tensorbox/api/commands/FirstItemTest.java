package io.tensorbox.api.commands;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import io.tensorbox.common.ApiException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The split a streaming route decides its status by: first item alone, then the rest on demand. */
class FirstItemTest {

    @Test
    void theFirstItemComesAloneAndTheRestOnlyAsRequested() {
        AtomicLong requested = new AtomicLong();
        Multi<Integer> source = Multi.createFrom().range(1, 6).onRequest().invoke(requested::addAndGet);

        FirstItem.Split<Integer> split = FirstItem.of(source).await().atMost(Duration.ofSeconds(5));
        assertEquals(1, split.first());
        assertEquals(1, requested.get(), "nothing past the first item is requested before the rest is");

        AssertSubscriber<Integer> rest = split.rest().subscribe().withSubscriber(AssertSubscriber.create(2));
        rest.assertItems(2, 3);
        rest.request(10);
        rest.assertCompleted().assertItems(2, 3, 4, 5);
    }

    @Test
    void aStreamThatFailsBeforeItsFirstItemFailsTheSplit() {
        Multi<Integer> source = Multi.createFrom().failure(ApiException.invalid("no"));
        Throwable failure = assertThrows(ApiException.class, () -> FirstItem.of(source).await().atMost(Duration.ofSeconds(5)));
        assertInstanceOf(ApiException.class, failure);
    }

    @Test
    void aStreamOfOneItemHasAnEmptyRestThatCompletes() {
        FirstItem.Split<String> split = FirstItem.of(Multi.createFrom().items("only")).await().atMost(Duration.ofSeconds(5));
        assertEquals("only", split.first());
        assertEquals(List.of(), split.rest().collect().asList().await().atMost(Duration.ofSeconds(5)));
    }

    @Test
    void cancellingTheSplitCancelsTheSource() {
        AtomicBoolean cancelled = new AtomicBoolean();
        Multi<Integer> source = Multi.createFrom().<Integer>emitter(e -> e.emit(1)).onCancellation().invoke(() -> cancelled.set(true));
        FirstItem.Split<Integer> split = FirstItem.of(source).await().atMost(Duration.ofSeconds(5));
        split.cancel();
        assertTrue(cancelled.get(), "the source learns that nobody wants the rest");
    }
}
