package io.tensorbox.logs;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

@ConfigMapping(prefix = "tensorbox")
public interface LogServiceConfig {

    /** Base URL of scheduler-service, which runs every command inside a sandbox for us. */
    @WithDefault("http://localhost:8081")
    String schedulerUrl();

    Logs logs();

    interface Logs {
        /** Deadline handed to the scheduler for a plain read of a log file. */
        @WithDefault("PT10M")
        Duration readTimeout();

        /** Deadline handed to the scheduler for a follow; a follow normally ends with its writer. */
        @WithDefault("PT24H")
        Duration followTimeout();

        /** Deadline of the small buffered execs (does the log exist?) and of the layout lookup. */
        @WithDefault("PT30S")
        Duration checkTimeout();
    }
}
