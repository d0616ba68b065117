package io.tensorbox.helm;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import static io.tensorbox.helm.RenderedChart.env;
import static io.tensorbox.helm.RenderedChart.list;
import static io.tensorbox.helm.RenderedChart.map;
import static io.tensorbox.helm.RenderedChart.path;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code helm template} with the default values: what an install creates and how it is wired. */
class DefaultInstallTest {
    /** api-service's KeyFormat. */
    private static final String KEY_FORMAT = "ask_[A-Za-z0-9]{1,64}_[A-Za-z0-9_-]{8,256}";

    private static RenderedChart chart;

    @BeforeAll
    static void render() {
        chart = RenderedChart.render();
    }

    @AfterEach
    void forgetSecrets() {
        FakeKubeApi.clear();
    }

    @Test
    void rendersEveryResourceOfAnInstall() {
        assertThat(chart.names()).containsExactlyInAnyOrder(
                "Namespace/tensorbox-sandboxes",
                "NetworkPolicy/tensorbox-sandboxes",
                "NetworkPolicy/tensorbox-api", "NetworkPolicy/tensorbox-scheduler", "NetworkPolicy/tensorbox-log",
                "NetworkPolicy/tensorbox-postgresql",
                "ServiceAccount/tensorbox-api", "ServiceAccount/tensorbox-scheduler", "ServiceAccount/tensorbox-log",
                "Secret/tensorbox-admin-key", "Secret/tensorbox-postgresql", "Secret/tensorbox-internal-token",
                "ConfigMap/tensorbox-scheduler",
                "Role/tensorbox-scheduler", "RoleBinding/tensorbox-scheduler",
                "Service/tensorbox-api", "Service/tensorbox-scheduler", "Service/tensorbox-log", "Service/tensorbox-postgresql",
                "Deployment/tensorbox-api", "Deployment/tensorbox-scheduler", "Deployment/tensorbox-log",
                "StatefulSet/tensorbox-postgresql");
        assertThat(chart.ofKind("Ingress")).as("ingress is opt-in").isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"api, 8080, tensorbox/api-service", "scheduler, 8081, tensorbox/scheduler-service", "log, 8082, tensorbox/log-service"})
    void eachServiceRunsHardenedWithProbesAndItsOwnService(String component, int port, String image) {
        String name = "tensorbox-" + component;
        Map<String, Object> deployment = chart.get("Deployment", name);
        Map<String, Object> container = chart.container("Deployment", name);

        assertThat(path(deployment, "spec.replicas")).isEqualTo(2);
        assertThat(container.get("image")).isEqualTo(image + ":0.1.0");
        assertThat(container.get("imagePullPolicy")).isEqualTo("IfNotPresent");
        assertThat(path(list(container, "ports").get(0), "containerPort")).isEqualTo(port);
        assertThat(path(container, "livenessProbe.httpGet.path")).isEqualTo("/q/health/live");
        assertThat(path(container, "readinessProbe.httpGet.path")).isEqualTo("/q/health/ready");
        assertThat(path(container, "resources.requests.memory")).isEqualTo("256Mi");
        assertThat(path(container, "resources.limits.memory")).isEqualTo("512Mi");

        assertThat(path(container, "securityContext.allowPrivilegeEscalation")).isEqualTo(false);
        assertThat(path(container, "securityContext.readOnlyRootFilesystem")).isEqualTo(true);
        assertThat(path(container, "securityContext.runAsNonRoot")).isEqualTo(true);
        assertThat(list(container, "securityContext.capabilities.drop")).containsExactly("ALL");
        assertThat(path(deployment, "spec.template.spec.securityContext.runAsNonRoot")).isEqualTo(true);
        assertThat(RenderedChart.mapList(container, "volumeMounts", m -> m.get("mountPath"))).contains("/tmp");
        assertThat(path(deployment, "spec.template.spec.serviceAccountName")).isEqualTo(name);

        Map<String, Object> service = chart.get("Service", name);
        assertThat(map(path(service, "spec.selector")))
                .isEqualTo(map(path(deployment, "spec.selector.matchLabels")))
                .containsEntry("app.kubernetes.io/component", component);
        assertThat(path(list(service, "spec.ports").get(0), "port")).isEqualTo(port);
    }

    @Test
    void servicesFindEachOtherThroughTheirServices() {
        assertThat(env(chart.container("Deployment", "tensorbox-api")))
                .containsEntry("TENSORBOX_SCHEDULER_URL", "http://tensorbox-scheduler.tensorbox.svc:8081")
                .containsEntry("TENSORBOX_LOG_URL", "http://tensorbox-log.tensorbox.svc:8082")
                .containsEntry("TENSORBOX_PUBLIC_URL", "http://localhost:8080")
                .containsEntry("TENSORBOX_TEMPLATES", "base");
        assertThat(env(chart.container("Deployment", "tensorbox-scheduler")))
                .containsEntry("TENSORBOX_API_URL", "http://tensorbox-api.tensorbox.svc:8080")
                .containsEntry("TENSORBOX_RUNTIME", "kubernetes")
                .containsEntry("TENSORBOX_KUBERNETES_NAMESPACE", "tensorbox-sandboxes")
                .containsEntry("TENSORBOX_BASE_IMAGE", "tensorbox/sandbox-base:0.1.0")
                .containsEntry("QUARKUS_CONFIG_LOCATIONS", "file:/etc/tensorbox/application.properties");
        assertThat(env(chart.container("Deployment", "tensorbox-log")))
                .containsEntry("TENSORBOX_SCHEDULER_URL", "http://tensorbox-scheduler.tensorbox.svc:8081");
    }

    @Test
    void apiServiceUsesTheBundledPostgresql() {
        Map<String, Object> env = env(chart.container("Deployment", "tensorbox-api"));

        assertThat(env).containsEntry("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://tensorbox-postgresql.tensorbox.svc:5432/tensorbox")
                .containsEntry("QUARKUS_DATASOURCE_USERNAME", "tensorbox");
        assertThat(path(env.get("QUARKUS_DATASOURCE_PASSWORD"), "secretKeyRef"))
                .isEqualTo(Map.of("name", "tensorbox-postgresql", "key", "password"));
        assertThat(path(chart.get("Secret", "tensorbox-postgresql"), "data.password")).isNotNull();

        Map<String, Object> postgres = chart.get("StatefulSet", "tensorbox-postgresql");
        assertThat(path(list(postgres, "spec.volumeClaimTemplates").get(0), "spec.resources.requests.storage")).isEqualTo("8Gi");
        assertThat(path(postgres, "spec.serviceName")).isEqualTo("tensorbox-postgresql");
        assertThat(path(chart.container("StatefulSet", "tensorbox-postgresql"), "securityContext.allowPrivilegeEscalation")).isEqualTo(false);
    }

    @Test
    void generatesABootstrapKeyInApiServicesFormat() {
        Map<String, Object> env = env(chart.container("Deployment", "tensorbox-api"));
        assertThat(path(env.get("TENSORBOX_BOOTSTRAP_API_KEY"), "secretKeyRef"))
                .isEqualTo(Map.of("name", "tensorbox-admin-key", "key", "api-key"));

        String key = adminKey(chart);
        assertThat(key).matches(KEY_FORMAT);
        assertThat(adminKey(RenderedChart.render())).as("a fresh install gets a fresh key").isNotEqualTo(key);
    }

    @Test
    void keepsTheBootstrapKeyAndDatabasePasswordOnUpgrade() {
        String key = "ask_0123456789abcdef_" + "x".repeat(48);
        FakeKubeApi.putSecret("tensorbox", "tensorbox-admin-key", Map.of("api-key", key));
        FakeKubeApi.putSecret("tensorbox", "tensorbox-postgresql", Map.of("password", "the-first-password"));

        RenderedChart upgrade = RenderedChart.render();

        assertThat(adminKey(upgrade)).isEqualTo(key);
        assertThat(decode(path(upgrade.get("Secret", "tensorbox-postgresql"), "data.password"))).isEqualTo("the-first-password");
        assertThat(path(upgrade.get("Secret", "tensorbox-admin-key"), "metadata.annotations"))
                .isEqualTo(Map.of("helm.sh/resource-policy", "keep"));
    }

    @Test
    void aGivenBootstrapKeyIsUsedAsIs() {
        String key = "ask_fedcba9876543210_" + "y".repeat(48);

        assertThat(adminKey(RenderedChart.render(Map.of("bootstrapApiKey.value", key)))).isEqualTo(key);
    }

    @Test
    void anExistingAdminKeySecretReplacesTheChartsOne() {
        RenderedChart rendered = RenderedChart.render(Map.of("bootstrapApiKey.existingSecret", "my-admin-key",
                "bootstrapApiKey.existingSecretKey", "key"));

        assertThat(rendered.names()).doesNotContain("Secret/tensorbox-admin-key");
        assertThat(path(env(rendered.container("Deployment", "tensorbox-api")).get("TENSORBOX_BOOTSTRAP_API_KEY"), "secretKeyRef"))
                .isEqualTo(Map.of("name", "my-admin-key", "key", "key"));
    }

    @Test
    void imagesFollowTheirValues() {
        RenderedChart rendered = RenderedChart.render(Map.of("scheduler.image.repository", "registry.example.com/scheduler",
                "scheduler.image.tag", "1.2.3", "scheduler.image.pullPolicy", "Always", "scheduler.replicas", 3));

        Map<String, Object> container = rendered.container("Deployment", "tensorbox-scheduler");
        assertThat(container.get("image")).isEqualTo("registry.example.com/scheduler:1.2.3");
        assertThat(container.get("imagePullPolicy")).isEqualTo("Always");
        assertThat(path(rendered.get("Deployment", "tensorbox-scheduler"), "spec.replicas")).isEqualTo(3);
    }

    @Test
    void theBundledDatabaseRunsTheProjectsOwnImageUnlessTold() {
        assertThat(RenderedChart.render(Map.of()).container("StatefulSet", "tensorbox-postgresql").get("image"))
                .isEqualTo("tensorbox/postgresql:0.1.0");
        assertThat(RenderedChart.render(Map.of("postgresql.image.repository", "postgres", "postgresql.image.tag", "16.4-alpine"))
                .container("StatefulSet", "tensorbox-postgresql").get("image"))
                .isEqualTo("postgres:16.4-alpine");
    }

    private static String adminKey(RenderedChart rendered) {
        return decode(path(rendered.get("Secret", "tensorbox-admin-key"), "data.api-key"));
    }

    private static String decode(Object base64) {
        return new String(Base64.getDecoder().decode((String) base64), StandardCharsets.UTF_8);
    }
}
