package io.tensorbox.scheduler.runtime.kubernetes;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.ErrorStreamMessage;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.OutputStreamMessage;
import io.fabric8.kubernetes.client.server.mock.StatusStreamMessage;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import io.tensorbox.common.CommandSpec;
import io.tensorbox.common.Ids;
import io.tensorbox.scheduler.commands.CommandLines;
import io.tensorbox.scheduler.commands.CommandRuns;
import io.tensorbox.scheduler.commands.RunEvent;
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
import static org.awaitility.Awaitility.await;

/**
 * A run on the kubernetes runtime is one {@code pods/exec} of the argv {@link CommandLines} makes —
 * the same as on the local runtime, with the user switch a pod can do — and its frames become the
 * run's events. Against the mock API server, whose exact exec URL is part of the check.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesRunTest {

    KubernetesMockServer server;
    KubernetesClient client;
    KubernetesRuntime runtime;
    CommandRuns runs;
    String id;

    @BeforeEach
    void setUp() {
        runtime = TestRuntimes.runtime(client);
        runs = new CommandRuns(runtime, TestRuntimes.tensorbox(Map.of()).scheduler(), new ObjectMapper());
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

    @Test
    void aRunIsOnePodsExecOfItsWrapperAndItsFramesBecomeEvents() throws Exception {
        CommandSpec spec = new CommandSpec("echo hello; echo warn >&2", null, "src", Map.of("A", "b"), "user", null, 5000);
        List<String> argv = CommandLines.run(spec, runtime.layout(id), runtime.switchesUsers()).argv();
        server.expect().get().withPath(execPath(argv))
                .andUpgradeToWebSocket().open(ExecFrames.inOrder(new OutputStreamMessage("tbx-started 42\nhello\n"),
                        new ErrorStreamMessage("warn\n"), new StatusStreamMessage(0)))
                .done().once();

        AssertSubscriber<RunEvent> events = runs.run(id, spec).subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));

        List<RunEvent> all = events.awaitCompletion(Duration.ofSeconds(10)).getItems();
        assertThat(all).extracting(RunEvent::name).containsExactly("start", "stdout", "stderr", "exit");
        assertThat(all.get(0).data()).isEqualTo("{\"pid\":42}");
        assertThat(all.get(1).data()).isEqualTo("\"hello\\n\"");
        assertThat(all.get(2).data()).isEqualTo("\"warn\\n\"");
        assertThat(all.get(3).data()).startsWith("{\"exit_code\":0,\"duration_ms\":").endsWith(",\"timed_out\":false}");

        List<String> command = execCommand();
        assertThat(command.subList(0, 6)).containsExactly("timeout", "-s", "KILL", "5.000", "sh", "-c");
        assertThat(command.get(6)).contains("kill -KILL 0").contains("setpriv --reuid=").contains("tbx-started");
        // no stdin bytes, their file's place in the state dir, the user a pod switches to, the directory in the workspace
        assertThat(command.subList(7, command.size())).containsExactly("tbx-run", "0", runtime.layout(id).stateDir() + "/run-stdin",
                "user", runtime.layout(id).workspaceDir() + "/src", "1", "shell", "echo hello; echo warn >&2", "A=b");
    }

    @Test
    void aRefusalFromThePodIsTheOneErrorEvent() {
        CommandSpec spec = new CommandSpec("id", List.of(), null, null, "nobody-here", null, 5000);
        List<String> argv = CommandLines.run(spec, runtime.layout(id), runtime.switchesUsers()).argv();
        server.expect().get().withPath(execPath(argv))
                .andUpgradeToWebSocket().open(ExecFrames.inOrder(new OutputStreamMessage("tbx-error invalid_user unknown\n"),
                        new StatusStreamMessage(0)))
                .done().once();

        List<RunEvent> all = runs.run(id, spec).subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE))
                .awaitCompletion(Duration.ofSeconds(10)).getItems();

        assertThat(all).containsExactly(new RunEvent("error",
                "{\"error\":{\"code\":\"invalid_user\",\"message\":\"user: no user 'nobody-here' in this sandbox\"}}"));
    }

    /** The command of the run's exec as it reached the API server (others are execs warmed for later commands). */
    private List<String> execCommand() throws InterruptedException {
        for (RecordedRequest r = server.takeRequest(1, TimeUnit.SECONDS); r != null; r = server.takeRequest(100, TimeUnit.MILLISECONDS)) {
            if (r.getPath().contains("/exec?")) {
                String query = r.getPath().substring(r.getPath().indexOf('?') + 1);
                List<String> command = List.of(query.split("&")).stream().filter(p -> p.startsWith("command="))
                        .map(p -> URLDecoder.decode(p.substring("command=".length()), StandardCharsets.UTF_8)).toList();
                if (command.contains("tbx-run")) {
                    return command;
                }
            }
        }
        throw new AssertionError("the run's exec never reached the API server");
    }
}
