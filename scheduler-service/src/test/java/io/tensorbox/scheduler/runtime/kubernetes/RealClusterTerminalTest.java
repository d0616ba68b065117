package io.tensorbox.scheduler.runtime.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.Ids;
import io.tensorbox.common.SandboxSpec;
import io.tensorbox.common.SandboxState;
import io.tensorbox.scheduler.runtime.ExecHandle;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import io.tensorbox.scheduler.runtime.Terminal;
import io.tensorbox.scheduler.runtime.TerminalRequest;
import io.tensorbox.scheduler.terminal.TerminalScripts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Terminals on the cluster {@code KUBECONFIG} names (e.g. {@code ../shared/kube}), through the same
 * wrapper and guard the terminal route uses. Also pins down what the design rests on: closing a TTY
 * exec leaves its shell running in the pod (containerd keeps the pty open), so the guard must kill it.
 */
@EnabledIfEnvironmentVariable(named = "KUBECONFIG", matches = ".+")
class RealClusterTerminalTest {

    static KubernetesClient client;
    static KubernetesRuntime runtime;
    static final List<String> created = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void connect() {
        client = new KubernetesClientBuilder().build();
        runtime = TestRuntimes.runtime(client, Map.of(
                "tensorbox.kubernetes.namespace", System.getenv().getOrDefault("TENSORBOX_KUBERNETES_NAMESPACE", "default"),
                "tensorbox.base-image", System.getenv().getOrDefault("TENSORBOX_BASE_IMAGE", "tensorbox/sandbox-base:dev"),
                "tensorbox.kubernetes.image-pull-policy", "IfNotPresent"));
    }

    @AfterAll
    static void cleanUp() {
        created.forEach(runtime::delete);
        runtime.stop();
        client.close();
    }

    private static String running() {
        String id = Ids.newSandboxId();
        created.add(id);
        runtime.create(new SandboxSpec(id, "team_it", "base", Map.of()));
        await().atMost(Duration.ofSeconds(90)).until(() -> runtime.status(id).state() == SandboxState.running);
        return id;
    }

    /** The terminal's session id, from the wrapper's first line. */
    private static long session(SyncBuffer out) {
        await().atMost(Duration.ofSeconds(30)).until(() -> out.text().contains("\n"));
        String first = out.text().substring(0, out.text().indexOf('\n'));
        OptionalLong session = TerminalScripts.session(first);
        assertThat(session).as("header %s", first).isPresent();
        return session.getAsLong();
    }

    /** How many live processes of session {@code sid} the pod has. */
    private static int members(String id, long sid) throws Exception {
        var out = new ByteArrayOutputStream();
        try (ExecHandle exec = runtime.exec(id, new ExecRequest(List.of("sh", "-c",
                "for p in /proc/[0-9]*; do read -r l <\"$p/stat\" 2>/dev/null || continue; set -- ${l##*) }; "
                        + "[ \"$4\" = \"$0\" ] && [ \"$1\" != Z ] && echo \"${p#/proc/}\"; done; exit 0", Long.toString(sid)),
                null, null, null, 10_000), out, OutputStream.nullOutputStream())) {
            assertThat(exec.exitCode().get(30, TimeUnit.SECONDS)).isZero();
        }
        return (int) out.toString(StandardCharsets.US_ASCII).lines().filter(l -> !l.isBlank()).count();
    }

    @Test
    void aShellOnATtyExecIsSizedResizedOutlivesTheClosedExecAndDiesByTheGuard() throws Exception {
        String id = running();
        var out = new SyncBuffer();
        Terminal terminal = runtime.openTerminal(id, new TerminalRequest(
                TerminalScripts.wrapper(null, null, null, 80, 24), 80, 24), out);
        long sid = session(out);

        terminal.write("tty; stty size; echo \"[$TERM]\"\n".getBytes(StandardCharsets.US_ASCII));
        await().atMost(Duration.ofSeconds(30)).until(() -> out.text().contains("24 80\r\n") && out.text().contains("[xterm-256color]"));
        assertThat(out.text()).containsPattern("/dev/pts/[0-9]+\r\n");
        terminal.resize(100, 30);
        terminal.write("stty size\n".getBytes(StandardCharsets.US_ASCII));
        await().atMost(Duration.ofSeconds(30)).until(() -> out.text().contains("30 100\r\n"));

        terminal.write("sleep 3601 & (trap '' HUP; exec sleep 3602) &\n".getBytes(StandardCharsets.US_ASCII));
        await().atMost(Duration.ofSeconds(30)).until(() -> members(id, sid) == 3);
        terminal.close();
        // the finding the guard exists for: nothing in the pod ends with the exec
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> members(id, sid) == 3);

