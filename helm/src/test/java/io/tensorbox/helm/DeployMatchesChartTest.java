package io.tensorbox.helm;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.tensorbox.helm.RenderedChart.env;
import static io.tensorbox.helm.RenderedChart.list;
import static io.tensorbox.helm.RenderedChart.map;
import static io.tensorbox.helm.RenderedChart.path;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * deploy/ is the chart's default install as plain manifests ({@code kubectl apply -k deploy/}): what
 * would break an install is checked here, without a cluster, against the chart rendered with its
 * default values (release "tensorbox" in namespace "tensorbox", as deploy/ names its namespaces).
 */
class DeployMatchesChartTest {
    private static final Pattern SERVICE_URL = Pattern.compile("(?:http|jdbc:postgresql)://([a-z0-9-]+)\\.([a-z0-9-]+)\\.svc:(\\d+)(/.*)?");

    private static DeployDir deploy;
    private static RenderedChart chart;

    @BeforeAll
    static void load() {
        deploy = DeployDir.load();
        chart = RenderedChart.render();
    }

    @Test
    void theKustomizationListsEveryManifestAndKubectlApplyFSkipsIt() throws IOException {
        List<Object> resources = list(deploy.kustomization, "resources");

        assertThat(resources).as("deploy/Kustomization lists every manifest of deploy/, once")
                .doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(DeployDir.applyFiles());
        // a kustomization.yaml would be one of the files `kubectl apply -f deploy/` applies, and fail it
        assertThat(DeployDir.applyFiles()).noneMatch(f -> f.toLowerCase().startsWith("kustomization"));
        assertThat(path(deploy.kustomization, "kind")).isEqualTo("Kustomization");
        // the component the Kustomization mentions (commented out) for clusters without a StorageClass
        assertThat(Files.readString(DeployDir.KUSTOMIZATION)).contains("#   - no-persistence");
        assertThat(path(DeployDir.parse(DeployDir.DIR.resolve("no-persistence/kustomization.yaml")).get(0), "kind")).isEqualTo("Component");
    }

    @Test
    void noSecretValueIsInTheRepository() throws IOException {
        assertThat(deploy.ofKind("Secret")).as("every Secret is generated from deploy/secrets/")
                .allSatisfy(secret -> assertThat(secret.get("generated")).isEqualTo(true));
        Set<String> generatorFiles = new TreeSet<>();
        for (Object generator : list(deploy.kustomization, "secretGenerator")) {
            assertThat(list(generator, "literals")).as("literal secret values").isEmpty();
            for (Object file : list(generator, "files")) {
                String source = ((String) file).substring(((String) file).indexOf('=') + 1);
                assertThat(source).startsWith("secrets/");
                generatorFiles.add(source.substring("secrets/".length()));
            }
        }
        assertThat(Files.readAllLines(DeployDir.DIR.resolve(".gitignore"))).contains("/secrets/");

        // make-secrets.sh writes exactly the files the generator reads
        Matcher put = Pattern.compile("(?m)^put ([a-z-]+) ").matcher(Files.readString(DeployDir.DIR.resolve("make-secrets.sh")));
        Set<String> written = new TreeSet<>();
        while (put.find()) {
            written.add(put.group(1));
        }
        assertThat(written).isEqualTo(generatorFiles).hasSize(3);
        assertThat(Files.isExecutable(DeployDir.DIR.resolve("make-secrets.sh"))).isTrue();
    }

    @Test
    void everySecretConfigMapAndServiceAccountAPodUsesExists() {
        List<String> missing = new ArrayList<>();
        for (Map<String, Object> workload : deploy.workloads()) {
            missing.addAll(missingReferences(workload));
        }
        assertThat(missing).isEmpty();
        assertThat(deploy.workloads()).hasSize(4);
    }

