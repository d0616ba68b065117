package io.tensorbox.api.error;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.tensorbox.common.ApiException;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.concurrent.CancellationException;

/**
 * Failures Mutiny drops arrive after their consumer left: a relayed stream whose client went away
 * and whose upstream then failed on our own reset. Those expected ones (an {@link ApiException}
 * already answered to nobody, a cancellation) are debug lines, not ERRORs with a stack trace; anything
 * else is still logged as an error.
 */
@jakarta.inject.Singleton
public class DroppedFailures {
    private static final Logger LOG = Logger.getLogger(DroppedFailures.class);

    void install(@Observes StartupEvent start) {
        Infrastructure.setDroppedExceptionHandler(failure -> {
            if (failure instanceof CancellationException || failure instanceof ApiException) {
                LOG.debugf("dropped after its consumer left: %s", failure.toString());
            } else {
                LOG.error("a failure arrived after its consumer left", failure);
            }
        });
    }
}
