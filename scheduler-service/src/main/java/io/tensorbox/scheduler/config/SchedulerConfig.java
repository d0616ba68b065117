package io.tensorbox.scheduler.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

@ConfigMapping(prefix = "tensorbox.scheduler")
public interface SchedulerConfig {

    /** Which runtime driver serves sandboxes: {@code local} or {@code kubernetes}. */
    @WithDefault("local")
    String runtime();

    /** Where api-service listens, to push process exits and sandbox changes to it. */
    @WithDefault("http://localhost:8080")
    String apiUrl();

    /** Deadline of the short execs the supervisor is driven with (start, status, signal). */
    @WithDefault("15s")
    Duration controlTimeout();

    /** Buffered execs keep at most this many bytes of stdout and of stderr; the rest is cut. */
    @WithDefault("4194304")
    int execOutputCapBytes();

    /**
     * Start, status and signal go over one open exec per sandbox (the supervisor's {@code serve})
     * instead of an exec each; off, every call is its own exec.
     */
    @WithDefault("true")
    boolean supervisorChannel();

    /** This replica's name in the reconcile leader election (the pod name on a cluster). */
    @WithDefault("${POD_NAME:${HOSTNAME:scheduler}}")
    String replicaName();

    /** How often the leader compares records with the runtime. */
    @WithDefault("10s")
    Duration reconcileInterval();

    /** Deadline of a buffered exec that names none. */
    @WithDefault("60s")
    Duration execDefaultTimeout();
}
