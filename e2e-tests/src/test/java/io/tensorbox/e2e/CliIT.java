package io.tensorbox.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pty4j.PtyProcess;
import com.pty4j.PtyProcessBuilder;
import com.pty4j.WinSize;

/**
 * The {@code tensor-box} CLI (SPEC §7, issue 9) as a user runs it: the real launcher
 * {@code bin/tensor-box} as a child process against the harness platform, with
 * TENSORBOX_API_URL/TENSORBOX_API_KEY in its environment. Exec with each option, the exit codes,
 * {@code --json}, {@code --background}, output that streams while the command runs, sandboxes,
 * logs, keys, one-line errors, completion, and the terminal through a real pseudo-terminal (pty4j).
 */
@TensorBoxTest
class CliIT {
    private static final Duration CLI = Duration.ofSeconds(60);
    private static final Duration OUTPUT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = Path.of(System.getProperty("tensorbox.root", "..")).toAbsolutePath().normalize();
    private static final Path LAUNCHER = ROOT.resolve("bin/tensor-box");
    /** The launcher's start-up caches for this run, away from the user's home. */
    private static final Path CACHE = ROOT.resolve("e2e-tests/target/cli-cache");

    private static String shared;
    private static final List<PtyProcess> ptys = new ArrayList<>();

    /** One sandbox for the tests that do not depend on what else runs in it. */
    private static synchronized String sandbox() {
        if (shared == null) {
            shared = Api.newSandbox();
        }
        return shared;
    }

    @AfterAll
    static void closePtys() {
        ptys.forEach(p -> {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        });
    }

    // ---- running the launcher

    record Run(List<String> args, int exit, String stdout, String stderr) {
        String describe() {
            return "tensor-box " + String.join(" ", args) + " exited " + exit + "\n--- stdout:\n" + stdout + "\n--- stderr:\n" + stderr;
        }

        JsonNode json() {
            try {
                return JSON.readTree(stdout);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + describe(), e);
            }
        }

