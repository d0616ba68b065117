package io.tensorbox.scheduler.terminal;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.tensorbox.common.Ids;
import io.tensorbox.common.internal.InternalToken;
import io.tensorbox.scheduler.InternalCalls;
import io.tensorbox.scheduler.process.FakeApiService;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * The terminal route on the local runtime: a real pty through the WebSocket, checked where it runs
 * (this host's {@code /proc}).
 */
@QuarkusTest
@QuarkusTestResource(FakeApiService.class)
class TerminalEndpointTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final Pattern PID = Pattern.compile("pid=([0-9]+)");

    String sandbox;

    @BeforeEach
    void createSandbox() {
        sandbox = InternalCalls.createRunningSandbox(Map.of());
    }

    @Test
    void ttyAnswersAPseudoTerminalThenTheExitMessageAndANormalClose() throws Exception {
        try (TerminalClient client = TerminalClient.open(sandbox, Map.of("cmd", "tty"))) {
            assertThat(client.exitMessage.get(30, TimeUnit.SECONDS)).isEqualTo("{\"type\":\"exit\",\"exit_code\":0}");
            assertThat(client.closeCode.get(30, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
            // the wrapper's header line is the scheduler's, never the client's
            assertThat(client.screen()).matches("/dev/pts/[0-9]+\r\n");
        }
    }

    @Test
    void aResizeChangesWhatSttySizePrints() throws Exception {
        try (TerminalClient client = TerminalClient.open(sandbox, Map.of("cmd", "stty size; read x; stty size"))) {
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(client.screen()).contains("24 80\r\n"));

            client.resize(100, 30);
            client.type("\n");

            assertThat(client.exitMessage.get(30, TimeUnit.SECONDS)).isEqualTo("{\"type\":\"exit\",\"exit_code\":0}");
            assertThat(client.screen()).endsWith("30 100\r\n");
        }
    }

    @Test
    void theDefaultIsALoginShellInTheWorkspaceWhoseExitCodeEndsTheTerminal() throws Exception {
        try (TerminalClient client = TerminalClient.open(sandbox, Map.of("cols", "120", "rows", "40"))) {
            // the typed line is echoed: what is looked for is only in the answers
            client.type("shopt -q login_shell && echo login-$((40+2)); echo \"[$TERM]\" \"[$PWD]\"; stty size; exit 3\n");

            assertThat(client.exitMessage.get(30, TimeUnit.SECONDS)).isEqualTo("{\"type\":\"exit\",\"exit_code\":3}");
            assertThat(client.screen()).contains("login-42\r\n")
                    .contains("[xterm-256color] [" + workspace() + "]\r\n")
                    .contains("40 120\r\n");
        }
    }

    @Test
    void cwdIsAbsoluteOrRelativeToTheWorkspace() throws Exception {
        Files.createDirectories(workspace().resolve("app/src"));
        try (TerminalClient relative = TerminalClient.open(sandbox, Map.of("cmd", "pwd", "cwd", "app/src"))) {
            relative.exitMessage.get(30, TimeUnit.SECONDS);
            assertThat(relative.screen()).isEqualTo(workspace().resolve("app/src") + "\r\n");
        }
        try (TerminalClient absolute = TerminalClient.open(sandbox, Map.of("cmd", "pwd", "cwd", "/tmp"))) {
            absolute.exitMessage.get(30, TimeUnit.SECONDS);
            assertThat(absolute.screen()).isEqualTo("/tmp\r\n");
        }
    }

    @Test
    void closingTheSocketKillsTheShellAndEverythingItStartedEvenWhatIgnoresHangups() throws Exception {
        String job = uniqueSleep();
        String deaf = uniqueSleep();
        long shell;
        try (TerminalClient client = TerminalClient.open(sandbox, Map.of())) {
            client.type("sleep " + job + " & (trap '' HUP; exec sleep " + deaf + ") & echo \"pid=$$\"\n");
            await().atMost(PATIENCE).until(() -> PID.matcher(client.screen()).find());
            Matcher m = PID.matcher(client.screen());
            assertThat(m.find()).isTrue();
            shell = Long.parseLong(m.group(1));
            await().atMost(PATIENCE).until(() -> sleeping(job) == 1 && sleeping(deaf) == 1);
            assertThat(alive(shell)).isTrue();

            client.abort();
        }

        await().atMost(PATIENCE).until(() -> !alive(shell) && sleeping(job) == 0 && sleeping(deaf) == 0);
    }

    @Test
    void deletingTheSandboxEndsItsTerminalWithTheExitOfAKilledShell() throws Exception {
        try (TerminalClient client = TerminalClient.open(sandbox, Map.of())) {
            client.type("echo \"pid=$$\"\n");
            await().atMost(PATIENCE).until(() -> PID.matcher(client.screen()).find());
            Matcher m = PID.matcher(client.screen());
            assertThat(m.find()).isTrue();
            long shell = Long.parseLong(m.group(1));

            InternalCalls.given().delete("/internal/v1/sandboxes/{id}", sandbox).then().statusCode(204);

            assertThat(client.exitMessage.get(30, TimeUnit.SECONDS)).isEqualTo("{\"type\":\"exit\",\"exit_code\":-1}");
            assertThat(client.closeCode.get(30, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
            assertThat(alive(shell)).isFalse();
        }
    }

    @Test
    void aTerminalThatFloodsASlowClientIsPausedInsteadOfBuffered() throws Exception {
        try (TerminalClient client = TerminalClient.open(sandbox, Map.of("cmd", "echo \"pid=$$\"; exec yes"))) {
            await().atMost(PATIENCE).until(() -> PID.matcher(client.screen()).find());
            Matcher m = PID.matcher(client.screen());
            assertThat(m.find()).isTrue();
            long yes = Long.parseLong(m.group(1));

            client.pause();
            // once every buffer on the way is full, yes blocks in its write: what it wrote stops growing
            AtomicLong last = new AtomicLong(-1);
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        long now = written(yes);
                        return last.getAndSet(now) == now;
                    });
            long stalled = written(yes);
            assertThat(stalled).isLessThan(64L << 20);

            client.resume();
            await().atMost(PATIENCE).until(() -> written(yes) > stalled + (1 << 20));

            client.abort();
            await().atMost(PATIENCE).until(() -> !alive(yes));
        }
    }

    @Test
    void badSizesAreRefusedBeforeTheUpgradeWithAJsonErrorNamingTheParameter() {
        for (Map<String, String> query : List.of(Map.of("cols", "0"), Map.of("cols", "1001"), Map.of("cols", "abc"),
                Map.of("cols", "-5"), Map.of("rows", "0"), Map.of("rows", "99999"))) {
            String name = query.keySet().iterator().next();
            upgrade(InternalCalls.given()).queryParams(query).get(path(sandbox))
                    .then().statusCode(400).contentType(ContentType.JSON)
                    .body("error.code", equalTo("invalid_request")).body("error.message", containsString(name));
        }
    }

    @Test
    void theLimitSizesAreAccepted() throws Exception {
        try (TerminalClient client = TerminalClient.open(sandbox, Map.of("cols", "1000", "rows", "1", "cmd", "stty size"))) {
            client.exitMessage.get(30, TimeUnit.SECONDS);
            assertThat(client.screen()).isEqualTo("1 1000\r\n");
        }
    }

    @Test
    void anUpgradeWithoutTheInternalTokenIsRefusedAndRunsNothing() throws Exception {
        Path ran = workspace().resolve("ran");
        String touch = "touch " + ran;

        WebSocketHandshakeException refused = handshakeFailure(HttpClient.newHttpClient().newWebSocketBuilder(), touch);
        assertThat(refused.getResponse().statusCode()).isEqualTo(401);
        WebSocketHandshakeException wrong = handshakeFailure(HttpClient.newHttpClient().newWebSocketBuilder()
                .header(InternalToken.HEADER, InternalCalls.TOKEN + "-wrong"), touch);
        assertThat(wrong.getResponse().statusCode()).isEqualTo(401);
        upgrade(RestAssured.given()).queryParam("cmd", touch).get(path(sandbox))
                .then().statusCode(401).contentType(ContentType.JSON).body("error.code", equalTo("unauthorized"));
        assertThat(ran).doesNotExist();

        try (TerminalClient client = TerminalClient.open(sandbox, Map.of("cmd", touch))) {
            client.exitMessage.get(30, TimeUnit.SECONDS);
        }
        assertThat(ran).exists();
    }

    @Test
    void aMissingSandboxCwdOrUserIsRefusedBeforeTheUpgrade() throws Exception {
        upgrade(InternalCalls.given()).get(path(Ids.newSandboxId()))
                .then().statusCode(404).contentType(ContentType.JSON).body("error.code", equalTo("sandbox_not_found"));
        upgrade(InternalCalls.given()).queryParam("cwd", "no/such/dir").get(path(sandbox))
                .then().statusCode(400).contentType(ContentType.JSON).body("error.code", equalTo("invalid_cwd"));
        upgrade(InternalCalls.given()).queryParam("user", "someone-else").get(path(sandbox))
                .then().statusCode(400).contentType(ContentType.JSON).body("error.code", equalTo("invalid_user"));
        try (TerminalClient client = TerminalClient.open(sandbox, Map.of("user", "user", "cmd", "exit 0"))) {
            assertThat(client.exitMessage.get(30, TimeUnit.SECONDS)).isEqualTo("{\"type\":\"exit\",\"exit_code\":0}");
        }
    }

    private WebSocketHandshakeException handshakeFailure(WebSocket.Builder builder, String cmd) {
        var attempt = builder.buildAsync(TerminalClient.uri(sandbox, Map.of("cmd", cmd)), new WebSocket.Listener() { });
        ExecutionException e = (ExecutionException) org.assertj.core.api.Assertions.catchThrowable(() -> attempt.get(30, TimeUnit.SECONDS));
        assertThat(e).isNotNull();
        assertThat(e.getCause()).isInstanceOf(WebSocketHandshakeException.class);
        return (WebSocketHandshakeException) e.getCause();
    }

    /** A WebSocket upgrade as plain HTTP, to read the refusal's body. */
    private static RequestSpecification upgrade(RequestSpecification given) {
        return given.header("Connection", "Upgrade").header("Upgrade", "websocket")
                .header("Sec-WebSocket-Version", "13").header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
    }

    private static String path(String sandbox) {
        return "/internal/v1/sandboxes/" + sandbox + "/terminal";
    }

    private Path workspace() {
        return FakeApiService.home.resolve("sandboxes").resolve(sandbox).resolve("workspace");
    }

    /** Bytes the process wrote so far ({@code wchar} of {@code /proc/<pid>/io}). */
    private static long written(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
            if (line.startsWith("wchar:")) {
                return Long.parseLong(line.substring("wchar:".length()).trim());
            }
        }
        throw new IllegalStateException("no wchar for " + pid);
    }

    /** Whether the process exists and is not a zombie. */
    private static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
            return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException gone) {
            return false;
        }
    }

    private static String uniqueSleep() {
        return "59." + ThreadLocalRandom.current().nextLong(100_000_000L, 1_000_000_000L);
    }

    /** How many live {@code sleep <duration>} processes run on this host. */
    private static long sleeping(String duration) throws IOException {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> {
                        try {
                            String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                            return List.of(cmdline.split("\0")).equals(List.of("sleep", duration));
                        } catch (IOException | RuntimeException gone) {
                            return false;
                        }
                    })
                    .count();
        }
    }
}
