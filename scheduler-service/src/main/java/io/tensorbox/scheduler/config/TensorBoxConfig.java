package io.tensorbox.scheduler.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;
import io.tensorbox.scheduler.runtime.kubernetes.KubernetesRuntimeConfig;
import io.tensorbox.scheduler.runtime.local.LocalRuntimeConfig;
import io.tensorbox.scheduler.template.TemplatesConfig;

import java.util.Optional;

/**
 * Every {@code tensorbox.*} key scheduler-service knows, in one mapping: a key under {@code tensorbox.}
 * in a config file or system property that is declared nowhere here is an error at start-up. The
 * groups are handed out as beans by {@link ConfigGroups}, so each feature injects only its own part.
 * Environment variables map as usual ({@code TENSORBOX_RUNTIME} is {@code tensorbox.runtime}).
 */
@ConfigMapping(prefix = "tensorbox")
public interface TensorBoxConfig {

    /** Which runtime driver serves sandboxes: {@code local} or {@code kubernetes} ({@code TENSORBOX_RUNTIME}). */
    @WithDefault("local")
    String runtime();

    /** Where api-service listens, to push process exits and sandbox changes to it ({@code TENSORBOX_API_URL}). */
    @WithDefault("http://localhost:8080")
    String apiUrl();

    /**
     * The secret of the internal routes ({@code TENSORBOX_INTERNAL_TOKEN}), sent to api-service and
     * required from every caller of {@code /internal/*}. Optional here only so that common's check
     * refuses to start with its own message when it is missing or short.
     */
    Optional<String> internalToken();

    /** Shared with the other services (the launcher and the chart set it for all): unused here. */
    Optional<String> publicUrl();

    /** Shared with the other services (the launcher and the chart set it for all): unused here. */
    Optional<String> schedulerUrl();

    /** Shared with the other services (the launcher and the chart set it for all): unused here. */
    Optional<String> logUrl();

    /** {@code tensorbox.scheduler.*}: execs, supervision, reconcile. */
    SchedulerConfig scheduler();

    /** {@code tensorbox.local.*}: the local driver. */
    LocalRuntimeConfig local();

    /** {@code tensorbox.kubernetes.*}: the kubernetes driver. */
    KubernetesRuntimeConfig kubernetes();

    /** {@code tensorbox.base-image} and {@code tensorbox.templates.*}. */
    @WithParentName
    TemplatesConfig sandboxTemplates();
}
