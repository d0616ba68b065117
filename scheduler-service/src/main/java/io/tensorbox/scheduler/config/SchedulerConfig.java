package io.tensorbox.scheduler.config;

import io.smallrye.config.WithDefault;

import java.time.Duration;

/** {@code tensorbox.scheduler.*}, a group of {@link TensorBoxConfig}. */
public interface SchedulerConfig {

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

    /**
     * How many buffered execs (each holding a thread and up to twice the output cap) run at once
     * through the exec route; more wait (see {@link #execQueueTimeout()}) and are then refused with 429.
     */
    @WithDefault("64")
    int execMaxConcurrent();

    /** How long a buffered exec over {@link #execMaxConcurrent()} waits for a slot before the 429. */
    @WithDefault("2s")
    Duration execQueueTimeout();

    /**
     * Output of a streamed exec held for a slow reader before the command is paused (its writes
     * block in the sandbox until the reader catches up).
     */
    @WithDefault("262144")
    int execStreamBufferBytes();

    /**
     * Events waiting for api-service. Past this bound an event is dropped (logged) and the leader
     * replays every sandbox's events file once the queue has drained.
     */
    @WithDefault("10000")
    int eventQueueCapacity();

    /** Entries a files list answers at most (a deeper or bigger tree is refused: ask a smaller depth). */
    @WithDefault("10000")
    int filesListMaxEntries();

    /** Deadline of a file operation other than a transfer or a watch (stat, list, mkdir, move, remove). */
    @WithDefault("60s")
    Duration filesTimeout();

    /** How often a files watch looks at the directory (a poll in the sandbox: it has no inotify tools). */
    @WithDefault("1s")
    Duration filesWatchPollInterval();

    /** Entries a files watch follows at most; past that the watch ends with an error event. */
    @WithDefault("10000")
    int filesWatchMaxEntries();

    /** Bytes of an upload held between the request and the sandbox before the request is paused. */
    @WithDefault("1048576")
    int filesUploadBufferBytes();
}
