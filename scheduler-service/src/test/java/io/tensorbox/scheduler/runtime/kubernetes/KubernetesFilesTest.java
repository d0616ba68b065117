package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.OutputStreamMessage;
import io.fabric8.kubernetes.client.server.mock.StatusStreamMessage;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.Ids;
import io.tensorbox.scheduler.files.FileEntry;
import io.tensorbox.scheduler.files.FileScripts;
import io.tensorbox.scheduler.files.FilesService;
import io.tensorbox.scheduler.runtime.ExecGuards;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * On kubernetes a file operation is one {@code pods/exec} of the same script as on the local runtime
 * (no agent in the image), as the pod's default user, with no confinement (the pod is the sandbox);
 * its answer is parsed from the exec's stdout frames. Against the mock API server.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesFilesTest {

    KubernetesMockServer server;
    KubernetesClient client;
    KubernetesRuntime runtime;
    FilesService files;
    String id;

    @BeforeEach
    void setUp() {
        runtime = TestRuntimes.runtime(client);
        files = new FilesService(runtime, TestRuntimes.tensorbox(Map.of()).scheduler());
        id = Ids.newSandboxId();
        client.pods().inNamespace("test").resource(new PodBuilder()
                .withNewMetadata().withName(PodNames.podName(id)).endMetadata()
                .withNewSpec().addNewContainer().withName("sandbox").withImage("example/sandbox:1").endContainer().endSpec()
                .withNewStatus().withPhase("Running")
                .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
                .build()).create();
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.status(id).state() == io.tensorbox.common.SandboxState.running);
    }

    private String execPath(List<String> argv) {
        return "/api/v1/namespaces/test/pods/" + PodNames.podName(id) + "/exec?"
                + argv.stream().map(a -> "command=" + URLEncoder.encode(a, StandardCharsets.UTF_8).replace("+", "%20")).collect(Collectors.joining("&"))
                + "&container=sandbox&stdin=true&stdout=true&stderr=true";
    }

    private List<String> statArgv(String path) {
        return ExecGuards.killedAt(Duration.ofSeconds(60), FileScripts.argv(null, true, null, "stat", path));
    }

    @Test
    void aStatIsOnePodsExecOfTheFilesScriptAsTheDefaultUser() throws Exception {
        server.expect().get().withPath(execPath(statArgv("/etc/hostname")))
                .andUpgradeToWebSocket().open(ExecFrames.inOrder(
                        new OutputStreamMessage("ok\nf\0" + "13\0" + "644\0-rw-r--r--\0root\0root\0" + "1765000000.1234567890\0\0\0"),
                        new StatusStreamMessage(0)))
                .done().once();

        FileEntry entry = files.stat(id, "/etc/hostname", null);

        assertThat(entry).isEqualTo(new FileEntry("hostname", "/etc/hostname", "file", 13, "0644", "-rw-r--r--", "root", "root",
                "2025-12-06T05:46:40.123Z", null));
        List<String> command = execCommand();
        // killed at its deadline in the pod; the user switch of commands (+user: the image's user where it exists)
        assertThat(command.subList(0, 6)).containsExactly("timeout", "-s", "KILL", "60.000", "sh", "-c");
        assertThat(command.get(6)).contains("setpriv --reuid=");
        assertThat(command.subList(7, 10)).containsExactly("tbx-as", "+user", "sh");
        // no confinement in a pod: every path of the pod is the sandbox's
        assertThat(command.subList(command.size() - 3, command.size())).containsExactly("tbx-files-stat", "", "/etc/hostname");
    }

    @Test
    void aRefusalPrintedInThePodIsTheApiError() {
        server.expect().get().withPath(execPath(statArgv("/root/secret")))
                .andUpgradeToWebSocket().open(ExecFrames.inOrder(new OutputStreamMessage("err permission_denied not_searchable\n"),
                        new StatusStreamMessage(0)))
                .done().once();

        assertThatThrownBy(() -> files.stat(id, "/root/secret", null)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(403);
            assertThat(e.code()).isEqualTo("permission_denied");
        });
    }

    private List<String> execCommand() throws InterruptedException {
        for (RecordedRequest r = server.takeRequest(1, TimeUnit.SECONDS); r != null; r = server.takeRequest(100, TimeUnit.MILLISECONDS)) {
            if (r.getPath().contains("/exec?")) {
                String query = r.getPath().substring(r.getPath().indexOf('?') + 1);
                List<String> command = List.of(query.split("&")).stream().filter(p -> p.startsWith("command="))
                        .map(p -> URLDecoder.decode(p.substring("command=".length()), StandardCharsets.UTF_8)).toList();
                if (command.contains("tbx-files-stat")) {
                    return command;
                }
            }
        }
        throw new AssertionError("the file operation's exec never reached the API server");
    }
}
