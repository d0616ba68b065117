package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.OutputStreamMessage;
import io.fabric8.kubernetes.client.server.mock.StatusStreamMessage;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.tensorbox.common.Ids;
import io.tensorbox.scheduler.runtime.Terminal;
import io.tensorbox.scheduler.runtime.TerminalRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A terminal in a pod is a {@code pods/exec} with a TTY: keystrokes on channel 0, one output stream
 * (channel 1), the window size as JSON on channel 4, checked against the mock API server.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesTerminalTest {

    KubernetesMockServer server;
    KubernetesClient client;
    KubernetesRuntime runtime;
    String id;

    @BeforeEach
    void setUp() {
        runtime = TestRuntimes.runtime(client);
        id = Ids.newSandboxId();
        client.pods().inNamespace("test").resource(new PodBuilder()
                .withNewMetadata().withName(id.replace('_', '-')).endMetadata()
                .withNewSpec().addNewContainer().withName("sandbox").withImage("example/sandbox:1").endContainer().endSpec()
                .withNewStatus().withPhase("Running")
                .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
                .build()).create();
    }

    private String ttyExecPath(List<String> argv) {
        return "/api/v1/namespaces/test/pods/" + id.replace('_', '-') + "/exec?"
                + argv.stream().map(a -> "command=" + URLEncoder.encode(a, StandardCharsets.UTF_8).replace("+", "%20")).collect(Collectors.joining("&"))
                + "&container=sandbox&tty=true&stdin=true&stdout=true";
    }

    @Test
    void aTerminalIsATtyExecSizedAtOnceAndResizedOnChannelFour() throws Exception {
        List<String> argv = List.of("sh", "-c", "stty size; read x; stty size");
        server.expect().get().withPath(ttyExecPath(argv))
                .andUpgradeToWebSocket().open()
                // each answer comes only if the exact frame arrived, so a missing or wrong one fails the test
                .expect("\u0004{\"Width\":80,\"Height\":24}").andEmit(new OutputStreamMessage("24 80\r\n")).once()
                .expect("\u0004{\"Width\":100,\"Height\":30}").andEmit(new OutputStreamMessage("30 100\r\n")).once()
                .expect("\u0000\n").andEmit(new StatusStreamMessage(0)).once()
                .done().once();
        var out = new SyncBuffer();

        try (Terminal terminal = runtime.openTerminal(id, new TerminalRequest(argv, 80, 24), out)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> out.text().equals("24 80\r\n"));
            terminal.resize(100, 30);
            await().atMost(Duration.ofSeconds(10)).until(() -> out.text().equals("24 80\r\n30 100\r\n"));
            terminal.write("\n".getBytes(StandardCharsets.US_ASCII));

            assertThat(terminal.exitCode().get(10, TimeUnit.SECONDS)).isZero();
        }

        RecordedRequest upgrade = null;
        for (RecordedRequest r = server.takeRequest(1, TimeUnit.SECONDS); r != null; r = server.takeRequest(100, TimeUnit.MILLISECONDS)) {
            if (r.getPath().contains("/exec?")) {
                upgrade = r;
            }
        }
        assertThat(upgrade).as("an exec reached the API server").isNotNull();
        List<String> params = List.of(upgrade.getPath().substring(upgrade.getPath().indexOf('?') + 1).split("&"));
        assertThat(params).contains("tty=true", "stdin=true", "stdout=true").doesNotContain("stderr=true");
        assertThat(params.stream().filter(p -> p.startsWith("command="))
                .map(p -> URLDecoder.decode(p.substring("command=".length()), StandardCharsets.UTF_8)).toList())
                .as("the command as given, with no exec wrapper of its own").isEqualTo(argv);
    }

    /** Written by the client's threads, read by the test. */
    static final class SyncBuffer extends ByteArrayOutputStream {
        synchronized String text() {
            return toString(StandardCharsets.UTF_8);
        }
    }
}