    @Test
    void theNoPersistenceComponentPutsPostgresqlOnAnEmptyDir() {
        Map<String, Object> component = DeployDir.parse(DeployDir.DIR.resolve("no-persistence/kustomization.yaml")).get(0);
        List<Object> patches = list(component, "patches");
        assertThat(patches).hasSize(1);
        Map<String, Object> target = map(path(patches.get(0), "target"));
        Map<String, Object> statefulSet = deploy.find((String) target.get("kind"), (String) target.get("namespace"), (String) target.get("name"));
        assertThat(statefulSet).as("the patch's target").isNotNull();

        List<Object> operations = parseList((String) path(patches.get(0), "patch"));
        Map<String, Object> patched = DeployDir.jsonPatch(statefulSet, operations);

        assertThat(path(patched, "spec.volumeClaimTemplates")).isNull();
        assertThat(missingReferences(patched)).isEmpty();
        assertThat(list(patched, "spec.template.spec.volumes")).contains(Map.of("name", "data", "emptyDir", Map.of()));
        assertThat(missingReferences(statefulSet)).isEmpty();
    }

    @Test
    void eachServiceSelectsItsPodsOnTheirNamedPorts() {
        for (Map<String, Object> service : deploy.ofKind("Service")) {
            String name = (String) path(service, "metadata.name");
            Map<String, Object> selector = map(path(service, "spec.selector"));
            assertThat(selector).as(name + " selector").isNotEmpty();
            List<Map<String, Object>> selected = deploy.workloads().stream()
                    .filter(w -> Objects.equals(path(w, "metadata.namespace"), path(service, "metadata.namespace")))
                    .filter(w -> selects(selector, w)).toList();
            assertThat(selected).as("workloads Service " + name + " selects").hasSize(1);
            Set<Object> portNames = new TreeSet<>(RenderedChart.mapList(DeployDir.container(selected.get(0)), "ports", p -> p.get("name")));
            assertThat(RenderedChart.mapList(service, "spec.ports", p -> p.get("targetPort"))).as(name + " target ports")
                    .allSatisfy(port -> assertThat(portNames).contains(port));
        }
        for (Map<String, Object> workload : deploy.workloads()) {
            assertThat(selects(map(path(workload, "spec.selector.matchLabels")), workload))
                    .as(path(workload, "metadata.name") + ": its selector matches its pod template").isTrue();
        }
        Map<String, Object> postgresql = deploy.get("StatefulSet", "postgresql");
        assertThat(deploy.find("Service", "tensorbox", (String) path(postgresql, "spec.serviceName"))).isNotNull();
    }

    @Test
    void everyNetworkPolicyOfTheServicesNamespaceSelectsPodsAndTheirNamedPorts() {
        for (Map<String, Object> policy : deploy.ofKind("NetworkPolicy")) {
            if (!"tensorbox".equals(path(policy, "metadata.namespace"))) {
                continue;
            }
            String name = (String) path(policy, "metadata.name");
            List<Map<String, Object>> selected = deploy.workloads().stream()
                    .filter(w -> selects(map(path(policy, "spec.podSelector.matchLabels")), w)).toList();
            assertThat(selected).as("pods NetworkPolicy " + name + " applies to").hasSize(1);
            Set<Object> portNames = new TreeSet<>(RenderedChart.mapList(DeployDir.container(selected.get(0)), "ports", p -> p.get("name")));
            for (Object rule : list(policy, "spec.ingress")) {
                assertThat(RenderedChart.mapList(rule, "ports", p -> p.get("port"))).allSatisfy(port -> assertThat(portNames).contains(port));
                for (Object peer : list(rule, "from")) {
                    Map<String, Object> peerLabels = map(path(peer, "podSelector.matchLabels"));
                    assertThat(deploy.workloads()).as(name + " admits pods that exist").anyMatch(w -> selects(peerLabels, w));
                }
            }
        }
        assertThat(deploy.ofKind("NetworkPolicy")).hasSameSizeAs(chart.ofKind("NetworkPolicy"));
    }

