package io.tensorbox.scheduler.runtime;

import io.smallrye.common.annotation.Identifier;
import io.tensorbox.scheduler.config.TensorBoxConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;

/** Picks the driver named by {@code tensorbox.runtime}; the others are never touched. */
@ApplicationScoped
public class RuntimeProducer {

    @Produces
    @ApplicationScoped
    SandboxRuntime runtime(TensorBoxConfig config, @Any Instance<SandboxRuntime> drivers) {
        Instance<SandboxRuntime> chosen = drivers.select(Identifier.Literal.of(config.runtime()));
        if (!chosen.isResolvable()) {
            throw new IllegalStateException("tensorbox.runtime (TENSORBOX_RUNTIME)=" + config.runtime()
                    + " names no runtime driver; use local or kubernetes");
        }
        return chosen.get();
    }
}
