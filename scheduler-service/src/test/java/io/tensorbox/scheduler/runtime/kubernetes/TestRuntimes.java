package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.tensorbox.scheduler.template.Templates;
import io.tensorbox.scheduler.template.TemplatesConfig;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Builds the driver outside Quarkus from the same {@code @ConfigMapping}s, so property names are checked too. */
final class TestRuntimes {

    private TestRuntimes() {
    }

    static SmallRyeConfig config(Map<String, String> properties) {
        Map<String, String> all = new HashMap<>(Map.of("tensorbox.kubernetes.namespace", "test"));
        all.putAll(properties);
        return new SmallRyeConfigBuilder()
                .withConverter(Duration.class, 200, new DurationConverter())
                .withMapping(KubernetesRuntimeConfig.class)
                .withMapping(TemplatesConfig.class)
                .withValidateUnknown(false)
                .withSources(new PropertiesConfigSource(all, "test", 500))
                .build();
    }

    static KubernetesRuntime runtime(KubernetesClient client, Map<String, String> properties) {
        SmallRyeConfig config = config(properties);
        return new KubernetesRuntime(() -> client, config.getConfigMapping(KubernetesRuntimeConfig.class),
                new Templates(config.getConfigMapping(TemplatesConfig.class)), Clock.systemUTC());
    }

    static KubernetesRuntime runtime(KubernetesClient client) {
        return runtime(client, Map.of());
    }
}