    @Test
    void serviceUrlsLeadToServicesAndTheDatabaseToPostgresql() {
        List<String> urls = new ArrayList<>();
        for (Map<String, Object> workload : deploy.workloads()) {
            env(DeployDir.container(workload)).forEach((name, value) -> {
                if (value instanceof String s && SERVICE_URL.matcher(s).matches()) {
                    Matcher m = SERVICE_URL.matcher(s);
                    assertThat(m.matches()).isTrue();
                    Map<String, Object> service = deploy.find("Service", m.group(2), m.group(1));
                    assertThat(service).as(name + "=" + s + ": no such Service").isNotNull();
                    assertThat(RenderedChart.mapList(service, "spec.ports", p -> p.get("port"))).as(name + "=" + s)
                            .contains(Integer.parseInt(m.group(3)));
                    urls.add(name);
                }
            });
        }
        assertThat(urls).containsExactlyInAnyOrder("TENSORBOX_SCHEDULER_URL", "TENSORBOX_LOG_URL", "QUARKUS_DATASOURCE_JDBC_URL",
                "TENSORBOX_API_URL", "TENSORBOX_SCHEDULER_URL", "TENSORBOX_API_URL");

        Map<String, Object> api = env(DeployDir.container(deploy.get("Deployment", "api-service")));
        Map<String, Object> postgresql = env(DeployDir.container(deploy.get("StatefulSet", "postgresql")));
        String database = URI.create(((String) api.get("QUARKUS_DATASOURCE_JDBC_URL")).substring("jdbc:".length())).getPath().substring(1);
        assertThat(database).isEqualTo(postgresql.get("POSTGRES_DB"));
        assertThat(api.get("QUARKUS_DATASOURCE_USERNAME")).isEqualTo(postgresql.get("POSTGRES_USER"));
        assertThat(api.get("QUARKUS_DATASOURCE_PASSWORD")).isEqualTo(postgresql.get("POSTGRES_PASSWORD"));
    }

    @ParameterizedTest
    @CsvSource({"Deployment, api-service, tensorbox-api", "Deployment, scheduler-service, tensorbox-scheduler",
            "Deployment, log-service, tensorbox-log", "StatefulSet, postgresql, tensorbox-postgresql"})
    void eachContainerHasTheChartsEnvironment(String kind, String name, String chartName) {
        Map<String, Object> ours = env(DeployDir.container(deploy.get(kind, name)));
        Map<String, Object> theirs = env(chart.container(kind, chartName));

        assertThat(ours.keySet()).as(name + " env names").containsExactlyInAnyOrderElementsOf(theirs.keySet());
        theirs.forEach((var, value) -> {
            if (value instanceof String s && !SERVICE_URL.matcher(s).matches()) {
                assertThat(ours.get(var)).as(name + " " + var).isEqualTo(value);
            } else if (value instanceof Map<?, ?> from && from.containsKey("secretKeyRef")) {
                assertThat(path(ours.get(var), "secretKeyRef.key")).as(name + " " + var + " key").isEqualTo(path(from, "secretKeyRef.key"));
            } else if (value instanceof Map<?, ?>) {
                assertThat(ours.get(var)).as(name + " " + var).isEqualTo(value);
            }
        });
    }

    @ParameterizedTest
    @CsvSource({"Deployment, api-service, tensorbox-api", "Deployment, scheduler-service, tensorbox-scheduler",
            "Deployment, log-service, tensorbox-log", "StatefulSet, postgresql, tensorbox-postgresql"})
    void eachWorkloadRunsAsTheChartsDoes(String kind, String name, String chartName) {
        Map<String, Object> ours = deploy.get(kind, name);
        Map<String, Object> theirs = chart.get(kind, chartName);
        Map<String, Object> container = DeployDir.container(ours);
        Map<String, Object> chartContainer = chart.container(kind, chartName);

        assertThat(path(ours, "metadata.namespace")).isEqualTo(path(theirs, "metadata.namespace"));
        for (String field : List.of("spec.replicas", "spec.template.spec.securityContext", "spec.template.spec.automountServiceAccountToken")) {
            assertThat(path(ours, field)).as(name + " " + field).isEqualTo(path(theirs, field));
        }
        for (String field : List.of("image", "imagePullPolicy", "ports", "startupProbe", "livenessProbe", "readinessProbe",
                "resources", "securityContext", "volumeMounts")) {
            assertThat(container.get(field)).as(name + " " + field).isEqualTo(chartContainer.get(field));
        }
        // the same volumes, but for the ConfigMap's name (checked to exist above)
        assertThat(volumesWithoutNames(ours)).as(name + " volumes").isEqualTo(volumesWithoutNames(theirs));
        // the same claims (name and spec; the labels are each one's selector labels)
        assertThat(RenderedChart.mapList(ours, "spec.volumeClaimTemplates", c -> List.of(path(c, "metadata.name"), c.get("spec"))))
                .as(name + " claims")
                .isEqualTo(RenderedChart.mapList(theirs, "spec.volumeClaimTemplates", c -> List.of(path(c, "metadata.name"), c.get("spec"))));
    }

