package io.tensorbox.sdk;

import java.time.Duration;

/**
 * Options of the {@link Files} calls. Immutable; {@code with...} return a copy.
 *
 * <pre>{@code
 * sandbox.files().read("notes.txt", FileOptions.defaults().withUser("user"));
 * }</pre>
 */
public final class FileOptions {
    private static final FileOptions DEFAULTS = new FileOptions(null, null, false);

    private final String user;
    private final Duration requestTimeout;
    private final boolean recursive;

    private FileOptions(String user, Duration requestTimeout, boolean recursive) {
        this.user = user;
        this.requestTimeout = requestTimeout;
        this.recursive = recursive;
    }

    /** No options: the default user, the configured request timeout, not recursive. */
    public static FileOptions defaults() {
        return DEFAULTS;
    }

    /** The OS user whose rights apply ({@code null}: the template's default user, as for commands). */
    public FileOptions withUser(String user) {
        return new FileOptions(user, requestTimeout, recursive);
    }

    /**
     * Bound on getting the answer's headers ({@code null}: the configured one). For a write it
     * bounds the whole upload, and by default there is none.
     */
    public FileOptions withRequestTimeout(Duration requestTimeout) {
        if (requestTimeout != null && (requestTimeout.isZero() || requestTimeout.isNegative())) {
            throw new InvalidArgumentException(0, "invalid_request_timeout", "requestTimeout must be positive");
        }
        return new FileOptions(user, requestTimeout, recursive);
    }

    /** {@link Files#watchDir}: also watch the subdirectories. */
    public FileOptions withRecursive(boolean recursive) {
        return new FileOptions(user, requestTimeout, recursive);
    }

    /** The user, or {@code null}. */
    public String user() {
        return user;
    }

    /** The request timeout, or {@code null}. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** Whether a watch is recursive. */
    public boolean recursive() {
        return recursive;
    }
}
