package io.tensorbox.helm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static io.tensorbox.helm.RenderedChart.env;
import static io.tensorbox.helm.RenderedChart.list;
import static io.tensorbox.helm.RenderedChart.path;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What operators see: JSON log lines by default, and ServiceMonitors when asked for. */
class MetricsAndLogsTest {

    private static final List<String> SERVICES = List.of("tensorbox-api", "tensorbox-scheduler", "tensorbox-log");

    @Test
    void everyServiceLogsJsonLinesByDefaultAndTextWhenAsked() {
        RenderedChart chart = RenderedChart.render();
        for (String service : SERVICES) {
            assertThat(env(chart.container("Deployment", service))).as(service).containsEntry("TENSORBOX_LOG_FORMAT", "json");
        }
        RenderedChart text = RenderedChart.render(Map.of("logFormat", "text"));
        for (String service : SERVICES) {
            assertThat(env(text.container("Deployment", service))).as(service).containsEntry("TENSORBOX_LOG_FORMAT", "text");
        }
    }

    @Test
    void noServiceMonitorByDefault() {
        assertThat(RenderedChart.render().ofKind("ServiceMonitor")).isEmpty();
    }

    @Test
    void aServiceMonitorPerServiceScrapesItsMetricsPort() {
        RenderedChart chart = RenderedChart.render(Map.of("metrics.serviceMonitor.enabled", true,
                "metrics.serviceMonitor.labels.release", "prometheus", "metrics.serviceMonitor.interval", "15s"));

        assertThat(chart.ofKind("ServiceMonitor")).extracting(m -> path(m, "metadata.name"))
                .containsExactlyInAnyOrderElementsOf(SERVICES);
        for (String service : SERVICES) {
            Map<String, Object> monitor = chart.get("ServiceMonitor", service);
            assertThat(path(monitor, "apiVersion")).isEqualTo("monitoring.coreos.com/v1");
            assertThat(path(monitor, "metadata.namespace")).isEqualTo(RenderedChart.NAMESPACE);
            assertThat(path(monitor, "metadata.labels.release")).isEqualTo("prometheus");
            assertThat(list(monitor, "spec.namespaceSelector.matchNames")).containsExactly(RenderedChart.NAMESPACE);
            assertThat(list(monitor, "spec.endpoints")).containsExactly(Map.of(
                    "port", "http", "path", "/q/metrics", "interval", "15s", "scrapeTimeout", "10s"));
            // it selects exactly this service's Service, by the labels that Service carries
            Map<String, Object> selector = RenderedChart.map(path(monitor, "spec.selector.matchLabels"));
            assertThat(selector).isNotEmpty();
            for (String other : SERVICES) {
                Map<String, Object> labels = RenderedChart.map(path(chart.get("Service", other), "metadata.labels"));
                assertThat(labels.entrySet().containsAll(selector.entrySet())).as(service + " selects " + other)
                        .isEqualTo(other.equals(service));
            }
            assertThat(list(chart.get("Service", service), "spec.ports")).extracting(p -> RenderedChart.map(p).get("name"))
                    .contains("http");
        }
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
            "logFormat, yaml, /logFormat",
            "metrics.serviceMonitor.enabled, sometimes, /metrics/serviceMonitor/enabled",
            "metrics.serviceMonitor.interval, often, /metrics/serviceMonitor/interval",
            "metrics.serviceMonitor.namespace, Monitoring, /metrics/serviceMonitor/namespace",
            "metrics.serviceMonitor.port, 9090, /metrics/serviceMonitor",
    })
    void rejectsABadValueAndNamesIt(String key, String value, String where) {
        assertThatThrownBy(() -> RenderedChart.render(Map.of(key, value)))
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining(where);
    }
}
