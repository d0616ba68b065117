package io.tensorbox.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConnectionConfigTest {
    @Test
    void optionsWinOverTheEnvironment() {
        ConnectionConfig c = ConnectionConfig.builder()
                .environment(Map.of("TENSORBOX_API_URL", "http://env:1", "TENSORBOX_API_KEY", "ask_env",
                        "TENSORBOX_DOMAIN", "env.example"))
                .apiUrl("https://api.example.com:8443/").apiKey("ask_opt").domain("sbx.example")
                .requestTimeout(Duration.ofSeconds(5)).build();
        assertThat(c.apiUrl()).isEqualTo("https://api.example.com:8443");
        assertThat(c.apiKey()).isEqualTo("ask_opt");
        assertThat(c.domain()).isEqualTo("sbx.example");
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.toString()).doesNotContain("ask_opt");
    }

    @Test
    void theEnvironmentFillsTheRestAndTheDomainDefaultsToTheApiHost() {
        ConnectionConfig c = ConnectionConfig.builder()
                .environment(Map.of("TENSORBOX_API_URL", "http://tb.internal:18080", "TENSORBOX_API_KEY", "ask_env"))
                .build();
        assertThat(c.apiUrl()).isEqualTo("http://tb.internal:18080");
        assertThat(c.apiKey()).isEqualTo("ask_env");
        assertThat(c.domain()).isEqualTo("tb.internal");
        assertThat(c.requestTimeout()).isEqualTo(ConnectionConfig.DEFAULT_REQUEST_TIMEOUT);

        ConnectionConfig d = ConnectionConfig.builder().environment(Map.of("TENSORBOX_API_KEY", "k")).build();
        assertThat(d.apiUrl()).isEqualTo("http://localhost:8080");
        assertThat(d.domain()).isEqualTo("localhost");
    }

    @Test
    void aMissingKeySaysWhatToSet() {
        assertThatThrownBy(() -> ConnectionConfig.builder().environment(Map.of()).build())
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("TENSORBOX_API_KEY");
    }

    @Test
    void aBadUrlIsRefused() {
        assertThatThrownBy(() -> ConnectionConfig.builder().environment(Map.of()).apiKey("k").apiUrl("localhost:8080")
                .build()).isInstanceOf(InvalidArgumentException.class).hasMessageContaining("http");
    }
}