    @Test
    void imagesAreTheReleasedOnes() {
        String appVersion = (String) path(DeployDir.parse(RenderedChart.CHART_DIR.resolve("Chart.yaml")).get(0), "appVersion");
        assertThat(appVersion).isEqualTo("0.1.0");

        assertThat(deploy.workloads()).extracting(w -> DeployDir.container(w).get("image")).containsExactlyInAnyOrder(
                "tensorbox/api-service:" + appVersion, "tensorbox/scheduler-service:" + appVersion,
                "tensorbox/log-service:" + appVersion, "tensorbox/postgresql:" + appVersion);
        assertThat(env(DeployDir.container(deploy.get("Deployment", "scheduler-service"))))
                .containsEntry("TENSORBOX_BASE_IMAGE", "tensorbox/sandbox-base:" + appVersion);
    }

    @Test
    void theSchedulerRoleIsTheChartsAndBoundToTheSchedulersAccount() {
        Map<String, Object> role = deploy.get("Role", "tensorbox-scheduler");
        Map<String, Object> binding = deploy.get("RoleBinding", "tensorbox-scheduler");
        Map<String, Object> scheduler = deploy.get("Deployment", "scheduler-service");
        Object sandboxNamespace = env(DeployDir.container(scheduler)).get("TENSORBOX_KUBERNETES_NAMESPACE");

        assertThat(list(role, "rules")).isEqualTo(list(chart.get("Role", "tensorbox-scheduler"), "rules"));
        assertThat(path(role, "metadata.namespace")).isEqualTo(sandboxNamespace).isEqualTo(RenderedChart.SANDBOX_NAMESPACE);
        assertThat(path(binding, "metadata.namespace")).isEqualTo(sandboxNamespace);
        assertThat(path(binding, "roleRef.name")).isEqualTo("tensorbox-scheduler");
        assertThat(list(binding, "subjects")).containsExactly(Map.of("kind", "ServiceAccount",
                "name", path(scheduler, "spec.template.spec.serviceAccountName"), "namespace", "tensorbox"));
        assertThat(deploy.ofKind("Role")).hasSize(1);
        assertThat(deploy.ofKind("RoleBinding")).hasSize(1);
        assertThat(deploy.ofKind("ClusterRole")).isEmpty();
        assertThat(deploy.ofKind("ClusterRoleBinding")).isEmpty();
        assertThat(deploy.ofKind("ServiceAccount")).allSatisfy(sa -> assertThat(sa.get("automountServiceAccountToken")).isEqualTo(false));
    }

    @Test
    void theSchedulerConfigIsTheChartsWithTheBaseTemplatesRequestsAndLimits() {
        Map<String, Object> scheduler = deploy.get("Deployment", "scheduler-service");
        String configMap = (String) RenderedChart.list(scheduler, "spec.template.spec.volumes").stream()
                .map(v -> path(v, "configMap.name")).filter(Objects::nonNull).findFirst().orElseThrow();
        Properties ours = properties((String) path(deploy.find("ConfigMap", "tensorbox", configMap), "data.application.properties"));

        assertThat(ours).isEqualTo(chart.schedulerProperties());
        assertThat(ours).containsEntry("tensorbox.templates.\"base\".cpu", "1").containsEntry("tensorbox.templates.\"base\".memory", "1Gi")
                .containsEntry("tensorbox.templates.\"base\".cpu-request", "100m").containsEntry("tensorbox.templates.\"base\".memory-request", "256Mi");
        assertThat(env(DeployDir.container(scheduler))).containsEntry("QUARKUS_CONFIG_LOCATIONS", "file:/etc/tensorbox/application.properties");
    }

