package io.tensorbox.scheduler.process;

import io.tensorbox.common.Ids;
import io.tensorbox.common.ProcessState;
import io.tensorbox.common.ProcessStatus;
import io.tensorbox.common.SandboxState;
import io.tensorbox.common.SandboxStatus;
import io.tensorbox.scheduler.ports.ListeningPort;
import io.tensorbox.scheduler.ports.PortsReport;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The queue towards api-service holds a bounded number of events, and says when it lost some. */
class EventPublisherTest {

    /** api-service, down until told otherwise. */
    static final class Api implements ApiEventsClient {
        final AtomicBoolean up = new AtomicBoolean();
        final List<Object> received = new CopyOnWriteArrayList<>();

        @Override
        public void processEnded(ProcessStatus status) {
            take(status);
        }

        @Override
        public void sandboxChanged(SandboxStatus status) {
            take(status);
        }

        @Override
        public void portsChanged(PortsReport report) {
            take(report);
        }

        private void take(Object event) {
            if (!up.get()) {
                throw new jakarta.ws.rs.ProcessingException("connection refused");
            }
            received.add(event);
        }
    }

    private static ProcessStatus exit() {
        return new ProcessStatus(Ids.newProcessId(), Ids.newSandboxId(), ProcessState.exited, 123, 0, 1L, 2L, null);
    }

    @Test
    void pastItsBoundEventsAreDroppedAndAReplayIsAskedForOnceTheQueueDrained() {
        Api api = new Api();
        EventPublisher events = new EventPublisher(api, 3);
        events.start();
        try {
            for (int i = 0; i < 10; i++) {
                events.processEnded(exit());
                events.sandboxChanged(new SandboxStatus(Ids.newSandboxId(), SandboxState.stopped, null));
            }
            // one taken by the sender and retried, three waiting: memory stays bounded
            assertThat(events.queued()).isLessThanOrEqualTo(3);
            assertThat(events.takeResync()).as("no replay while undelivered events wait").isFalse();

            api.up.set(true);

            await().atMost(Duration.ofSeconds(10)).until(() -> api.received.size() == 4);
            await().atMost(Duration.ofSeconds(5)).until(events::takeResync);
            assertThat(events.takeResync()).as("asked for once").isFalse();
        } finally {
            events.stop(null);
        }
    }

    @Test
    void onlyTheLatestPortSetOfASandboxIsSentAndInItsPlace() {
        Api api = new Api();
        EventPublisher events = new EventPublisher(api, 100);
        events.start();
        try {
            String a = Ids.newSandboxId();
            String b = Ids.newSandboxId();
            ProcessStatus first = exit();
            events.processEnded(first);
            for (int port = 3000; port < 3010; port++) {
                events.portsChanged(new PortsReport(a, List.of(new ListeningPort(port, "0.0.0.0", 7))));
            }
            events.portsChanged(new PortsReport(b, List.of()));
            events.portsChanged(new PortsReport(a, List.of()));
            ProcessStatus last = exit();
            events.processEnded(last);

            api.up.set(true);

            await().atMost(Duration.ofSeconds(10)).until(() -> api.received.size() >= 4);
            // the first exit was taken by the sender before any set; a's latest set took its first set's place
            assertThat(api.received).containsExactly(first, new PortsReport(a, List.of()), new PortsReport(b, List.of()), last);
            await().atMost(Duration.ofSeconds(5)).until(() -> events.queued() == 0);
            assertThat(events.takeResync()).isFalse();
        } finally {
            events.stop(null);
        }
    }

    @Test
    void withRoomNothingIsDroppedAndNoReplayIsAskedFor() {
        Api api = new Api();
        api.up.set(true);
        EventPublisher events = new EventPublisher(api, 100);
        events.start();
        try {
            for (int i = 0; i < 20; i++) {
                events.processEnded(exit());
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> api.received.size() == 20);
            assertThat(events.takeResync()).isFalse();
        } finally {
            events.stop(null);
        }
    }
}
