package io.tensorbox.scheduler.runtime.kubernetes;

import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** The kubernetes driver ({@code tensorbox.runtime=kubernetes}). The cluster itself is the fabric8 client's ({@code KUBECONFIG}, in-cluster, {@code quarkus.kubernetes-client.*}). */
public interface KubernetesRuntimeConfig {

    /** Where sandbox pods live; the client's namespace (kubeconfig context / in-cluster), else {@code default}. */
    Optional<String> namespace();

    @WithDefault("IfNotPresent")
    String imagePullPolicy();

    /** A pod the scheduler cannot place for this long fails the sandbox. */
    @WithDefault("60s")
    Duration unschedulableTimeout();

    /** How long a call waits for the pod informer's first list before answering "runtime unavailable". */
    @WithDefault("20s")
    Duration syncTimeout();

    /** Cache resync: how often pending pods are re-checked against their deadlines (no API traffic). */
    @WithDefault("5s")
    Duration resyncPeriod();

    /** The supervisor's state directory inside the pod (an emptyDir, kept out of the user's workspace). */
    @WithDefault("/tmp/.tensorbox")
    String stateDir();

    @WithDefault("2")
    long terminationGracePeriodSeconds();

    /**
     * Execs kept open ahead of need per sandbox, at most (see {@code WarmExecs}): a command then costs
     * a line written to an open exec instead of a {@code pods/exec} handshake. 0 turns them off.
     */
    @WithDefault("4")
    int warmExecs();

    LeaderElection leaderElection();

    interface LeaderElection {
        /** The Lease (in the sandbox namespace) whose holder runs the reconcile loop. */
        @WithDefault("tensorbox-scheduler")
        String leaseName();

        @WithDefault("15s")
        Duration leaseDuration();

        @WithDefault("10s")
        Duration renewDeadline();

        @WithDefault("2s")
        Duration retryPeriod();
    }
}
