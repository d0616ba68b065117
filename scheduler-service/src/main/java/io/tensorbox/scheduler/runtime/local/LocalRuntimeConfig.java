package io.tensorbox.scheduler.runtime.local;

import io.smallrye.config.ConfigMapping;

import java.nio.file.Path;

@ConfigMapping(prefix = "tensorbox.local")
public interface LocalRuntimeConfig {

    /** {@code $TENSORBOX_HOME}: each sandbox is {@code sandboxes/<id>/{workspace,state}} below it. */
    Path home();
}
