package io.tensorbox.logs;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * log-service's {@code tensorbox.*} mapping over its own {@code application.properties}, as the
 * service starts with it: a mistyped key in a config file stops the start, the environment the
 * launcher and the chart give every service does not.
 */
class LogServiceConfigTest {

    private static final String TOKEN = "a-token-of-at-least-thirty-two-characters";

    private static SmallRyeConfig start(ConfigSource... more) throws IOException {
        URL own = LogServiceConfig.class.getResource("/application.properties");
        List<ConfigSource> sources = new ArrayList<>(List.of(new PropertiesConfigSource(own, 250)));
        sources.addAll(List.of(more));
        return new SmallRyeConfigBuilder().withMapping(LogServiceConfig.class).withSources(sources).build();
    }

    private static ConfigSource file(Map<String, String> properties) {
        return new PropertiesConfigSource(properties, "a config file", 260);
    }

    @Test
    void anUnknownTensorboxKeyInAConfigFileStopsTheStart() {
        var failure = assertThrows(RuntimeException.class, () -> start(file(Map.of(
                "tensorbox.internal-token", TOKEN,
                "tensorbox.logs.follow-timout", "PT1H"))));

        assertTrue(String.valueOf(failure.getMessage()).contains("tensorbox.logs.follow-timout"), failure.getMessage());
    }

    @Test
    void withoutTheInternalTokenTheServiceDoesNotStart() {
        var failure = assertThrows(RuntimeException.class, () -> start());

        assertTrue(String.valueOf(failure.getMessage()).contains("tensorbox.internal-token"), failure.getMessage());
    }

    @Test
    void theEnvironmentOfEveryServiceIsAcceptedAndItsOwnKeysAreRead() throws IOException {
        SmallRyeConfig config = start(new EnvConfigSource(Map.of(
                "TENSORBOX_INTERNAL_TOKEN", TOKEN,
                "TENSORBOX_SCHEDULER_URL", "http://scheduler:8081",
                "TENSORBOX_LOGS_CHECK_TIMEOUT", "PT5S",
                "TENSORBOX_API_URL", "http://api:8080",
                "TENSORBOX_PREVIEW_DOMAIN", "preview.example.com",
                "TENSORBOX_PREVIEW_PORT", "8083",
                // meant for the other services: not log-service's business, and no error
                "TENSORBOX_PUBLIC_URL", "https://tensorbox.example.com",
                "TENSORBOX_LOG_URL", "http://log:8082",
                "TENSORBOX_RUNTIME", "kubernetes"), 300));

        LogServiceConfig mapped = config.getConfigMapping(LogServiceConfig.class);
        assertEquals(TOKEN, mapped.internalToken());
        assertEquals("http://scheduler:8081", mapped.schedulerUrl());
        assertEquals(Duration.ofSeconds(5), mapped.logs().checkTimeout());
        assertEquals(Duration.ofHours(24), mapped.logs().followTimeout());
        assertEquals("http://api:8080", mapped.apiUrl());
        assertEquals("preview.example.com", mapped.preview().domain());
        assertEquals(8083, mapped.preview().port().getAsInt());
    }

    @Test
    void previewsDefaultToLocalhostOnTheServicesOwnPortAndApiServiceOnTheLoopback() throws IOException {
        LogServiceConfig mapped = start(file(Map.of("tensorbox.internal-token", TOKEN))).getConfigMapping(LogServiceConfig.class);

        assertEquals("http://localhost:8080", mapped.apiUrl());
        assertEquals("localhost", mapped.preview().domain());
        assertTrue(mapped.preview().port().isEmpty());
        assertEquals(Duration.ofSeconds(5), mapped.preview().connectTimeout());
    }
}
