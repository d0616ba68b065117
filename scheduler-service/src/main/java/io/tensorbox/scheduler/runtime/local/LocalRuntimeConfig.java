package io.tensorbox.scheduler.runtime.local;


import java.nio.file.Path;

/** {@code tensorbox.local.*}, a group of {@code TensorBoxConfig}. */
public interface LocalRuntimeConfig {

    /** {@code $TENSORBOX_HOME}: each sandbox is {@code sandboxes/<id>/{workspace,state}} below it. */
    Path home();
}