    @Test
    void theNamespacesAreTheChartsWithTheirNamesAsLabels() {
        assertThat(deploy.ofKind("Namespace")).extracting(n -> path(n, "metadata.name"))
                .containsExactlyInAnyOrder(RenderedChart.NAMESPACE, RenderedChart.SANDBOX_NAMESPACE);
        Map<String, Object> sandboxes = deploy.get("Namespace", RenderedChart.SANDBOX_NAMESPACE);
        assertThat(map(path(sandboxes, "metadata.labels")))
                .containsEntry("pod-security.kubernetes.io/enforce",
                        path(chart.get("Namespace", RenderedChart.SANDBOX_NAMESPACE), "metadata.labels.pod-security.kubernetes.io/enforce"));
        // selected by the NetworkPolicies; Kubernetes sets this label itself only from 1.21 on
        assertThat(deploy.ofKind("Namespace")).allSatisfy(n -> assertThat(path(n, "metadata.labels.kubernetes.io/metadata.name"))
                .isEqualTo(path(n, "metadata.name")));
    }

    /** What a workload's pod refers to and deploy/ does not hold: "kind/namespace/name[key]". */
    private static List<String> missingReferences(Map<String, Object> workload) {
        String namespace = (String) path(workload, "metadata.namespace");
        String where = path(workload, "kind") + "/" + path(workload, "metadata.name") + ": ";
        Map<String, Object> pod = map(path(workload, "spec.template.spec"));
        List<String> missing = new ArrayList<>();
        String account = (String) pod.get("serviceAccountName");
        if (account != null && deploy.find("ServiceAccount", namespace, account) == null) {
            missing.add(where + "ServiceAccount/" + namespace + "/" + account);
        }
        Set<String> volumes = new TreeSet<>();
        for (Object volume : list(pod, "volumes")) {
            volumes.add((String) path(volume, "name"));
            if (path(volume, "configMap.name") instanceof String name && deploy.find("ConfigMap", namespace, name) == null) {
                missing.add(where + "ConfigMap/" + namespace + "/" + name);
            }
            if (path(volume, "secret.secretName") instanceof String name && deploy.find("Secret", namespace, name) == null) {
                missing.add(where + "Secret/" + namespace + "/" + name);
            }
        }
        for (Object claim : list(workload, "spec.volumeClaimTemplates")) {
            volumes.add((String) path(claim, "metadata.name"));
        }
        List<Object> containers = new ArrayList<>(list(pod, "initContainers"));
        containers.addAll(list(pod, "containers"));
        for (Object container : containers) {
            for (Object mount : list(container, "volumeMounts")) {
                if (!volumes.contains((String) path(mount, "name"))) {
                    missing.add(where + "volume " + path(mount, "name"));
                }
            }
            for (Object var : list(container, "env")) {
                for (String kind : List.of("Secret", "ConfigMap")) {
                    Object ref = path(var, "valueFrom." + (kind.equals("Secret") ? "secretKeyRef" : "configMapKeyRef"));
                    if (ref != null) {
                        Map<String, Object> object = deploy.find(kind, namespace, (String) path(ref, "name"));
                        String key = (String) path(ref, "key");
                        if (object == null || !(map(object.get("data")).containsKey(key) || map(object.get("stringData")).containsKey(key))) {
                            missing.add(where + kind + "/" + namespace + "/" + path(ref, "name") + "[" + key + "] (" + path(var, "name") + ")");
                        }
                    }
                }
            }
            for (Object from : list(container, "envFrom")) {
                for (String kind : List.of("Secret", "ConfigMap")) {
                    Object ref = path(from, kind.equals("Secret") ? "secretRef" : "configMapRef");
                    if (ref != null && deploy.find(kind, namespace, (String) path(ref, "name")) == null) {
                        missing.add(where + kind + "/" + namespace + "/" + path(ref, "name"));
                    }
                }
            }
        }
        return missing;
    }

    private static boolean selects(Map<String, Object> selector, Map<String, Object> workload) {
        Map<String, Object> labels = map(path(workload, "spec.template.metadata.labels"));
        return !selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet());
    }

    private static List<Map<String, Object>> volumesWithoutNames(Map<String, Object> workload) {
        return RenderedChart.mapList(workload, "spec.template.spec.volumes", v -> {
            Map<String, Object> copy = new LinkedHashMap<>(v);
            if (copy.get("configMap") != null) {
                copy.put("configMap", "<a ConfigMap>");
            }
            return copy;
        });
    }

    private static Properties properties(String text) {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(Objects.requireNonNull(text, "no application.properties")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> parseList(String yaml) {
        try {
            return new YAMLMapper().readValue(yaml, List.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
