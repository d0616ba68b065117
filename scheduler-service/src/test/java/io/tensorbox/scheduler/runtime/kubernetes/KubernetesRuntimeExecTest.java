package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.ErrorStreamMessage;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.OutputStreamMessage;
import io.fabric8.kubernetes.client.server.mock.StatusStreamMessage;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.Ids;
import io.tensorbox.scheduler.runtime.ExecGuards;
import io.tensorbox.scheduler.runtime.ExecHandle;
import io.tensorbox.scheduler.runtime.RuntimeUnavailableException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code pods/exec} against the mock API server: the exact exec URL is part of what is checked. The
 * client reads the pod before upgrading (container check), so the pod exists, Ready, in the CRUD store.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesRuntimeExecTest {

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

    private String execPath(List<String> argv, boolean stdin) {
        return "/api/v1/namespaces/test/pods/" + id.replace('_', '-') + "/exec?"
                + argv.stream().map(a -> "command=" + URLEncoder.encode(a, StandardCharsets.UTF_8).replace("+", "%20")).collect(Collectors.joining("&"))
                + "&container=sandbox" + (stdin ? "&stdin=true" : "") + "&stdout=true&stderr=true";
    }

    /** The exec URL of a command without stdin bytes: it runs under the watchdog, with stdin open. */
    private String guardedExecPath(List<String> argv) {
        return execPath(ExecGuards.endingWithCaller(argv), true);
    }

    private static ExecRequest request(List<String> argv) {
        return new ExecRequest(argv, null, Map.of(), null, 10_000);
    }

    @Test
    void stdoutAndStderrStayApartAndTheExitCodeComesFromTheStatusChannel() throws Exception {
        List<String> argv = List.of("sh", "-c", "echo out; echo err >&2; exit 3");
        server.expect().get().withPath(guardedExecPath(argv))
                .andUpgradeToWebSocket().open(ExecFrames.inOrder(new OutputStreamMessage("out\n"), new ErrorStreamMessage("err\n"), new StatusStreamMessage(3)))
                .done().once();
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();

        try (ExecHandle exec = runtime.exec(id, request(argv), out, err)) {
            assertEquals(3, exec.exitCode().get(10, TimeUnit.SECONDS));
        }
        assertEquals("out\n", out.toString(StandardCharsets.UTF_8));
        assertEquals("err\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void stdinBytesOpenTheStdinChannel() throws Exception {
        List<String> argv = List.of("head", "-c", "5");
        server.expect().get().withPath(execPath(argv, true))
                .andUpgradeToWebSocket().open(ExecFrames.inOrder(new OutputStreamMessage("hello")))
                // the exit status answers the stdin frame (channel 0), so the test fails if none was sent
                .expect("\u0000hello").andEmit(ExecFrames.inOrder(new OutputStreamMessage(""), new StatusStreamMessage(0))[1]).once()
                .done().once();
        var out = new ByteArrayOutputStream();

        try (ExecHandle exec = runtime.exec(id, new ExecRequest(argv, null, null, "hello".getBytes(StandardCharsets.UTF_8), 10_000),
                out, new ByteArrayOutputStream())) {
            assertEquals(0, exec.exitCode().get(10, TimeUnit.SECONDS));
        }
        assertEquals("hello", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void cwdAndEnvAreSetByAShellPreludeWithoutQuotingTheArguments() throws Exception {
        ExecRequest request = new ExecRequest(List.of("printenv", "A"), "sub dir", Map.of("A", "x y"), null, 10_000);
        List<String> argv = KubernetesRuntime.commandLine(request);
        assertEquals(List.of("sh", "-c", KubernetesRuntime.EXEC_PRELUDE, "tbx-exec", "sub dir", "1", "A=x y", "printenv", "A"), argv);
        assertEquals(List.of("true"), KubernetesRuntime.commandLine(request(List.of("true"))), "no wrapper when nothing needs it");
        List<String> guarded = KubernetesRuntime.commandLine(new ExecRequest(ExecGuards.endingWithCaller(request.argv()),
                request.cwd(), request.env(), null, request.timeoutMs()));
        assertEquals(argv.subList(0, 7), guarded.subList(0, 7), "the prelude sets cwd and env, then runs the watchdog");
        server.expect().get().withPath(execPath(guarded, true))
                .andUpgradeToWebSocket().open(ExecFrames.inOrder(new OutputStreamMessage("x y\n"), new StatusStreamMessage(0)))
                .done().once();
        var out = new ByteArrayOutputStream();

        try (ExecHandle exec = runtime.exec(id, request, out, new ByteArrayOutputStream())) {
            assertEquals(0, exec.exitCode().get(10, TimeUnit.SECONDS));
        }
        assertEquals("x y\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anExecInASandboxWithoutPodIsRuntimeUnavailableWithTheReason() {
        List<String> argv = List.of("true");
        client.pods().inNamespace("test").withName(id.replace('_', '-')).delete();

        RuntimeUnavailableException e = rejection(() -> runtime.exec(id, request(argv), new ByteArrayOutputStream(), new ByteArrayOutputStream()));
        assertTrue(e.getMessage().contains("has no pod"), e.getMessage());
    }

    @Test
    void anExecForbiddenByRbacSaysSo() {
        List<String> argv = List.of("true");
        server.expect().get().withPath(guardedExecPath(argv))
                .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden")
                        .withMessage("pods/exec is forbidden").build())
                .once();

        RuntimeUnavailableException e = rejection(() -> runtime.exec(id, request(argv), new ByteArrayOutputStream(), new ByteArrayOutputStream()));
        assertTrue(e.getMessage().contains("pods/exec"), e.getMessage());
    }

    @Test
    void closingARunningExecEndsItsExitCodeWithCancellation() {
        List<String> argv = List.of("sleep", "60");
        server.expect().get().withPath(guardedExecPath(argv))
                .andUpgradeToWebSocket().open().waitFor(60_000).andEmit(new StatusStreamMessage(0))
                .done().once();

        ExecHandle exec = runtime.exec(id, request(argv), new ByteArrayOutputStream(), new ByteArrayOutputStream());
        exec.close();

        assertThrows(CancellationException.class, () -> exec.exitCode().get(10, TimeUnit.SECONDS));
    }

    @Test
    void aLongLivedExecRunsUnderTheWatchdogWithItsStdinOpen() throws Exception {
        List<String> argv = List.of("tail", "-n", "+1", "-F", "/tmp/.tensorbox/events");
        server.expect().get().withPath(guardedExecPath(argv))
                .andUpgradeToWebSocket().open(ExecFrames.inOrder(new OutputStreamMessage("exit p1 0\n"), new StatusStreamMessage(0)))
                .done().once();

        try (ExecHandle exec = runtime.exec(id, new ExecRequest(argv, null, null, null, 0),
                new ByteArrayOutputStream(), new ByteArrayOutputStream())) {
            assertEquals(0, exec.exitCode().get(10, TimeUnit.SECONDS));
        }

        RecordedRequest upgrade = null;
        for (RecordedRequest r = server.takeRequest(1, TimeUnit.SECONDS); r != null; r = server.takeRequest(100, TimeUnit.MILLISECONDS)) {
            // the launcher of an exec warmed for the next command may reach the API server first
            if (r.getPath().contains("/exec?") && !r.getPath().contains("tbx-warm") && upgrade == null) {
                upgrade = r;
            }
        }
        assertTrue(upgrade != null, "an exec reached the API server");
        String query = upgrade.getPath().substring(upgrade.getPath().indexOf('?') + 1);
        List<String> params = List.of(query.split("&"));
        assertTrue(params.contains("stdin=true"), "the exec asks for stdin, which the kubelet closes with the connection: " + query);
        List<String> command = params.stream().filter(p -> p.startsWith("command="))
                .map(p -> java.net.URLDecoder.decode(p.substring("command=".length()), StandardCharsets.UTF_8)).toList();
        assertEquals(List.of("sh", "-c"), command.subList(0, 2));
        assertTrue(command.get(2).contains("cat >/dev/null; kill -KILL -"), "the watchdog kills the group at end of input: " + command.get(2));
        assertTrue(command.get(2).contains("setsid -- \"$@\" </dev/null"), "the command runs in a group of its own: " + command.get(2));
        assertEquals(argv, command.subList(4, command.size()), "the command itself follows, unquoted");
    }

    /** The rejection may come from exec() itself or through exitCode(), depending on when the upgrade fails. */
    private static RuntimeUnavailableException rejection(java.util.function.Supplier<ExecHandle> exec) {
        try {
            ExecHandle handle = exec.get();
            ExecutionException e = assertThrows(ExecutionException.class, () -> handle.exitCode().get(10, TimeUnit.SECONDS));
            return assertInstanceOf(RuntimeUnavailableException.class, e.getCause());
        } catch (RuntimeUnavailableException e) {
            return e;
        }
    }
}
