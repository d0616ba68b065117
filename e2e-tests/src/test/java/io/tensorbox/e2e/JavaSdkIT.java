package io.tensorbox.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.tensorbox.sdk.ApiKeyInfo;
import io.tensorbox.sdk.ApiKeys;
import io.tensorbox.sdk.AuthenticationException;
import io.tensorbox.sdk.CommandExitException;
import io.tensorbox.sdk.CommandHandle;
import io.tensorbox.sdk.CommandOptions;
import io.tensorbox.sdk.CommandResult;
import io.tensorbox.sdk.Commands;
import io.tensorbox.sdk.ConflictException;
import io.tensorbox.sdk.ConnectionConfig;
import io.tensorbox.sdk.CreatedApiKey;
import io.tensorbox.sdk.EntryInfo;
import io.tensorbox.sdk.FileOptions;
import io.tensorbox.sdk.FilesystemEvent;
import io.tensorbox.sdk.ForbiddenException;
import io.tensorbox.sdk.NotFoundException;
import io.tensorbox.sdk.ProcessInfo;
import io.tensorbox.sdk.ProcessView;
import io.tensorbox.sdk.RequestTimeoutException;
import io.tensorbox.sdk.Sandbox;
import io.tensorbox.sdk.SandboxInfo;
import io.tensorbox.sdk.SandboxOptions;
import io.tensorbox.sdk.TensorBoxException;
import io.tensorbox.sdk.Terminal;
import io.tensorbox.sdk.TerminalOptions;
import io.tensorbox.sdk.WatchHandle;
import io.tensorbox.sdk.WriteInfo;

/**
 * The Java SDK (sdk/java, issue 9, SPEC §7 and seed 003) against the running platform: every public
 * method once, with what it must show on the wire's behalf — stdout and stderr apart, callbacks that
 * fire while the command still runs, background handles that outlive a disconnect, stdin, the
 * processes API, keys, a real terminal, and typed errors carrying the server's message.
 */
