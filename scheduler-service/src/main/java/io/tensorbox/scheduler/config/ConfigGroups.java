package io.tensorbox.scheduler.config;

import io.tensorbox.scheduler.runtime.kubernetes.KubernetesRuntimeConfig;
import io.tensorbox.scheduler.runtime.local.LocalRuntimeConfig;
import io.tensorbox.scheduler.template.TemplatesConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The groups of {@link TensorBoxConfig} as beans of their own. */
@ApplicationScoped
public class ConfigGroups {

    @Produces
    @Singleton
    SchedulerConfig scheduler(TensorBoxConfig config) {
        return config.scheduler();
    }

    @Produces
    @Singleton
    LocalRuntimeConfig local(TensorBoxConfig config) {
        return config.local();
    }

    @Produces
    @Singleton
    KubernetesRuntimeConfig kubernetes(TensorBoxConfig config) {
        return config.kubernetes();
    }

    @Produces
    @Singleton
    TemplatesConfig templates(TensorBoxConfig config) {
        return config.sandboxTemplates();
    }
}