        try (SandboxRuntime.Channel guard = runtime.openChannel(id, TerminalScripts.guard(sid), OutputStream.nullOutputStream())) {
            guard.stdin().write('\n');
            guard.stdin().flush();
            assertThat(guard.exitCode().get(30, TimeUnit.SECONDS)).isZero();
        }
        assertThat(members(id, sid)).isZero();
    }

    @Test
    void aGuardWhoseExecConnectionClosesKillsTheSession() throws Exception {
        String id = running();
        var out = new SyncBuffer();
        try (Terminal terminal = runtime.openTerminal(id, new TerminalRequest(
                TerminalScripts.wrapper(null, null, "sleep 3603", 80, 24), 80, 24), out)) {
            long sid = session(out);
            SandboxRuntime.Channel guard = runtime.openChannel(id, TerminalScripts.guard(sid), OutputStream.nullOutputStream());
            await().atMost(Duration.ofSeconds(30)).until(() -> members(id, sid) >= 1);

            // as when the scheduler dies: the kubelet ends the guard's stdin, the guard kills the session
            guard.close();

            await().atMost(Duration.ofSeconds(30)).until(() -> members(id, sid) == 0);
            assertThat(terminal.exitCode().get(30, TimeUnit.SECONDS)).isEqualTo(128 + 9);
        }
    }

    @Test
    void aShellThatExitsLeavingABackgroundJobOnTheTerminalEndsTheExecAtOnce() throws Exception {
        String id = running();
        var out = new SyncBuffer();
        long start = System.nanoTime();
        try (Terminal terminal = runtime.openTerminal(id, new TerminalRequest(
                TerminalScripts.wrapper(null, null, "sleep 3604 & exit 3", 80, 24), 80, 24), out)) {
            assertThat(terminal.exitCode().get(60, TimeUnit.SECONDS)).isEqualTo(3);
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("tty exec with a background job on the terminal ended after " + ms + " ms");
        assertThat(ms).isLessThan(20_000);
    }

    @Test
    void anotherUserGetsALoginShellOnTheTerminalInTheSameSession() throws Exception {
        String id = running();
        var out = new SyncBuffer();
        try (Terminal terminal = runtime.openTerminal(id, new TerminalRequest(
                TerminalScripts.wrapper(null, "user", null, 80, 24), 80, 24), out)) {
            long sid = session(out);
            terminal.write("echo \"[$(id -un)]\"; tty; sleep 3605 &\n".getBytes(StandardCharsets.US_ASCII));
            await().atMost(Duration.ofSeconds(30)).until(() -> out.text().contains("[user]\r\n"));
            await().atMost(Duration.ofSeconds(30)).until(() -> out.text().contains("/dev/pts/"));
            // runuser stays in the terminal's session (it does not setsid without -c), so the guard reaches its shell
            await().atMost(Duration.ofSeconds(30)).until(() -> members(id, sid) >= 3);
            try (SandboxRuntime.Channel guard = runtime.openChannel(id, TerminalScripts.guard(sid), OutputStream.nullOutputStream())) {
                guard.stdin().write('\n');
                guard.stdin().flush();
                assertThat(guard.exitCode().get(30, TimeUnit.SECONDS)).isZero();
            }
            var ps = new ByteArrayOutputStream();
            try (ExecHandle e = runtime.exec(id, new ExecRequest(List.of("sh", "-c", "ps -eo pid,sid,user,args"), null, null, null, 10_000), ps, ps)) {
                e.exitCode().get(30, TimeUnit.SECONDS);
            }
            assertThat(ps.toString()).doesNotContain("sleep 3605");
        }
    }

    /** Written by the client's threads, read by the test. */
    static final class SyncBuffer extends ByteArrayOutputStream {
        synchronized String text() {
            return toString(StandardCharsets.UTF_8);
        }
    }
}
