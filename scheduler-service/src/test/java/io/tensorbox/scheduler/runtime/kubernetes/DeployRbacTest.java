package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.OutputStreamMessage;
import io.fabric8.kubernetes.client.server.mock.StatusStreamMessage;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.Ids;
import io.tensorbox.common.SandboxSpec;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The RBAC in {@code deploy/} is exactly what the driver uses: every operation of the driver runs
 * against the mock API server, each request it makes is turned into the (resource, verb) the API
 * server would authorize, and the scheduler's Role must grant that set, nothing less, nothing more.
 */
@EnableKubernetesMockClient(crud = true)
class DeployRbacTest {

    static final Path DEPLOY = Path.of("..", "deploy");
    static final Pattern NAMESPACED = Pattern.compile("/(?:api/v1|apis/([^/]+)/[^/]+)/namespaces/[^/]+/([^/]+)(?:/([^/]+)(?:/([^/]+))?)?");

    KubernetesMockServer server;
    KubernetesClient client;

    @Test
    void theSchedulerRoleGrantsExactlyWhatTheDriverUses() throws Exception {
        Set<String> used = permissionsUsedByTheDriver();
        Role role = schedulerRole();

        Set<String> granted = new TreeSet<>();
        role.getRules().forEach(rule -> rule.getApiGroups().forEach(group -> rule.getResources().forEach(resource ->
                rule.getVerbs().forEach(verb -> granted.add(permission(group, resource, verb))))));

        assertEquals(Set.of("pods:create", "pods:delete", "pods:get", "pods:list", "pods:watch",
                "pods/exec:create", "pods/exec:get",
                "coordination.k8s.io/leases:create", "coordination.k8s.io/leases:get", "coordination.k8s.io/leases:patch"),
                used, "the driver's API calls changed: update deploy/10-scheduler-rbac.yaml and this list");
        assertEquals(used, granted);
    }

    @Test
    void theRoleIsBoundToTheSchedulersServiceAccountInTheSandboxNamespace() throws IOException {
        List<HasMetadata> all = manifests();
        Role role = schedulerRole();
        RoleBinding binding = all.stream().filter(RoleBinding.class::isInstance).map(RoleBinding.class::cast)
                .filter(b -> b.getRoleRef().getName().equals(role.getMetadata().getName())).findFirst().orElseThrow();
        Deployment scheduler = all.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast)
                .filter(d -> d.getMetadata().getName().equals("scheduler-service")).findFirst().orElseThrow();
        var pod = scheduler.getSpec().getTemplate().getSpec();
        String sandboxNamespace = pod.getContainers().get(0).getEnv().stream()
                .filter(e -> e.getName().equals("TENSORBOX_KUBERNETES_NAMESPACE")).map(EnvVar::getValue).findFirst().orElseThrow();

