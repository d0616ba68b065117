package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.concurrent.CompletableFuture;

/**
 * Leader election on a Lease in the sandbox namespace, so that of several scheduler replicas only
 * one runs the reconcile loop (create missing pods, delete orphans) while every replica serves execs.
 * The shared code calls {@link #start} once at startup when the kubernetes driver is selected.
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
     * closed, which also releases the lease. {@code onStartLeading} runs on a fabric8 thread when
     * this replica becomes the leader; {@code onStopLeading} when it loses or releases the lease.
     */
    public Leadership start(String identity, Runnable onStartLeading, Runnable onStopLeading) {
        var leaderElection = config.leaderElection();
        var electionConfig = new LeaderElectionConfigBuilder()
                .withName(leaderElection.leaseName())
                .withLock(new LeaseLock(runtime.namespace(), leaderElection.leaseName(), identity))
                .withLeaseDuration(leaderElection.leaseDuration())
                .withRenewDeadline(leaderElection.renewDeadline())
                .withRetryPeriod(leaderElection.retryPeriod())
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(onStartLeading, onStopLeading,
                        leader -> LOG.infof("reconcile leader in namespace %s is now %s", runtime.namespace(), leader)))
                .build();
        CompletableFuture<?> running = runtime.client().leaderElector().withConfig(electionConfig).build().start();
        return () -> running.cancel(true);
    }

    /** A running election; closing it leaves the election and releases the lease if held. */
    public interface Leadership extends AutoCloseable {
        @Override
        void close();
    }
}
