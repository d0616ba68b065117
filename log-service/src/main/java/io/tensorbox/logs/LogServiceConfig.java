package io.tensorbox.logs;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.OptionalInt;

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

    /**
     * Base URL of api-service, which decides who may open a preview ({@code
     * POST /internal/v1/preview/authorize}).
     */
    @WithDefault("http://localhost:8080")
    String apiUrl();

    Logs logs();

    Preview preview();

    interface Preview {
        /**
         * The preview domain: {@code {port}-{sandbox id with _ as -}.{domain}} is proxied to that port
         * of the sandbox ({@code TENSORBOX_PREVIEW_DOMAIN}).
         */
        @WithDefault("localhost")
        String domain();

        /**
         * A second port that serves only previews (the chart's {@code preview} port, 8083). Unset:
         * previews are served on log-service's own port, next to its internal routes, told apart by
         * their Host. Either way the preview hosts are proxied on the main port too.
         */
        OptionalInt port();

        /** Bind address of the preview port. */
        @WithDefault("0.0.0.0")
        String host();

        /** Deadline of a connection to the sandbox's app. */
        @WithDefault("PT5S")
        Duration connectTimeout();
    }

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
