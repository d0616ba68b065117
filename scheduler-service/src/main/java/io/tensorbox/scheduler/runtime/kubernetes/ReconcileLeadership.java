package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Leader election on a Lease in the sandbox namespace, so that of several scheduler replicas only
 * one runs the reconcile loop (create missing pods, delete orphans) while every replica serves execs.
 * The shared code calls {@link #start} once at startup when the kubernetes driver is selected.
 * <p>
 * fabric8's {@code LeaderElector.start()} ends for good when leadership is lost (a renewal that
 * failed past its deadline, the API server out of reach): like client-go users, this keeps entering
 * the election again, after one retry period, until the handle is closed.
 */
@ApplicationScoped
public class ReconcileLeadership {

    private static final Logger LOG = Logger.getLogger(ReconcileLeadership.class);

    private final KubernetesRuntime runtime;
    private final KubernetesRuntimeConfig config;

    @Inject
    public ReconcileLeadership(@Identifier("kubernetes") KubernetesRuntime runtime, KubernetesRuntimeConfig config) {
        this.runtime = runtime;
        this.config = config;
    }

    /**
     * Competes for the lease as {@code identity} (e.g. the pod name) until the returned handle is
     * closed, which also releases the lease. {@code onStartLeading} runs on a fabric8 thread each time
     * this replica becomes the leader; {@code onStopLeading} each time it loses or releases the lease.
     */
    public Leadership start(String identity, Runnable onStartLeading, Runnable onStopLeading) {
        var leaderElection = config.leaderElection();
        LeaderElectionConfig electionConfig = new LeaderElectionConfigBuilder()
                .withName(leaderElection.leaseName())
                .withLock(new LeaseLock(runtime.namespace(), leaderElection.leaseName(), identity))
                .withLeaseDuration(leaderElection.leaseDuration())
                .withRenewDeadline(leaderElection.renewDeadline())
                .withRetryPeriod(leaderElection.retryPeriod())
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(onStartLeading, onStopLeading,
                        leader -> LOG.infof("reconcile leader in namespace %s is now %s", runtime.namespace(), leader)))
                .build();
        Election election = new Election(identity, electionConfig);
        election.enter();
        return election;
    }

    /** A running election; closing it leaves the election and releases the lease if held. */
    public interface Leadership extends AutoCloseable {
        @Override
        void close();
    }

    private final class Election implements Leadership {
        private final String identity;
        private final LeaderElectionConfig electionConfig;
        private boolean closed;
        private CompletableFuture<?> round;

        Election(String identity, LeaderElectionConfig electionConfig) {
            this.identity = identity;
            this.electionConfig = electionConfig;
        }

        /** One round: campaign, lead while renewals succeed; when it ends, the next one after a retry period. */
        synchronized void enter() {
            if (closed) {
                return;
            }
            CompletableFuture<?> current;
            try {
                current = runtime.client().leaderElector().withConfig(electionConfig).build().start();
            } catch (RuntimeException e) {
                LOG.warnf("%s cannot enter the leader election: %s; retrying", identity, e.getMessage());
                again();
                return;
            }
            round = current;
            current.whenComplete((ignored, failure) -> {
                synchronized (this) {
                    if (closed || round != current) {
                        return;
                    }
                }
                LOG.infof("%s left the leader election (%s); entering it again", identity,
                        failure == null ? "leadership lost" : failure.toString());
                again();
            });
        }

        private void again() {
            CompletableFuture.delayedExecutor(electionConfig.getRetryPeriod().toMillis(), TimeUnit.MILLISECONDS)
                    .execute(this::enter);
        }

        @Override
        public void close() {
            CompletableFuture<?> current;
            synchronized (this) {
                closed = true;
                current = round;
            }
            if (current != null) {
                current.cancel(true);
            }
        }
    }
}
