package io.tensorbox.api.config;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.ConfigValidationException;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URL;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one {@code tensorbox.*} mapping declares every key the service's own files and common's shared
 * defaults set, and refuses a key it does not know (a misspelt setting is an error, not ignored).
 */
class TensorboxConfigTest {

    @Test
    void everyKeyOfTheShippedFilesIsDeclaredInBothProfiles() throws IOException {
        TensorboxConfig test = config("test", Map.of()).getConfigMapping(TensorboxConfig.class);
        assertEquals("test-internal-token-0123456789abcdef", test.internalToken());
        assertTrue(test.database().ephemeral());
        TensorboxConfig prod = config("prod", Map.of("tensorbox.internal-token", "a-production-token-0123456789abcdef"))
                .getConfigMapping(TensorboxConfig.class);
        assertEquals(1048576, prod.maxRequestBytes());
        assertEquals(3, prod.logs().connectTimeout().toSeconds());
    }

    @Test
    void anUnknownTensorboxKeyIsAnError() {
        ConfigValidationException e = assertThrows(ConfigValidationException.class,
                () -> config("test", Map.of("tensorbox.schedular-url", "http://typo:8081")));
        assertTrue(e.getMessage().contains("tensorbox.schedular-url"), e.getMessage());
    }

    private static SmallRyeConfig config(String profile, Map<String, String> extra) throws IOException {
        List<URL> common = Collections.list(TensorboxConfigTest.class.getClassLoader()
                .getResources("META-INF/microprofile-config.properties"));
        SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder().withProfile(profile)
                .withSources(new PropertiesConfigSource(
                        TensorboxConfigTest.class.getClassLoader().getResource("application.properties"), 250))
                .withSources(new PropertiesConfigSource(new HashMap<>(extra), "extra", 400))
                .withConverter(Duration.class, 200, new DurationConverter()) // as Quarkus reads "3s"
                .withMapping(TensorboxConfig.class);
        for (URL url : common) {
            builder.withSources(new PropertiesConfigSource(url, 100));
        }
        return builder.build();
    }
}