@TensorBoxTest
class JavaSdkIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static Sandbox shared;

    private static ConnectionConfig config(String key) {
        return ConnectionConfig.builder().environment(Map.of()).apiUrl(Api.cluster().apiUrl()).apiKey(key)
                .requestTimeout(Duration.ofSeconds(20)).build();
    }

    private static ConnectionConfig developer() {
        return config(Api.developer());
    }

    private static Sandbox create(ConnectionConfig config, SandboxOptions.Builder options) {
        Sandbox sandbox = Sandbox.create(options.config(config).build());
        Sandboxes.track(Api.admin(), sandbox.id()); // deleted after the class even when a test fails
        return sandbox;
    }

    /** One sandbox, made by the SDK, for the tests that do not depend on what else runs in it. */
    private static synchronized Sandbox sandbox() {
        if (shared == null) {
            shared = create(developer(), SandboxOptions.builder());
        }
        return shared;
    }

    @AfterAll
    static void killShared() {
        if (shared != null) {
            assertTrue(shared.kill(), "the shared sandbox was deleted");
        }
    }

    /** A file name no other test uses: the gate a command waits on. */
    private static String gate() {
        return "gate-" + UUID.randomUUID();
    }

    /** A shell line that prints {@code before}, waits until {@code gate} exists, then prints {@code after}. */
    private static String waitingOn(String gate, String before, String after) {
        return "echo " + before + "; i=0; while [ ! -e " + gate + " ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i+1)); done; echo "
                + after;
    }

    private static void open(Sandbox sandbox, String gate) {
        sandbox.commands().run("touch " + gate).check();
    }

    private static String take(BlockingQueue<String> chunks, String what) throws InterruptedException {
        String chunk = chunks.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(chunk, () -> "no " + what + " within " + WAIT);
        return chunk;
    }

    // ---- sandboxes

    @Test
    void createConnectInfoListSetTimeoutHostAndKill() {
        Sandbox sandbox = create(developer(), SandboxOptions.builder().template("base").timeout(Duration.ofMinutes(5))
                .metadata(Map.of("suite", "java-sdk")).envs(Map.of("SBX_WIDE", "from-create")));
        assertTrue(sandbox.id().matches(Api.SANDBOX_ID), sandbox.id());
        assertEquals(sandbox.id(), sandbox.sandboxId());
        assertNotNull(sandbox.accessToken(), "create keeps the access token");
        assertEquals(Api.cluster().apiUrl() + "/v1/sandboxes/" + sandbox.id(), sandbox.runtimeUrl());

        SandboxInfo info = sandbox.getInfo();
        assertEquals(sandbox.id(), info.id());
        assertEquals("base", info.template());
        assertEquals(Map.of("suite", "java-sdk"), info.metadata());
        long now = Instant.now().getEpochSecond();
        assertTrue(Math.abs(info.createdAt() - now) < 120, info::toString);
        assertTrue(Math.abs(info.expiresAt() - (info.createdAt() + 300)) <= 5, info::toString);
        if (!"running".equals(info.state())) {
            await("running").atMost(WAIT).until(() -> sandbox.getInfo().state(), "running"::equals);
        }

        assertEquals("from-create\n", sandbox.commands().run("echo $SBX_WIDE").stdout(), "the sandbox's envs reach commands");
        assertTrue(Sandbox.list(developer()).stream().anyMatch(s -> s.id().equals(sandbox.id())));
        assertTrue(Sandbox.list("running", developer()).stream().anyMatch(s -> s.id().equals(sandbox.id())));
        assertTrue(Sandbox.list("stopped", developer()).stream().noneMatch(s -> s.id().equals(sandbox.id())));

        SandboxInfo extended = sandbox.setTimeout(Duration.ofMinutes(20));
        assertTrue(Math.abs(extended.expiresAt() - (Instant.now().getEpochSecond() + 1200)) <= 5, extended::toString);
        assertEquals(extended.expiresAt(), sandbox.getInfo().expiresAt());

        String host = java.net.URI.create(Api.cluster().apiUrl()).getHost();
        assertEquals("3000-" + sandbox.id().replace('_', '-') + "." + host, sandbox.getHost(3000));
        Sandbox withDomain = Sandbox.connect(sandbox.id(), developer().toBuilder().domain("tensorbox.example").build());
        assertEquals("8080-" + sandbox.id().replace('_', '-') + ".tensorbox.example", withDomain.getHost(8080));
        assertNull(withDomain.accessToken(), "connect has no token: the server hands it out on create only");
        assertEquals("via-key\n", withDomain.commands().run("echo via-key").stdout());

        assertTrue(sandbox.kill());
        assertEquals("stopped", Sandbox.connect(sandbox.id(), developer()).getInfo().state());
        assertFalse(Sandbox.kill("sbx_" + "0".repeat(24), developer()), "an unknown sandbox is false, not an error");
    }

    @Test
    void theAccessTokenOfCreateCarriesTheRuntimeCalls() {
        ApiKeys keys = ApiKeys.of(config(Api.admin()));
        CreatedApiKey key = keys.create("java-sdk-token", "developer");
        Sandbox sandbox = create(config(key.key()), SandboxOptions.builder());
        keys.revoke(key.id());
        // the key is refused at once, the sandbox's own token still runs commands
        AuthenticationException refused = assertThrows(AuthenticationException.class, sandbox::getInfo);
        assertEquals(401, refused.status());
        assertEquals("token\n", sandbox.commands().run("echo token").stdout());
        CommandHandle handle = sandbox.commands().runBackground("echo bg");
        assertEquals("bg\n", handle.waitFor().stdout());
        assertTrue(Sandbox.kill(sandbox.id(), config(Api.admin())));
    }

    // ---- commands.run

    @Test
    void runSeparatesStdoutFromStderrAndAnExitCodeIsAResult() {
        Commands commands = sandbox().commands();
        CommandResult r = commands.run("echo out; echo err >&2; exit 3");
        assertEquals("out\n", r.stdout());
        assertEquals("err\n", r.stderr());
        assertEquals(3, r.exitCode());
        assertFalse(r.timedOut());
        assertFalse(r.truncated());
        assertTrue(r.durationMs() >= 0 && r.durationMs() < 10_000, r::toString);
        CommandExitException failed = assertThrows(CommandExitException.class, r::check);
        assertSame(r, failed.result());

        CommandResult ok = commands.run("echo fine").check();
        assertEquals(new CommandResult("fine\n", "", 0, false, ok.durationMs(), false), ok);

        CommandResult missing = commands.run("no-such-command-xyz");
        assertEquals(127, missing.exitCode(), missing::toString);
        assertFalse(missing.stderr().isEmpty(), missing::toString);
    }

    @Test
    void seed003PythonPrintsTwo() {
        Commands commands = sandbox().commands();
        Assumptions.assumeTrue(commands.run("command -v python3").exitCode() == 0, "no python3 on this runtime");
        CommandResult r = commands.run("python3 -c \"print(1 + 1)\"");
        assertEquals("2\n", r.stdout());
        assertEquals("", r.stderr());
        assertEquals(0, r.exitCode());
    }

    @Test
    void runHonoursCwdEnvsUserAndStdin() {
        Commands commands = sandbox().commands();
        commands.run("mkdir -p java-sdk/cwd").check();
        CommandResult r = commands.run("pwd; echo \"$A-$B\"; id -u", CommandOptions.builder()
                .cwd("java-sdk/cwd").envs(Map.of("A", "one", "B", "two words")).user("user").build());
        String[] lines = r.check().stdout().split("\n");
        assertTrue(lines[0].endsWith("/java-sdk/cwd"), r::toString);
        assertEquals("one-two words", lines[1], r::toString);
        assertEquals(commands.run("id -u").stdout().trim(), lines[2], "user 'user' is the default user");

        CommandResult in = commands.run("cat; echo; wc -c", CommandOptions.builder().stdin("fed on stdin").build());
        assertEquals("fed on stdin\n0\n", in.stdout(), "stdin is the data then its end");

        TensorBoxException badCwd = assertThrows(io.tensorbox.sdk.InvalidArgumentException.class,
                () -> commands.run("true", CommandOptions.builder().cwd("java-sdk/absent").build()));
        assertEquals(400, badCwd.status());
        assertFalse(badCwd.getMessage().isBlank());
    }

    @Test
    void aTimeoutKillsTheCommandWithMinusOne() {
        long t0 = System.nanoTime();
        CommandResult r = sandbox().commands().run("echo started; sleep 20; echo never",
                CommandOptions.builder().timeoutMs(500).build());
        assertTrue(r.timedOut(), r::toString);
        assertEquals(-1, r.exitCode(), r::toString);
        assertEquals("started\n", r.stdout());
        assertTrue(Duration.ofNanos(System.nanoTime() - t0).compareTo(Duration.ofSeconds(10)) < 0, "killed at its deadline");
    }

    @Test
    void callbacksFireWhileTheCommandStillRuns() throws Exception {
        Sandbox sandbox = sandbox();
        String gate = gate();
        BlockingQueue<String> out = new LinkedBlockingQueue<>();
        BlockingQueue<String> err = new LinkedBlockingQueue<>();
        CompletableFuture<CommandResult> run = CompletableFuture.supplyAsync(() -> sandbox.commands().run(
                "echo warn >&2; " + waitingOn(gate, "ready", "done"),
                CommandOptions.builder().onStdout(out::add).onStderr(err::add).build()));
        assertEquals("warn\n", take(err, "stderr chunk"));
        assertEquals("ready\n", take(out, "stdout chunk"));
        assertFalse(run.isDone(), "the chunks came while the command waits on its gate");
        open(sandbox, gate);
        CommandResult r = run.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals("ready\ndone\n", r.stdout());
        assertEquals("warn\n", r.stderr());
        assertEquals("done\n", take(out, "the last stdout chunk"));
        assertEquals(0, r.exitCode());
    }

    @Test
    void theRequestTimeoutBoundsTheAnswerNotTheCommand() throws Exception {
        CommandResult slow = sandbox().commands().run("sleep 1; echo late",
                CommandOptions.builder().requestTimeoutMs(400).build());
        assertEquals("late\n", slow.stdout(), "a command longer than requestTimeoutMs still completes");

        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ConnectionConfig nowhere = ConnectionConfig.builder().environment(Map.of())
                    .apiUrl("http://127.0.0.1:" + silent.getLocalPort()).apiKey("ask_a_b")
                    .requestTimeout(Duration.ofMillis(300)).build();
            long t0 = System.nanoTime();
            RequestTimeoutException e = assertThrows(RequestTimeoutException.class, () -> Sandbox.list(nowhere));
            assertEquals("request_timeout", e.code());
            assertTrue(Duration.ofNanos(System.nanoTime() - t0).compareTo(Duration.ofSeconds(5)) < 0);
        }
    }

    // ---- background commands

    @Test
    void aBackgroundHandleStreamsFromTheStartAndWaits() throws Exception {
        Sandbox sandbox = sandbox();
        String gate = gate();
        BlockingQueue<String> out = new LinkedBlockingQueue<>();
        CommandHandle handle = sandbox.commands().runBackground(
                "echo to-stderr >&2; " + waitingOn(gate, "one", "two") + "; exit 4",
                CommandOptions.builder().onStdout(out::add).build());
        assertTrue(handle.pid() > 0, handle::toString);
        assertTrue(handle.processId().matches(Api.PROCESS_ID), handle::toString);
        StringBuilder seen = new StringBuilder();
        while (!seen.toString().contains("one\n")) {
            seen.append(take(out, "output before the gate"));
        }
        assertTrue(seen.toString().contains("to-stderr\n"), "background output is stdout and stderr merged: " + seen);
        assertFalse(handle.result().isDone());
        assertEquals(seen.toString(), handle.stdout());

        List<ProcessInfo> running = sandbox.commands().list();
        ProcessInfo mine = running.stream().filter(p -> p.pid() == handle.pid()).findFirst().orElseThrow(
                () -> new AssertionError("list() has " + handle + ": " + running));
        assertEquals(handle.processId(), mine.processId());
        assertEquals("running", mine.status());
        assertNull(mine.exitCode());
        assertTrue(mine.cmd().contains("echo one"), mine::toString);

        open(sandbox, gate);
        CommandResult r = handle.waitFor();
        assertEquals(4, r.exitCode());
        assertEquals("", r.stderr());
        assertTrue(r.stdout().endsWith("one\ntwo\n") && r.stdout().contains("to-stderr\n"), r::toString);
        assertSame(r, handle.result().get());
        assertTrue(sandbox.commands().list().stream().noneMatch(p -> p.pid() == handle.pid()), "list() has running ones only");
        assertTrue(sandbox.commands().list(true).stream().anyMatch(p -> p.pid() == handle.pid()
                && Integer.valueOf(4).equals(p.exitCode())), "list(true) keeps the ended ones");
    }

    @Test
    void killAndSignalEndABackgroundCommandWithMinusOne() {
        Commands commands = sandbox().commands();
        CommandHandle killed = commands.runBackground("sleep 30");
        assertTrue(killed.kill());
        assertEquals(-1, killed.waitFor().exitCode());
        assertTrue(commands.kill(killed.pid()), "an ended command answers a kill with success");
        assertFalse(commands.kill(999_999), "an unknown pid is false, not an error");

        CommandHandle termed = commands.runBackground("sleep 30");
        commands.signal(termed.pid(), "SIGTERM");
        assertEquals(-1, termed.waitFor().exitCode());
    }

    @Test
    void disconnectLeavesTheCommandRunningAndConnectPicksItUp() throws Exception {
        Sandbox sandbox = sandbox();
        String gate = gate();
        BlockingQueue<String> first = new LinkedBlockingQueue<>();
        CommandHandle handle = sandbox.commands().runBackground(waitingOn(gate, "before", "after"),
                CommandOptions.builder().onStdout(first::add).build());
        assertEquals("before\n", take(first, "the first line"));
        handle.disconnect();
        TensorBoxException disconnected = assertThrows(TensorBoxException.class, handle::waitFor);
        assertEquals("disconnected", disconnected.code());
        assertTrue(sandbox.commands().list().stream().anyMatch(p -> p.pid() == handle.pid()), "still running");

        BlockingQueue<String> second = new LinkedBlockingQueue<>();
        CommandHandle again = sandbox.commands().connect(handle.pid(), CommandOptions.builder().onStdout(second::add).build());
        assertEquals(handle.pid(), again.pid());
        open(sandbox, gate);
        CommandResult r = again.waitFor();
        assertEquals(0, r.exitCode());
        assertEquals("after\n", r.stdout(), "connect streams from the current end");
        assertEquals("after\n", take(second, "output after connect"));
        assertTrue(first.isEmpty(), "a disconnected handle gets nothing more: " + first);

        NotFoundException unknown = assertThrows(NotFoundException.class, () -> sandbox.commands().connect(999_999));
        assertEquals("process_not_found", unknown.code());
    }

    @Test
    void stdinReachesCatAndClosingItEndsCat() {
        Commands commands = sandbox().commands();
        CommandHandle cat = commands.runBackground("cat");
        commands.sendStdin(cat.pid(), "hello\n");
        await("cat echoes").atMost(WAIT).until(() -> cat.stdout().equals("hello\n"));
        commands.sendStdin(cat.pid(), "again\n");
        commands.closeStdin(cat.pid());
        CommandResult r = cat.waitFor();
        assertEquals(0, r.exitCode());
        assertEquals("hello\nagain\n", r.stdout());
        ConflictException ended = assertThrows(ConflictException.class, () -> commands.sendStdin(cat.pid(), "late\n"));
        assertEquals(409, ended.status());
    }

    // ---- processes API (seed 000)

    @Test
    void processesStartListGetLogsFollowAndKill() {
        Sandbox sandbox = sandbox();
        sandbox.commands().run("mkdir -p java-sdk/proc").check();
        ProcessView started = sandbox.processes().start(List.of("sh", "-c", "echo p1; echo p2 >&2; echo $X; pwd"),
                List.of("X=ex"), "java-sdk/proc");
        assertTrue(started.id().matches(Api.PROCESS_ID), started::toString);
        assertEquals(sandbox.id(), started.sandboxId());
        assertEquals(List.of("sh", "-c", "echo p1; echo p2 >&2; echo $X; pwd"), started.command());
        assertTrue(started.pid() > 0);

        StringBuilder followed = new StringBuilder();
        sandbox.processes().follow(started.id(), followed::append); // returns when the process ended
        assertTrue(followed.toString().startsWith("p1\n"), followed::toString);
        assertTrue(followed.toString().contains("p2\nex\n") && followed.toString().endsWith("/java-sdk/proc\n"),
                followed::toString);
        assertEquals(followed.toString(), sandbox.processes().logs(started.id()));

        ProcessView ended = await("exit recorded").atMost(WAIT)
                .until(() -> sandbox.processes().get(started.id()), p -> !"running".equals(p.state()));
        assertEquals("exited", ended.state());
        assertEquals(0, ended.exitCode());
        assertTrue(ended.exitedAt() >= ended.startedAt() && ended.startedAt() > 0, ended::toString);
        assertTrue(sandbox.processes().list().stream().anyMatch(p -> p.id().equals(started.id())));

        ProcessView sleeper = sandbox.processes().start(List.of("sleep", "30"));
        sandbox.processes().kill(sleeper.id());
        ProcessView killed = await("killed").atMost(WAIT)
                .until(() -> sandbox.processes().get(sleeper.id()), p -> !"running".equals(p.state()));
        assertEquals("killed", killed.state());
        assertEquals(-1, killed.exitCode());

        assertThrows(NotFoundException.class, () -> sandbox.processes().get("proc_" + "0".repeat(24)));
    }

    // ---- keys and roles

    @Test
    void keysCreateListRevokeAndAViewerCannotRunCommands() {
        ApiKeys keys = ApiKeys.of(config(Api.admin()));
        CreatedApiKey viewer = keys.create("java-sdk-viewer", "viewer");
        assertEquals("java-sdk-viewer", viewer.name());
        assertEquals("viewer", viewer.role());
        assertTrue(viewer.key().startsWith("ask_"), viewer::toString);
        assertTrue(viewer.createdAt() > 0);
        ApiKeyInfo listed = keys.list().stream().filter(k -> k.id().equals(viewer.id())).findFirst()
                .orElseThrow(() -> new AssertionError("the new key is listed"));
        assertEquals(new ApiKeyInfo(viewer.id(), viewer.name(), viewer.role(), viewer.team(), viewer.createdAt()), listed);

        Sandbox asViewer = Sandbox.connect(sandbox().id(), config(viewer.key()));
        assertEquals(sandbox().id(), asViewer.getInfo().id(), "a viewer may read");
        ForbiddenException forbidden = assertThrows(ForbiddenException.class, () -> asViewer.commands().run("echo no"));
        assertEquals(403, forbidden.status());
        assertEquals(serverMessage(viewer.key(), "POST", "/v1/sandboxes/" + sandbox().id() + "/run"), forbidden.getMessage());
        assertFalse(forbidden.getMessage().isBlank());
        assertThrows(ForbiddenException.class, () -> ApiKeys.of(config(viewer.key())).create("x", "admin"));

        keys.revoke(viewer.id());
        assertTrue(keys.list().stream().noneMatch(k -> k.id().equals(viewer.id())));
        assertThrows(AuthenticationException.class, asViewer::getInfo);
        assertThrows(NotFoundException.class, () -> keys.revoke(viewer.id()));
    }

    // ---- terminal

    @Test
    void theTerminalIsARealTtyThatResizesAndExits() {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int[] exitSeen = {Integer.MIN_VALUE};
        Terminal terminal = sandbox().openTerminal(TerminalOptions.builder().cols(80).rows(24).build(),
                new io.tensorbox.sdk.TerminalListener() {
                    @Override
                    public void onOutput(byte[] data) {
                        synchronized (output) {
                            output.writeBytes(data);
                        }
                    }

                    @Override
                    public void onExit(int exitCode) {
                        exitSeen[0] = exitCode;
                    }
                });
        try {
            terminal.write("echo T-$(tty)-T\r".getBytes(StandardCharsets.UTF_8));
            Matcher tty = awaitOutput(output, Pattern.compile("T-(/dev/pts/[0-9]+)-T"));
            assertTrue(tty.group(1).startsWith("/dev/pts/"));
            terminal.resize(132, 41);
            int[] asked = {0};
            await("stty size after a resize").atMost(WAIT).pollInterval(Duration.ofMillis(300)).until(() -> {
                terminal.write("echo R" + ++asked[0] + "-$(stty size)-R\r");
                return Pattern.compile("R[0-9]+-41 132-R").matcher(text(output)).find();
            });
            terminal.write("exit 7\r");
            assertEquals(7, terminal.exitCode().get(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertEquals(7, exitSeen[0]);
        } catch (Exception e) {
            throw new AssertionError("terminal output: " + text(output), e);
        } finally {
            terminal.close();
        }
    }

    private static String text(ByteArrayOutputStream output) {
        synchronized (output) {
            return output.toString(StandardCharsets.UTF_8);
        }
    }

    private static Matcher awaitOutput(ByteArrayOutputStream output, Pattern pattern) {
        return await(pattern.pattern()).atMost(WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> pattern.matcher(text(output)), Matcher::find);
    }

    // ---- errors

    // ---- files

    private static String sha256InSandbox(Sandbox sandbox, String path) {
        return sandbox.commands().run("sha256sum " + path).check().stdout().split(" ")[0];
    }

    private static String hex(byte[] digest) {
        return java.util.HexFormat.of().formatHex(digest);
    }

    @Test
    void filesTextAndBinaryRoundTripByteForByte() {
        Sandbox sandbox = sandbox();
        String dir = "rt-" + UUID.randomUUID();
        String text = "héllo 世界 ✓\nsecond line\n";
        WriteInfo info = sandbox.files().write(dir + "/hello.txt", text);
        assertEquals("hello.txt", info.name());
        assertEquals("file", info.type());
        assertEquals(text.getBytes(StandardCharsets.UTF_8).length, info.size());
        assertTrue(info.path().startsWith("/") && info.path().endsWith("/" + dir + "/hello.txt"), info::path);
        assertEquals(text, sandbox.files().read(dir + "/hello.txt"));
        assertEquals(text, sandbox.commands().run("cat " + dir + "/hello.txt").stdout());

        byte[] data = new byte[70_000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7 + (i >> 8)); // every byte value, invalid UTF-8
        }
        sandbox.files().write(dir + "/data.bin", data, FileOptions.defaults().withUser("user"));
        assertArrayEquals(data, sandbox.files().readBytes(dir + "/data.bin"));
        assertEquals(hex(sha256(data)), sha256InSandbox(sandbox, dir + "/data.bin"));
        sandbox.files().write(dir + "/from-stream.bin", new java.io.ByteArrayInputStream(data));
        assertArrayEquals(data, sandbox.files().readBytes(dir + "/from-stream.bin"));

        sandbox.files().write(dir + "/hello.txt", "short".getBytes(StandardCharsets.UTF_8)); // replaced, not appended
        assertEquals("short", sandbox.files().read(dir + "/hello.txt"));
        sandbox.files().write(dir + "/empty", new byte[0]);
        assertEquals(0, sandbox.files().readBytes(dir + "/empty").length);

        NotFoundException missing = assertThrows(NotFoundException.class, () -> sandbox.files().read(dir + "/nope.txt"));
        assertEquals("file_not_found", missing.code());
    }

    private static byte[] sha256(byte[] data) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void filesTwentyMebibytesStreamedUpAndDown() throws Exception {
        Sandbox sandbox = sandbox();
        String path = "big-" + UUID.randomUUID() + "/file.bin";
        int size = 20 << 20;
        int chunk = 256 << 10;
        byte[] seed = new byte[chunk];
        new java.util.Random(42).nextBytes(seed);
        java.security.MessageDigest sent = java.security.MessageDigest.getInstance("SHA-256");
        java.io.InputStream upload = new java.io.InputStream() { // made as it is read: never whole in memory
            private int produced;
            private int offset = chunk;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (offset == chunk) {
                    if (produced == size) {
                        return -1;
                    }
                    seed[0] = (byte) (produced / chunk); // every chunk differs
                    sent.update(seed);
                    produced += chunk;
                    offset = 0;
                }
                int n = Math.min(len, chunk - offset);
                System.arraycopy(seed, offset, b, off, n);
                offset += n;
                return n;
            }
        };
        assertEquals(size, sandbox.files().write(path, upload).size());
        String expected = hex(sent.digest());
        assertEquals(expected, sha256InSandbox(sandbox, path));

        java.security.MessageDigest got = java.security.MessageDigest.getInstance("SHA-256");
        long total = 0;
        try (java.io.InputStream in = sandbox.files().readStream(path)) {
            byte[] buf = new byte[64 << 10];
            for (int n; (n = in.read(buf)) >= 0;) {
                got.update(buf, 0, n);
                total += n;
            }
        }
        assertEquals(size, total);
        assertEquals(expected, hex(got.digest()));
        assertEquals(size, sandbox.files().getInfo(path).size());
    }

    @Test
    void filesListWithDepthExistsAndGetInfo() {
        Sandbox sandbox = sandbox();
        String dir = "lst-" + UUID.randomUUID();
        sandbox.commands().run("mkdir -p " + dir + "/a/b && echo top > " + dir + "/top.txt && echo mid > " + dir
                + "/a/mid.txt && echo deep > " + dir + "/a/b/deep.txt && ln -sf top.txt " + dir + "/link").check();
        List<EntryInfo> one = sandbox.files().list(dir);
        assertEquals(List.of("a:dir", "link:symlink", "top.txt:file"), one.stream().map(e -> e.name() + ":" + e.type()).toList());
        List<String> deep = sandbox.files().list(dir, 3).stream()
                .map(e -> e.path().substring(e.path().indexOf("/" + dir + "/") + dir.length() + 2)).toList();
        assertEquals(List.of("a", "a/b", "a/b/deep.txt", "a/mid.txt", "link", "top.txt"), deep);
        assertEquals(5, sandbox.files().list(dir, 2).size());

        assertTrue(sandbox.files().exists(dir + "/top.txt"));
        assertTrue(sandbox.files().exists(dir + "/a"));
        assertFalse(sandbox.files().exists(dir + "/none"));
        EntryInfo top = sandbox.files().getInfo(dir + "/top.txt");
        assertEquals("top.txt", top.name());
        assertEquals("file", top.type());
        assertEquals(4, top.size());
        assertTrue(top.mode().matches("0[0-7]{3}"), top::toString);
        assertTrue(top.permissions().matches("-[rwx-]{9}"), top::toString);
        assertFalse(top.owner().isBlank(), top::toString);
        assertTrue(Duration.between(top.modifiedAt(), Instant.now()).abs().toSeconds() < 120, top::toString);
        assertNull(top.symlinkTarget());
        assertTrue(sandbox.files().getInfo(dir + "/a").isDir());
        EntryInfo link = sandbox.files().getInfo(dir + "/link");
        assertEquals("symlink", link.type());
        assertTrue(link.symlinkTarget().endsWith("top.txt"), link::toString);
        assertThrows(NotFoundException.class, () -> sandbox.files().getInfo(dir + "/none"));
    }

    @Test
    void filesMakeDirRenameRemove() {
        Sandbox sandbox = sandbox();
        String dir = "mk-" + UUID.randomUUID();
        assertTrue(sandbox.files().makeDir(dir + "/x/y"));
        assertFalse(sandbox.files().makeDir(dir + "/x/y"));
        sandbox.files().write(dir + "/file", "f");
        assertThrows(ConflictException.class, () -> sandbox.files().makeDir(dir + "/file"));

        sandbox.files().write(dir + "/old.txt", "moved content");
        EntryInfo moved = sandbox.files().rename(dir + "/old.txt", dir + "/sub/new.txt");
        assertEquals("new.txt", moved.name());
        assertEquals("file", moved.type());
        assertTrue(moved.path().endsWith("/" + dir + "/sub/new.txt"), moved::toString);
        assertFalse(sandbox.files().exists(dir + "/old.txt"));
        assertEquals("moved content", sandbox.files().read(dir + "/sub/new.txt"));
        assertThrows(NotFoundException.class, () -> sandbox.files().rename(dir + "/old.txt", dir + "/again.txt"));

        sandbox.files().remove(dir + "/sub/new.txt");
        assertFalse(sandbox.files().exists(dir + "/sub/new.txt"));
        sandbox.files().remove(dir); // a directory, recursively
        assertEquals(1, sandbox.commands().run("test -e " + dir).exitCode());
        assertThrows(NotFoundException.class, () -> sandbox.files().remove(dir));
    }

    @Test
    void filesWatchDirSeesACreatedAndARemovedFileThenStops() throws Exception {
        Sandbox sandbox = sandbox();
        String dir = "watched-" + UUID.randomUUID();
        sandbox.files().makeDir(dir);
        BlockingQueue<FilesystemEvent> events = new LinkedBlockingQueue<>();
        CompletableFuture<Throwable> exit = new CompletableFuture<>();
        WatchHandle handle = sandbox.files().watchDir(dir, events::add, FileOptions.defaults(), exit::complete);
        try {
            sandbox.files().write(dir + "/new.txt", "hello");
            FilesystemEvent created = next(events, e -> e.type().equals("created") && e.name().equals("new.txt"));
            assertTrue(created.path().endsWith("/" + dir + "/new.txt"), created::toString);
            assertEquals("file", created.entryType());
            sandbox.files().remove(dir + "/new.txt");
            next(events, e -> e.type().equals("removed") && e.name().equals("new.txt"));
        } finally {
            handle.stop();
        }
        assertNull(exit.get(5, TimeUnit.SECONDS), "stop() ends the watch without an error");
        assertFalse(handle.isRunning());
        assertThrows(NotFoundException.class, () -> sandbox.files().watchDir(dir + "/none", e -> { }));
    }

    private static FilesystemEvent next(BlockingQueue<FilesystemEvent> events, java.util.function.Predicate<FilesystemEvent> match)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (;;) {
            FilesystemEvent e = events.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertNotNull(e, "no matching event within " + WAIT);
            if (match.test(e)) {
                return e;
            }
        }
    }


    @Test
    void errorsAreTypedAndCarryTheServersMessage() {
        String badKey = "ask_0000000000000000_" + "0".repeat(32);
        AuthenticationException auth = assertThrows(AuthenticationException.class, () -> Sandbox.list(config(badKey)));
        assertEquals(401, auth.status());
        assertEquals(serverMessage(badKey, "GET", "/v1/sandboxes"), auth.getMessage());
        assertFalse(auth.code().isBlank());

        String unknown = "sbx_" + "f".repeat(24);
        NotFoundException notFound = assertThrows(NotFoundException.class, () -> Sandbox.connect(unknown, developer()));
        assertEquals(404, notFound.status());
        assertEquals(serverMessage(Api.developer(), "GET", "/v1/sandboxes/" + unknown), notFound.getMessage());

        AuthenticationException noKey = assertThrows(AuthenticationException.class,
                () -> ConnectionConfig.builder().environment(Map.of()).apiUrl(Api.cluster().apiUrl()).build());
        assertTrue(noKey.getMessage().contains("TENSORBOX_API_KEY"), noKey::getMessage);
    }

    /** The message the server itself gives for this request (a POST carries a harmless command). */
    private static String serverMessage(String key, String method, String path) {
        io.restassured.response.Response r = method.equals("POST")
                ? Api.as(key).contentType(io.restassured.http.ContentType.JSON).body(Map.of("cmd", "echo no")).post(path)
                : Api.as(key).request(method, path);
        String message = r.jsonPath().getString("error.message");
        assertNotNull(message, r::asString);
        return message;
    }
}
