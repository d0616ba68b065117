package io.tensorbox.api.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every {@code tensorbox.*} key this service reads, in one mapping: a key under the prefix that is not
 * declared here is an error at start-up (a misspelt setting is refused, not ignored).
 */
@ConfigMapping(prefix = "tensorbox")
public interface TensorboxConfig {

    /** Data of this installation; {@code TENSORBOX_HOME}, else {@code ~/.tensorbox}. */
    Optional<String> home();

    /** The URL clients reach this API at; {@code runtime_url} of a sandbox starts with it. */
    @WithDefault("http://localhost:8080")
    String publicUrl();

    @WithDefault("http://localhost:8081")
    String schedulerUrl();

    @WithDefault("http://localhost:8082")
    String logUrl();

    /**
     * The service identity's shared secret ({@code TENSORBOX_INTERNAL_TOKEN}), the key common's
     * {@code InternalToken} reads: checked on our {@code /internal/*} routes, sent on our calls to the
     * scheduler and log-service.
     */
    String internalToken();

    /** The largest request body accepted, in bytes; a larger one is a JSON 413. */
    @WithDefault("1048576")
    long maxRequestBytes();

    /** When set and the store is empty, this exact key becomes the admin key of team {@code default}. */
    Optional<String> bootstrapApiKey();

    /** Names of the templates operators configured; {@code base} is always accepted. */
    @WithDefault("base")
    List<String> templates();

    Sandboxes sandboxes();

    Database database();

    Logs logs();

    Commands commands();

    Events events();

    Preview preview();

    Metrics metrics();

    /** The product's Prometheus series (docs/OPERATIONS.md). */
    interface Metrics {
        /** How often the sandbox and process counts are read from PostgreSQL. */
        @WithDefault("15s")
        Duration refreshInterval();
    }

    /** Preview URLs of sandbox ports (SPEC §6). */
    interface Preview {
        /** The preview host of a port is {@code {port}-{sandbox id with _ as -}.{domain}}. */
        @WithDefault("localhost")
        String domain();

        /**
         * The public base URL of a preview host; {@code {host}} is replaced by that host. The default
         * is log-service's port in local mode.
         */
        @WithDefault("http://{host}:8082")
        String url();
    }


    /** The event streams of sandboxes (SPEC §6). */
    interface Events {
        /** How long events are kept for resuming streams. */
        @WithDefault("86400")
        long retentionSeconds();

        /** {@code sandbox.expiring} is sent this long before {@code expires_at}. */
        @WithDefault("60")
        long expiringNoticeSeconds();
    }

    /** The runtime API (SPEC §5). */
    interface Commands {
        /** Each stream (stdout, stderr) of a buffered {@code /run} keeps this many bytes; the rest is dropped. */
        @WithDefault("16777216")
        int outputCapBytes();

        /** The deadline of a {@code /run} whose body has none; 0 in the body means none at all. */
        @WithDefault("60000")
        long runDefaultTimeoutMs();

        /** Connections to the scheduler for runs and terminals at most (one per command running). */
        @WithDefault("1000")
        int maxRunning();
    }

    interface Sandboxes {
        @WithDefault("300")
        int defaultTimeoutSeconds();

        @WithDefault("86400")
        int maxTimeoutSeconds();

        /** The largest {@code idle_timeout_seconds} a sandbox may ask for. */
        @WithDefault("86400")
        int maxIdleTimeoutSeconds();
    }

    /** The relay of process logs from log-service. */
    interface Logs {
        /** How long connecting to log-service may take; a followed log itself has no time limit. */
        @WithDefault("3s")
        Duration connectTimeout();

        /** Open connections to log-service at most (one per log being read or followed). */
        @WithDefault("1000")
        int maxConnections();
    }

    interface Database {
        /** Embedded PostgreSQL in a temporary directory, wiped at exit (tests). */
        @WithDefault("false")
        boolean ephemeral();
    }

    default Path homeDir() {
        return TensorboxHome.resolve(home().orElse(null));
    }
}
