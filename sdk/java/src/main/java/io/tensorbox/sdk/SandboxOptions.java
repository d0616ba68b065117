package io.tensorbox.sdk;

import java.time.Duration;
import java.util.Map;

/**
 * Options of {@link Sandbox#create(SandboxOptions)}. Only the values set are sent; the server has
 * the defaults (template {@code base}, its default timeout).
 */
public final class SandboxOptions {
    private final String template;
    private final Duration timeout;
    private final Map<String, String> metadata;
    private final Map<String, String> envs;
    private final ConnectionConfig config;

    private SandboxOptions(Builder b) {
        this.template = b.template;
        this.timeout = b.timeout;
        this.metadata = b.metadata == null ? null : Map.copyOf(b.metadata);
        this.envs = b.envs == null ? null : Map.copyOf(b.envs);
        this.config = b.config;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options with nothing set. */
    public static SandboxOptions defaults() {
        return builder().build();
    }

    /** The template, or {@code null}. */
    public String template() {
        return template;
    }

    /** The sandbox's lifetime, or {@code null}. */
    public Duration timeout() {
        return timeout;
    }

    /** The metadata, or {@code null}. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Environment variables of every command in the sandbox, or {@code null}. */
    public Map<String, String> envs() {
        return envs;
    }

    /** The connection, or {@code null} for {@link ConnectionConfig#fromEnvironment()}. */
    public ConnectionConfig config() {
        return config;
    }

    /** Builds {@link SandboxOptions}. */
    public static final class Builder {
        private String template;
        private Duration timeout;
        private Map<String, String> metadata;
        private Map<String, String> envs;
        private ConnectionConfig config;

        private Builder() {
        }

        /** The template to start from (e.g. {@code base}). */
        public Builder template(String template) {
            this.template = template;
            return this;
        }

        /** How long the sandbox lives before it is killed (whole seconds are sent). */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Free-form labels stored with the sandbox. */
        public Builder metadata(Map<String, String> metadata) {
            this.metadata = metadata;
            return this;
        }

        /** Environment variables of every command run in the sandbox. */
        public Builder envs(Map<String, String> envs) {
            this.envs = envs;
            return this;
        }

        /** The connection to use (default: {@link ConnectionConfig#fromEnvironment()}). */
        public Builder config(ConnectionConfig config) {
            this.config = config;
            return this;
        }

        /** Builds the options. */
        public SandboxOptions build() {
            return new SandboxOptions(this);
        }
    }
}
