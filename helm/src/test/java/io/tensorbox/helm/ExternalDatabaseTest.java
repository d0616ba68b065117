package io.tensorbox.helm;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.tensorbox.helm.RenderedChart.env;
import static io.tensorbox.helm.RenderedChart.path;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExternalDatabaseTest {

    @Test
    void wiresTheExternalServerAndBundlesNoPostgresql() {
        RenderedChart chart = RenderedChart.render(Map.of(
                "postgresql.enabled", false,
                "externalDatabase.url", "jdbc:postgresql://db.example.com:5432/tbx",
                "externalDatabase.username", "tbx",
                "externalDatabase.existingSecret", "tbx-db",
                "externalDatabase.existingSecretPasswordKey", "pw"));

        assertThat(chart.ofKind("StatefulSet")).isEmpty();
        assertThat(chart.names()).noneMatch(name -> name.contains("postgresql"));
        Map<String, Object> env = env(chart.container("Deployment", "tensorbox-api"));
        assertThat(env).containsEntry("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://db.example.com:5432/tbx")
                .containsEntry("QUARKUS_DATASOURCE_USERNAME", "tbx");
        assertThat(path(env.get("QUARKUS_DATASOURCE_PASSWORD"), "secretKeyRef")).isEqualTo(Map.of("name", "tbx-db", "key", "pw"));
    }

    @Test
    void withoutAUrlTheInstallFailsAndSaysWhichValue() {
        assertThatThrownBy(() -> RenderedChart.render(Map.of("postgresql.enabled", false, "externalDatabase.existingSecret", "tbx-db")))
                .hasMessageContaining("externalDatabase.url is required");
    }

    @Test
    void withoutAPasswordSecretTheInstallFailsAndSaysWhichValue() {
        assertThatThrownBy(() -> RenderedChart.render(Map.of("postgresql.enabled", false, "externalDatabase.url", "jdbc:postgresql://db/tbx")))
                .hasMessageContaining("externalDatabase.existingSecret is required");
    }
}
