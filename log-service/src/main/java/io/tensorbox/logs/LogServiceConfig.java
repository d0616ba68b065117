package io.tensorbox.logs;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * Every {@code tensorbox.*} setting log-service reads. Unknown keys under {@code tensorbox.} in a
 * config file or system property are start-up errors (a typo must not pass silently); the
 * {@code TENSORBOX_*} environment variables the launcher and the chart hand every service are
 * ignored when they do not map here.
 */
@ConfigMapping(prefix = "tensorbox")
public interface LogServiceConfig {

    /** Base URL of scheduler-service, which runs every command inside a sandbox for us. */
    @WithDefault("http://localhost:8081")
    String schedulerUrl();

    /**
     * The secret shared by the TensorBox services ({@code TENSORBOX_INTERNAL_TOKEN}): log-service
     * sends it to scheduler-service, and its own {@code /internal/*} routes require it (common's
     * {@code InternalTokenMechanism}).
     */
    String internalToken();

    Logs logs();

    interface Logs {
        /** Deadline handed to the scheduler for a plain read of a log file. */
        @WithDefault("PT10M")
        Duration readTimeout();

        /** Deadline handed to the scheduler for a follow; a follow normally ends with its writer. */
        @WithDefault("PT24H")
        Duration followTimeout();

        /**
         * Deadline of the small buffered execs (does the log exist?), of the layout lookup, and of
         * the scheduler's answer (status and headers) to a streamed exec.
         */
        @WithDefault("PT30S")
        Duration checkTimeout();
    }
}
