package io.tensorbox.api.config;

import java.nio.file.Path;

public final class TensorboxHome {
    private TensorboxHome() {
    }

    public static Path resolve(String configured) {
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        String env = System.getenv("TENSORBOX_HOME");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath();
        }
        return Path.of(System.getProperty("user.home"), ".tensorbox");
    }
}
