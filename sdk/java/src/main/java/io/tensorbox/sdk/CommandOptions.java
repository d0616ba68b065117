package io.tensorbox.sdk;

import java.util.Map;
import java.util.function.Consumer;

/**
 * Options of {@link Commands#run(String, CommandOptions)} and friends. Only the values set are sent;
 * the server has the defaults.
 */
public final class CommandOptions {
    private final String cwd;
    private final Map<String, String> envs;
    private final String user;
    private final Long timeoutMs;
    private final Long requestTimeoutMs;
    private final String stdin;
    private final Consumer<String> onStdout;
    private final Consumer<String> onStderr;

    private CommandOptions(Builder b) {
        this.cwd = b.cwd;
        this.envs = b.envs == null ? null : Map.copyOf(b.envs);
        this.user = b.user;
        this.timeoutMs = b.timeoutMs;
        this.requestTimeoutMs = b.requestTimeoutMs;
        this.stdin = b.stdin;
        this.onStdout = b.onStdout;
        this.onStderr = b.onStderr;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options with nothing set. */
    public static CommandOptions defaults() {
        return builder().build();
    }

    /** The working directory (relative to the workspace, or absolute), or {@code null}. */
    public String cwd() {
        return cwd;
    }

    /** Extra environment variables, or {@code null}. */
    public Map<String, String> envs() {
        return envs;
    }

    /** The user to run as, or {@code null}. */
    public String user() {
        return user;
    }

    /** The command's time limit in ms (0 = none), or {@code null} for the server's default. */
    public Long timeoutMs() {
        return timeoutMs;
    }

    /** How long to wait for the answer's headers in ms, or {@code null} for the connection's default. */
    public Long requestTimeoutMs() {
        return requestTimeoutMs;
    }

    /** Data written to the command's stdin (then closed), or {@code null}. */
    public String stdin() {
        return stdin;
    }

    /** Called with every stdout chunk as it arrives, or {@code null}. */
    public Consumer<String> onStdout() {
        return onStdout;
    }

    /** Called with every stderr chunk as it arrives, or {@code null}. */
    public Consumer<String> onStderr() {
        return onStderr;
    }

    /** Builds {@link CommandOptions}. */
    public static final class Builder {
        private String cwd;
        private Map<String, String> envs;
        private String user;
        private Long timeoutMs;
        private Long requestTimeoutMs;
        private String stdin;
        private Consumer<String> onStdout;
        private Consumer<String> onStderr;

        private Builder() {
        }

        /** The working directory (relative to the workspace, or absolute). */
        public Builder cwd(String cwd) {
            this.cwd = cwd;
            return this;
        }

        /** Extra environment variables. */
        public Builder envs(Map<String, String> envs) {
            this.envs = envs;
            return this;
        }

        /** The user to run as. */
        public Builder user(String user) {
            this.user = user;
            return this;
        }

        /** The command's time limit in ms; 0 = none. When it elapses the command is killed (exit code -1). */
        public Builder timeoutMs(long timeoutMs) {
            this.timeoutMs = timeoutMs;
            return this;
        }

        /** How long to wait for the answer's headers (not for the command) in ms. */
        public Builder requestTimeoutMs(long requestTimeoutMs) {
            this.requestTimeoutMs = requestTimeoutMs;
            return this;
        }

        /** Data written to the command's stdin, which is then closed. */
        public Builder stdin(String stdin) {
            this.stdin = stdin;
            return this;
        }

        /** Called with every stdout chunk as it arrives (background commands: all output). */
        public Builder onStdout(Consumer<String> onStdout) {
            this.onStdout = onStdout;
            return this;
        }

        /** Called with every stderr chunk as it arrives (foreground commands only). */
        public Builder onStderr(Consumer<String> onStderr) {
            this.onStderr = onStderr;
            return this;
        }

        /** Builds the options. */
        public CommandOptions build() {
            return new CommandOptions(this);
        }
    }
}