        /** The exactly-one line of an error, without its prefix. */
        String errorLine() {
            assertTrue(stderr.endsWith("\n") && stderr.indexOf('\n') == stderr.length() - 1,
                    () -> "one line on stderr: " + describe());
            assertTrue(stderr.startsWith("tensor-box: "), () -> "the line starts with 'tensor-box: ': " + describe());
            return stderr.substring("tensor-box: ".length(), stderr.length() - 1);
        }
    }

    private static Map<String, String> env(String key) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("TENSORBOX_API_URL", Api.cluster().apiUrl());
        if (key == null) {
            env.remove("TENSORBOX_API_KEY");
        } else {
            env.put("TENSORBOX_API_KEY", key);
        }
        env.put("XDG_CACHE_HOME", CACHE.toString());
        env.remove("TENSORBOX_DEBUG");
        return env;
    }

    private static ProcessBuilder builder(Map<String, String> env, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(LAUNCHER.toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        return pb;
    }

    private static Run cli(Map<String, String> env, String... args) {
        return cliWithInput(env, new byte[0], args);
    }

    private static Run cliWithInput(Map<String, String> env, byte[] input, String... args) {
        List<String> argv = List.of(args);
        try {
            Process p = builder(env, argv).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(input);
            }
            CompletableFuture<byte[]> out = drain(p.getInputStream());
            CompletableFuture<byte[]> err = drain(p.getErrorStream());
            if (!p.waitFor(CLI.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                fail("tensor-box " + argv + " still runs after " + CLI);
            }
            return new Run(argv, p.exitValue(), new String(out.join(), StandardCharsets.UTF_8),
                    new String(err.join(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("cannot run " + LAUNCHER, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** As the developer. */
    private static Run cli(String... args) {
        return cli(env(Api.developer()), args);
    }

    private static Run ok(Run r) {
        assertEquals(0, r.exit(), r::describe);
        return r;
    }

    /** Reads a stream to its end on a thread of its own (the common pool may have one thread here). */
    private static CompletableFuture<byte[]> drain(InputStream in) {
        return async(() -> {
            try (in) {
                return in.readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        });
    }

    private static <T> CompletableFuture<T> async(java.util.function.Supplier<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(work.get());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "cli-it-io");
        t.setDaemon(true);
        t.start();
        return f;
    }

    // ---- sandbox exec

    @Test
    void execSendsStdoutAndStderrApartAndExitsWithTheCommandsCode() {
        Run r = cli("sandbox", "exec", sandbox(), "echo out; echo err >&2; exit 3");
        assertEquals(3, r.exit(), r::describe);
        assertEquals("out\n", r.stdout(), r::describe);
        assertEquals("err\n", r.stderr(), r::describe);

        Run zero = cli("sandbox", "exec", sandbox(), "printf 'héllo ✓'");
        assertEquals(0, zero.exit(), zero::describe);
        assertEquals("héllo ✓", zero.stdout(), "UTF-8 as it is, whatever the locale: " + zero.describe());

        // several words are one command line, as with ssh; '--' lets the command have options
        Run words = cli("sandbox", "exec", sandbox(), "--", "echo", "-n", "a", "b");
        assertEquals("a b", words.stdout(), words::describe);
    }

    @Test
    void execOptionsReachTheCommand() {
        String dir = RuntimeApi.fresh("cli");
        RuntimeApi.runOk(sandbox(), "mkdir -p " + dir + "/sub");
        Run r = cli("sandbox", "exec", sandbox(), "pwd; echo \"$A|$B\"; id -un",
                "--cwd", dir + "/sub", "--env", "A=1", "--env", "B=x y=z", "--user", "user");
        ok(r);
        String[] lines = r.stdout().split("\n");
        assertTrue(lines[0].endsWith("/" + dir + "/sub"), r::describe);
        assertEquals("1|x y=z", lines[1], r::describe);
        assertEquals(RuntimeApi.defaultUser(), lines[2], r::describe);

        Run badCwd = cli("sandbox", "exec", sandbox(), "pwd", "--cwd", dir + "/missing");
        assertEquals(1, badCwd.exit(), badCwd::describe);
        assertTrue(badCwd.errorLine().contains("cwd"), badCwd::describe);

        Run badUser = cli("sandbox", "exec", sandbox(), "true", "--user", "no-such-user-cli");
        assertEquals(1, badUser.exit(), badUser::describe);
        assertTrue(badUser.errorLine().contains("no-such-user-cli"), badUser::describe);

        long start = System.nanoTime();
        Run timedOut = cli("sandbox", "exec", sandbox(), "echo before; sleep 30", "--timeout-ms", "500");
        assertEquals(124, timedOut.exit(), "killed at its deadline: 124, as timeout(1): " + timedOut.describe());
        assertEquals("before\n", timedOut.stdout(), timedOut::describe);
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(25).toNanos(), "the deadline ended it, not sleep");

        Run killed = cli("sandbox", "exec", sandbox(), "kill -9 $$");
        assertEquals(137, killed.exit(), "killed otherwise (exit_code -1): 137 " + killed.describe());

        Run stdin = cliWithInput(env(Api.developer()), "fed\nlines\n".getBytes(StandardCharsets.UTF_8),
                "sandbox", "exec", sandbox(), "cat; echo end", "--stdin");
        assertEquals("fed\nlines\nend\n", stdin.stdout(), "--stdin feeds our stdin and its end: " + stdin.describe());
    }

    @Test
    void execJsonPrintsOneResultObject() {
        Run r = cli("sandbox", "exec", sandbox(), "echo hi; echo oops >&2; exit 4", "--json");
        assertEquals(4, r.exit(), "--json exits with the command's code too: " + r.describe());
        assertEquals("", r.stderr(), r::describe);
        JsonNode json = r.json();
        assertEquals("hi\n", json.path("stdout").asText(), r::describe);
        assertEquals("oops\n", json.path("stderr").asText(), r::describe);
        assertEquals(4, json.path("exit_code").asInt(), r::describe);
        assertFalse(json.path("timed_out").asBoolean(true), r::describe);
        assertFalse(json.path("truncated").asBoolean(true), r::describe);
        assertTrue(json.path("duration_ms").isNumber(), r::describe);

        Run timedOut = cli("sandbox", "exec", sandbox(), "sleep 30", "--json", "--timeout-ms", "300");
        assertEquals(124, timedOut.exit(), timedOut::describe);
        assertTrue(timedOut.json().path("timed_out").asBoolean(), timedOut::describe);
        assertEquals(-1, timedOut.json().path("exit_code").asInt(), timedOut::describe);
    }

    @Test
    void execBackgroundPrintsThePidAtOnceAndTheCommandRunsOn() {
        String sandbox = sandbox();
        Run r = cli("sandbox", "exec", sandbox, "sleep 60", "--background");
        ok(r);
        assertTrue(r.stdout().matches("[0-9]+\n"), "only the pid: " + r.describe());
        int pid = Integer.parseInt(r.stdout().trim());
        List<Map<String, Object>> running = RuntimeApi.commands(Api.developer(), sandbox, false);
        assertTrue(running.stream().anyMatch(c -> ((Number) c.get("pid")).intValue() == pid),
                () -> "pid " + pid + " is a running command: " + running);
        assertEquals(204, RuntimeApi.kill(Api.developer(), sandbox, pid).statusCode());
        Awaitility.await("pid " + pid + " gone from the running commands").atMost(OUTPUT).pollInterval(Duration.ofMillis(100))
                .until(() -> RuntimeApi.commands(Api.developer(), sandbox, false).stream()
                        .noneMatch(c -> ((Number) c.get("pid")).intValue() == pid));

        Run json = cli("sandbox", "exec", sandbox, "sleep 60", "--background", "--json");
        ok(json);
        assertTrue(json.json().path("process_id").asText().matches(Api.PROCESS_ID), json::describe);
        assertTrue(json.json().path("pid").asInt() > 1, json::describe);
        assertEquals(204, RuntimeApi.kill(Api.developer(), sandbox, json.json().path("process_id").asText()).statusCode());
    }

    @Test
    void execOutputStreamsWhileTheCommandRuns() throws Exception {
        String sandbox = sandbox();
        String marker = RuntimeApi.fresh("cli-go");
        Process p = builder(env(Api.developer()), List.of("sandbox", "exec", sandbox,
                "echo first; while [ ! -e " + marker + " ]; do sleep 0.05; done; echo second; exit 5")).start();
        try {
            CompletableFuture<byte[]> err = drain(p.getErrorStream());
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<String> first = async(() -> readLine(out));
            assertEquals("first", first.get(OUTPUT.toSeconds(), TimeUnit.SECONDS),
                    "the first chunk is on our stdout while the command still waits for the marker");
            assertTrue(p.isAlive(), "the command has not ended");
            RuntimeApi.runOk(sandbox, "touch " + marker);
            assertEquals("second", async(() -> readLine(out)).get(OUTPUT.toSeconds(), TimeUnit.SECONDS));
            assertTrue(p.waitFor(OUTPUT.toSeconds(), TimeUnit.SECONDS));
            assertEquals(5, p.exitValue(), () -> new String(err.join(), StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
        }
    }

    private static String readLine(BufferedReader r) {
        try {
            return r.readLine();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    // ---- sandbox create, list, get, kill

    @Test
    void createListGetKillWithAndWithoutJson() {
        Run created = ok(cli("sandbox", "create", "--metadata", "suite=cli", "--metadata", "case=human", "--timeout", "300"));
        String id = created.stdout().trim();
        assertTrue(id.matches(Api.SANDBOX_ID), "create prints the id alone: " + created.describe());
        Sandboxes.track(Api.developer(), id);
        assertEquals("", created.stderr(), "no progress line when stderr is not a terminal: " + created.describe());
        JsonPathAssert.running(id);

        Run createdJson = ok(cli("sandbox", "create", "--json", "--env", "E=1", "--template", "base"));
        JsonNode cj = createdJson.json();
        String id2 = cj.path("id").asText();
        Sandboxes.track(Api.developer(), id2);
        assertTrue(id2.matches(Api.SANDBOX_ID), createdJson::describe);
        assertEquals("running", cj.path("state").asText(), "create waits until it runs: " + createdJson.describe());
        assertEquals("base", cj.path("template").asText(), createdJson::describe);
        assertTrue(cj.path("access_token").asText().startsWith("sat_"), "as create answers: " + createdJson.describe());
        assertTrue(cj.path("runtime_url").asText().endsWith("/v1/sandboxes/" + id2), createdJson::describe);
        assertEquals("1\n", ok(cli("sandbox", "exec", id2, "echo $E")).stdout(), "--env reached the sandbox");

        Run table = ok(cli("sandbox", "list"));
        assertTrue(table.stdout().startsWith("ID "), table::describe);
        String row = table.stdout().lines().filter(l -> l.startsWith(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + id + ": " + table.describe()));
        assertTrue(row.contains("running") && row.contains("suite=cli") && row.contains("case=human"), row);

        Run listJson = ok(cli("sandbox", "list", "--json", "--state", "running"));
        JsonNode mine = null;
        for (JsonNode s : listJson.json().path("sandboxes")) {
            assertEquals("running", s.path("state").asText(), listJson::describe);
            if (s.path("id").asText().equals(id)) {
                mine = s;
            }
        }
        assertTrue(mine != null, () -> id + " listed: " + listJson.describe());
        assertEquals("cli", mine.path("metadata").path("suite").asText());
        assertTrue(mine.path("expires_at").asLong() > mine.path("created_at").asLong());

        Run get = ok(cli("sandbox", "get", id));
        assertTrue(get.stdout().contains("state        running") || get.stdout().matches("(?s).*state +running.*"), get::describe);
        assertTrue(get.stdout().contains(id), get::describe);
        Run getJson = ok(cli("sandbox", "get", id, "--json"));
        assertEquals(id, getJson.json().path("id").asText());
        assertEquals("human", getJson.json().path("metadata").path("case").asText());

        Run kill = ok(cli("sandbox", "kill", id, id2));
        assertEquals(id + "\n" + id2 + "\n", kill.stdout(), kill::describe);
        assertFalse("running".equals(Api.sandbox(Api.developer(), id).getString("state")), "killed");

        Run unknown = cli("sandbox", "kill", "sbx_000000000000000000000000");
        assertEquals(1, unknown.exit(), unknown::describe);
        assertTrue(unknown.errorLine().contains("sbx_000000000000000000000000"), unknown::describe);
    }

    /** Small checks on the platform's view of a sandbox. */
    private static final class JsonPathAssert {
        static void running(String id) {
            assertEquals("running", Api.sandbox(Api.developer(), id).getString("state"), "create waits until it runs");
            assertEquals("cli", Api.sandbox(Api.developer(), id).getString("metadata.suite"));
        }
    }

    // ---- logs

    @Test
    void portsListsAListeningServerWithItsPreviewUrl() throws Exception {
        String sandbox = sandbox();
        org.junit.jupiter.api.Assumptions.assumeTrue(RuntimeApi.hasPython(sandbox), "no python3 on this runtime");
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Run started = ok(cli("sandbox", "exec", sandbox, "python3 -m http.server " + port + " --bind 0.0.0.0", "--background"));
        String host = port + "-" + sandbox.replace('_', '-') + ".";
        JsonNode entry = Awaitility.await("the port in 'sandbox ports --json'").atMost(Duration.ofSeconds(10))
                .until(() -> {
                    for (JsonNode p : JSON.readTree(ok(cli("sandbox", "ports", sandbox, "--json")).stdout()).path("ports")) {
                        if (p.path("port").asInt() == port) {
                            return p;
                        }
                    }
                    return null;
                }, java.util.Objects::nonNull);
        assertTrue(entry.path("reachable").asBoolean() && entry.path("url").asText().contains(host), entry::toString);
        Run table = ok(cli("sandbox", "ports", sandbox));
        assertTrue(table.stdout().contains(host) && table.stdout().startsWith("PORT"), table::describe);
        ok(cli("sandbox", "exec", sandbox, "kill " + started.stdout().trim()));
    }

    @Test
    void logsAndLogsFollow() {
        String sandbox = sandbox();
        Run started = ok(cli("sandbox", "exec", sandbox, "echo one; sleep 1; echo two >&2; sleep 0.5; echo three",
                "--background", "--json"));
        String proc = started.json().path("process_id").asText();
        int pid = started.json().path("pid").asInt();

        // --follow prints what is there and what comes, and returns when the process ends
        Run follow = ok(cli("sandbox", "logs", sandbox, proc, "--follow"));
        assertEquals("one\ntwo\nthree\n", follow.stdout(), follow::describe);
        assertFalse("running".equals(Api.process(sandbox, proc).getString("state")), "it returned at the end");

        Run logs = ok(cli("sandbox", "logs", sandbox, proc));
        assertEquals("one\ntwo\nthree\n", logs.stdout(), logs::describe);
        Run byPid = ok(cli("sandbox", "logs", sandbox, Integer.toString(pid)));
        assertEquals("one\ntwo\nthree\n", byPid.stdout(), "a background command's pid works too: " + byPid.describe());

        Run missing = cli("sandbox", "logs", sandbox, "proc_000000000000000000000000");
        assertEquals(1, missing.exit(), missing::describe);
        missing.errorLine();
    }

    // ---- keys

    @Test
    void keysCreateListRevoke() {
        Map<String, String> admin = env(Api.admin());
        String name = RuntimeApi.fresh("cli-key");
        Run created = cli(admin, "keys", "create", name, "--role", "viewer", "--json");
        ok(created);
        JsonNode k = created.json();
        String id = k.path("id").asText();
        String key = k.path("key").asText();
        assertEquals(name, k.path("name").asText());
        assertEquals("viewer", k.path("role").asText());
        assertTrue(key.startsWith("ask_"), created::describe);

        Run human = ok(cli(admin, "keys", "create", name + "-dev"));
        assertTrue(human.stdout().matches("(?s).*role +developer.*") && human.stdout().matches("(?s).*key +ask_.*"),
                "developer by default, the key shown: " + human.describe());
        String devId = human.stdout().lines().filter(l -> l.startsWith("id ")).findFirst().orElseThrow().substring(3).trim();

        Run list = ok(cli(admin, "keys", "list"));
        assertTrue(list.stdout().lines().anyMatch(l -> l.startsWith(id) && l.contains(name) && l.contains("viewer")), list::describe);
        assertFalse(list.stdout().contains(key), "never the secret");
        Run listJson = ok(cli(admin, "keys", "list", "--json"));
        boolean found = false;
        for (JsonNode n : listJson.json().path("api_keys")) {
            found |= n.path("id").asText().equals(id);
            assertTrue(n.path("key").isMissingNode(), listJson::describe);
        }
        assertTrue(found, listJson::describe);

        // the viewer key works for reads, not for running commands
        ok(cli(env(key), "sandbox", "list"));
        Run forbidden = cli(env(key), "sandbox", "exec", sandbox(), "true");
        assertEquals(1, forbidden.exit(), forbidden::describe);
        forbidden.errorLine();

        Run revoked = ok(cli(admin, "keys", "revoke", id, devId));
        assertEquals(id + "\n" + devId + "\n", revoked.stdout());
        Run refused = cli(env(key), "sandbox", "list");
        assertEquals(1, refused.exit(), refused::describe);
        refused.errorLine();

        Run notAdmin = cli("keys", "list");
        assertEquals(1, notAdmin.exit(), notAdmin::describe);
        notAdmin.errorLine();

        // --e2b: the key in the only form E2B's SDKs take, working in X-API-KEY on E2B's routes
        Run e2b = ok(cli(admin, "keys", "create", name + "-e2b", "--e2b", "--json"));
        String e2bKey = e2b.json().path("key").asText();
        assertTrue(e2bKey.matches("e2b_[0-9a-f]{64}"), e2b::describe);
        io.restassured.RestAssured.given().baseUri(Api.cluster().apiUrl()).header("X-API-KEY", e2bKey)
                .get("/v2/sandboxes").then().statusCode(200);
        ok(cli(admin, "keys", "revoke", e2b.json().path("id").asText()));
    }

    // ---- errors, completion, version, launcher

    @Test
    void errorsAreOneLineWithTheServersMessage() {
        Run badKey = cli(env("ask_0000000000000000_bad"), "sandbox", "list");
        assertEquals(1, badKey.exit(), badKey::describe);
        assertEquals("", badKey.stdout());
        String serverMessage = Api.as("ask_0000000000000000_bad").get("/v1/sandboxes").jsonPath().getString("error.message");
        assertEquals(serverMessage, badKey.errorLine(), "the server's message: " + badKey.describe());

        Run unknown = cli("sandbox", "get", "sbx_000000000000000000000000");
        assertEquals(1, unknown.exit(), unknown::describe);
        assertEquals(Api.as(Api.developer()).get("/v1/sandboxes/sbx_000000000000000000000000").jsonPath().getString("error.message"),
                unknown.errorLine());

        Run noKey = cli(env(null), "sandbox", "list");
        assertEquals(2, noKey.exit(), noKey::describe);
        assertTrue(noKey.errorLine().contains("set TENSORBOX_API_KEY"), noKey::describe);

        Map<String, String> nowhere = env(Api.developer());
        nowhere.put("TENSORBOX_API_URL", "http://127.0.0.1:9");
        Run unreachable = cli(nowhere, "sandbox", "list");
        assertEquals(1, unreachable.exit(), unreachable::describe);
        assertTrue(unreachable.errorLine().contains("TENSORBOX_API_URL"), unreachable::describe);

        Run usage = cli("sandbox", "exec", sandbox());
        assertEquals(2, usage.exit(), usage::describe);
        assertTrue(usage.errorLine().contains("CMD"), usage::describe);
        Run unknownOption = cli("sandbox", "list", "--bogus");
        assertEquals(2, unknownOption.exit(), unknownOption::describe);
        unknownOption.errorLine();
    }

    @Test
    void completionPrintsABashScript(@TempDir Path tmp) throws Exception {
        Run r = ok(cli(env(null), "completion"));
        assertTrue(r.stdout().contains("complete -F _complete_tensor-box"), r::describe);
        Path script = tmp.resolve("tensor-box.bash");
        Files.writeString(script, r.stdout());
        Process bash = new ProcessBuilder("bash", "-c", "source \"$1\" && complete -p tensor-box && "
                + "COMP_WORDS=(tensor-box sandbox ex) COMP_CWORD=2 _complete_tensor-box && echo \"${COMPREPLY[@]}\"", "x",
                script.toString()).redirectErrorStream(true).start();
        String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(bash.waitFor(OUTPUT.toSeconds(), TimeUnit.SECONDS));
        assertEquals(0, bash.exitValue(), out);
        assertTrue(out.contains("exec"), "completes 'sandbox ex' to exec: " + out);
    }

    @Test
    void versionHelpAndAMissingJar() {
        Run v = ok(cli(env(null), "--version"));
        assertTrue(v.stdout().startsWith("tensor-box "), v::describe);
        Run help = ok(cli(env(null), "sandbox", "--help"));
        for (String sub : List.of("create", "list", "get", "kill", "exec", "terminal", "logs")) {
            assertTrue(help.stdout().contains("  " + sub), sub + " in " + help.describe());
        }
        Map<String, String> noJar = env(null);
        noJar.put("TENSORBOX_CLI_JAR", ROOT.resolve("cli/target/no-such.jar").toString());
        Run missing = cli(noJar, "--version");
        assertEquals(2, missing.exit(), missing::describe);
        assertTrue(missing.stderr().contains("./mvnw") && missing.stderr().contains("-pl cli"), "says how to build it: " + missing.describe());
    }

    // ---- the terminal, through a real pseudo-terminal

    private static final class Pty {
        final PtyProcess process;
        final StringBuffer output = new StringBuffer();
        final OutputStream keys;

        Pty(String[] command, Map<String, String> env) throws IOException {
            process = new PtyProcessBuilder(command).setEnvironment(env).setDirectory(ROOT.toString())
                    .setInitialColumns(80).setInitialRows(24).setConsole(false).setRedirectErrorStream(true).start();
            synchronized (ptys) {
                ptys.add(process);
            }
            keys = process.getOutputStream();
            Thread reader = new Thread(() -> {
                byte[] buf = new byte[8192];
                try (InputStream in = process.getInputStream()) {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        output.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    }
                } catch (IOException ignored) {
                    // the pty closed
                }
            }, "pty-reader");
            reader.setDaemon(true);
            reader.start();
        }

        void type(String s) throws IOException {
            keys.write(s.getBytes(StandardCharsets.UTF_8));
            keys.flush();
        }

        Matcher await(Pattern p) {
            Matcher[] m = new Matcher[1];
            try {
                Awaitility.await("output " + p).atMost(OUTPUT).pollInterval(Duration.ofMillis(50)).until(() -> {
                    Matcher x = p.matcher(output);
                    if (x.find()) {
                        m[0] = x;
                        return true;
                    }
                    return false;
                });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("no " + p + " in the terminal's output:\n" + output, e);
            }
            return m[0];
        }

        int exit() throws InterruptedException {
            assertTrue(process.waitFor(OUTPUT.toSeconds(), TimeUnit.SECONDS), () -> "still running; output:\n" + output);
            return process.exitValue();
        }
    }

    @Test
    void terminalIsAnInteractivePtyThatFollowsTheWindowAndExitsWithTheShell() throws Exception {
        Pty pty = new Pty(new String[] {LAUNCHER.toString(), "sandbox", "terminal", sandbox()}, env(Api.developer()));
        pty.type("echo T-$(tty)-T\r");
        assertTrue(pty.await(Pattern.compile("T-(/dev/pts/[0-9]+)-T")).group(1).startsWith("/dev/pts/"));
        pty.type("echo S-$(stty size)-S\r");
        pty.await(Pattern.compile("S-24 80-S"));

        // the window changes: the kernel signals SIGWINCH to the CLI, which resizes the sandbox's pty
        pty.process.setWinSize(new WinSize(132, 41));
        int[] asked = {0};
        Awaitility.await("stty size after a resize").atMost(OUTPUT).pollInterval(Duration.ofMillis(300)).until(() -> {
            pty.type("echo R" + ++asked[0] + "-$(stty size)-R\r");
            return Pattern.compile("R[0-9]+-41 132-R").matcher(pty.output).find();
        });

        // Ctrl-C goes to the sandbox (raw mode): it interrupts sleep there, not the CLI here
        pty.type("echo B-$((40+2))-B; sleep 100\r");
        pty.await(Pattern.compile("B-42-B"));
        long start = System.nanoTime();
        pty.type("\u0003");
        pty.type("echo C-$?-C\r");
        pty.await(Pattern.compile("C-130-C"));
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(30).toNanos());
        assertTrue(pty.process.isAlive(), "the CLI is still running after Ctrl-C");

        pty.type("exit 3\r");
        assertEquals(3, pty.exit(), () -> "the shell's exit code; output:\n" + pty.output);
    }

    @Test
    void terminalRestoresTheLocalTerminalWhenItEnds() throws Exception {
        Map<String, String> env = env(Api.developer());
        env.put("TERM", "xterm");
        env.put("PS1", "$ ");
        Pty bash = new Pty(new String[] {"bash", "--norc", "--noprofile", "-i"}, env);
        bash.type("S1=$(stty -g); echo L-$((1+1))-L\r");
        bash.await(Pattern.compile("L-2-L"));
        bash.type(LAUNCHER + " sandbox terminal " + sandbox() + "\r");
        bash.type("echo IN-$((2+3))-IN\r");
        bash.await(Pattern.compile("IN-5-IN"));
        bash.type("exit 7\r");
        // keys typed while the CLI still runs are its keys: wait for the local prompt first
        bash.await(Pattern.compile("logout[\\s\\S]*\\$ $"));
        bash.type("echo E-$?-E\r");
        bash.await(Pattern.compile("E-7-E"));
        bash.type("echo RESTORED-$([ \"$(stty -g)\" = \"$S1\" ] && echo Y$((1)) || echo N$((1)))\r");
        Matcher m = bash.await(Pattern.compile("RESTORED-([YN])1"));
        assertEquals("Y", m.group(1), () -> "stty -g after the CLI equals before it; output:\n" + bash.output);
        bash.type("exit 0\r");
        assertEquals(0, bash.exit());
    }

    @Test
    void theLauncherMakesItsStartUpCache() {
        ok(cli(env(null), "--version"));
        // JDK 25+: an AOT cache trained in the background; 19-24: an AppCDS archive written by a run
        Awaitility.await("a start-up cache in " + CACHE).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    try (var files = Files.list(CACHE.resolve("tensorbox"))) {
                        return files.anyMatch(f -> f.getFileName().toString().matches("tensor-box-[0-9]+-[0-9]+\\.(aot|jsa)"));
                    }
                });
        Run cached = ok(cli(env(null), "--version"));
        assertEquals("", cached.stderr(), "nothing from the JVM about its cache: " + cached.describe());
    }
}