        assertEquals(sandboxNamespace, role.getMetadata().getNamespace());
        assertEquals(sandboxNamespace, binding.getMetadata().getNamespace());
        assertEquals("ServiceAccount", binding.getSubjects().get(0).getKind());
        assertEquals(pod.getServiceAccountName(), binding.getSubjects().get(0).getName());
        assertEquals(scheduler.getMetadata().getNamespace(), binding.getSubjects().get(0).getNamespace());
        assertTrue(all.stream().anyMatch(o -> o.getKind().equals("Namespace") && o.getMetadata().getName().equals(sandboxNamespace)));
    }

    private Set<String> permissionsUsedByTheDriver() throws Exception {
        Map<String, String> fast = ReconcileLeadershipTest.FAST;
        KubernetesRuntime runtime = TestRuntimes.runtime(client, fast);
        String id = Ids.newSandboxId();
        String pod = PodNames.podName(id);
        String command = io.tensorbox.scheduler.runtime.ExecGuards.endingWithCaller(List.of("true")).stream()
                .map(a -> "command=" + java.net.URLEncoder.encode(a, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20"))
                .collect(java.util.stream.Collectors.joining("&"));
        server.expect().get().withPath("/api/v1/namespaces/test/pods/" + pod + "/exec?" + command + "&container=sandbox&stdin=true&stdout=true&stderr=true")
                .andUpgradeToWebSocket().open(ExecFrames.inOrder(new OutputStreamMessage(""), new StatusStreamMessage(0))).done().once();

        runtime.create(new SandboxSpec(id, "team_a", "base", Map.of()));
        runtime.create(new SandboxSpec(id, "team_a", "base", Map.of()));
        runtime.status(id);
        runtime.status(Ids.newSandboxId());
        runtime.list();
        try (var exec = runtime.exec(id, new ExecRequest(List.of("true"), null, Map.of(), null, 5000),
                new ByteArrayOutputStream(), new ByteArrayOutputStream())) {
            assertEquals(0, exec.exitCode().get(10, TimeUnit.SECONDS));
        }
        runtime.delete(id);
        AtomicBoolean leading = new AtomicBoolean();
        var config = TestRuntimes.kubernetes(fast);
        try (var election = new ReconcileLeadership(runtime, config).start("scheduler-a", () -> leading.set(true), () -> { })) {
            await().atMost(Duration.ofSeconds(5)).untilTrue(leading);
            // let it renew at least once
            String renewed = client.leases().inNamespace("test").withName("tensorbox-scheduler").get().getSpec().getRenewTime().toString();
            await().atMost(Duration.ofSeconds(5)).until(() -> !renewed.equals(
                    client.leases().inNamespace("test").withName("tensorbox-scheduler").get().getSpec().getRenewTime().toString()));
        }
        runtime.stop();

        Set<String> used = new TreeSet<>();
        List<String> unknown = new ArrayList<>();
        for (RecordedRequest request; (request = server.takeRequest(200, TimeUnit.MILLISECONDS)) != null; ) {
            Set<String> permissions = permissionsOf(request.getMethod(), request.getPath());
            if (permissions.isEmpty()) {
                unknown.add(request.getMethod() + " " + request.getPath());
            }
            used.addAll(permissions);
        }
        // the test's own reads (pods get/list, lease get) are verbs the driver uses as well
        assertEquals(List.of(), unknown);
        return used;
    }

    /** What the API server authorizes for one request (an exec WebSocket GET: "get" before 1.31, "create" since). */
    static Set<String> permissionsOf(String method, String pathAndQuery) {
        String path = pathAndQuery.split("\\?", 2)[0];
        String query = pathAndQuery.contains("?") ? pathAndQuery.split("\\?", 2)[1] : "";
        Matcher m = NAMESPACED.matcher(path);
        if (!m.matches()) {
            return Set.of();
        }
        String group = m.group(1) == null ? "" : m.group(1);
        String resource = m.group(2);
        String name = m.group(3);
        String subresource = m.group(4);
        if (subresource != null) {
            String sub = resource + "/" + subresource;
            if (subresource.equals("exec") || subresource.equals("attach")) {
                return method.equals("GET") ? Set.of(permission(group, sub, "get"), permission(group, sub, "create"))
                        : Set.of(permission(group, sub, "create"));
            }
            return Set.of(permission(group, sub, verbOf(method, true)));
        }
        if (name == null && method.equals("GET")) {
            return Set.of(permission(group, resource, Stream.of(query.split("&")).anyMatch("watch=true"::equals) ? "watch" : "list"));
        }
        return Set.of(permission(group, resource, verbOf(method, name != null)));
    }

    private static String verbOf(String method, boolean named) {
        return switch (method) {
            case "GET" -> "get";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> named ? "delete" : "deletecollection";
            default -> method;
        };
    }

    private static String permission(String group, String resource, String verb) {
        return (group.isEmpty() ? "" : group + "/") + resource + ":" + verb;
    }

    private Role schedulerRole() throws IOException {
        return manifests().stream().filter(Role.class::isInstance).map(Role.class::cast)
                .filter(r -> r.getMetadata().getName().equals("tensorbox-scheduler")).findFirst().orElseThrow();
    }

    private List<HasMetadata> manifests() throws IOException {
        List<HasMetadata> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(DEPLOY)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    all.addAll(client.load(in).items());
                }
            }
        }
        return all;
    }
}
