package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.tensorbox.scheduler.config.TensorBoxConfig;
import io.tensorbox.scheduler.template.Templates;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds the driver outside Quarkus from the service's one {@code @ConfigMapping}, unknown keys
 * refused, so property names are checked too.
 */
public final class TestRuntimes {

    private TestRuntimes() {
    }

    public static SmallRyeConfig config(Map<String, String> properties) {
        Map<String, String> all = new HashMap<>(Map.of("tensorbox.kubernetes.namespace", "test",
                "tensorbox.local.home", System.getProperty("java.io.tmpdir") + "/tensorbox-unused"));
        all.putAll(properties);
        return new SmallRyeConfigBuilder()
                .withConverter(Duration.class, 200, new DurationConverter())
                .withMapping(TensorBoxConfig.class)
                .withSources(new PropertiesConfigSource(all, "test", 500))
                .build();
    }

    public static TensorBoxConfig tensorbox(Map<String, String> properties) {
        return config(properties).getConfigMapping(TensorBoxConfig.class);
    }

    static KubernetesRuntimeConfig kubernetes(Map<String, String> properties) {
        return tensorbox(properties).kubernetes();
    }

    static KubernetesRuntime runtime(KubernetesClient client, Map<String, String> properties) {
        TensorBoxConfig config = tensorbox(properties);
        return new KubernetesRuntime(() -> client, config.kubernetes(), new Templates(config.sandboxTemplates()), Clock.systemUTC());
    }

    static KubernetesRuntime runtime(KubernetesClient client) {
        return runtime(client, Map.of());
    }
}
