package io.tensorbox.api.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

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

    /** When set and the store is empty, this exact key becomes the admin key of team {@code default}. */
    Optional<String> bootstrapApiKey();

    /** Names of the templates operators configured; {@code base} is always accepted. */
    @WithDefault("base")
    List<String> templates();

    Sandboxes sandboxes();

    Database database();

    interface Sandboxes {
        @WithDefault("300")
        int defaultTimeoutSeconds();

        @WithDefault("86400")
        int maxTimeoutSeconds();
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
