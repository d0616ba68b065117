package io.tensorbox.scheduler.process;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code supervisor.sh} on its own, as the scheduler runs it in a sandbox: {@code sh SCRIPT VERB STATE ...}
 * in a temporary directory, real processes, real FIFOs.
 */
class SupervisorScriptTest {

    private static final Pattern STARTED = Pattern.compile("(?:ok|running) ([0-9]+) 1000");

    @TempDir
    Path dir;
    Path state;
    Path workspace;
    Path script;

    record Result(int exit, String out, long millis) {
    }

    @BeforeEach
    void install() throws Exception {
        state = dir.resolve("state");
        workspace = dir.resolve("workspace");
        Files.createDirectories(state.resolve("bin"));
        Files.createDirectories(workspace);
        script = state.resolve("bin/tbx");
        Files.write(script, Supervisor.SCRIPT);
        assertThat(run("install").exit()).isZero();
    }

    /** Ends every process, and lets every supervisor record its exit before the directory goes. */
    @AfterEach
    void killEverything() throws Exception {
        if (Files.isDirectory(state.resolve("procs"))) {
            run("killall");
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.allProcesses()
                .noneMatch(p -> String.join(" ", p.info().arguments().orElse(new String[0])).contains(dir.toString())));
    }

    Result run(String verb, String... args) throws Exception {
        return run(Map.of(), verb, args);
    }

    /**
     * Runs one verb with a deadline; a verb still running after 20 s answers exit -1. Each runs in a
     * session of its own: a script that signals its own process group must not reach this JVM.
     */
    Result run(Map<String, String> env, String verb, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("/usr/bin/setsid", "sh", script.toString(), verb, state.toString()));
        argv.addAll(List.of(args));
        return runArgv(env, argv);
    }

    Result runArgv(Map<String, String> env, List<String> argv) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        ProcessBuilder pb = new ProcessBuilder(argv).directory(workspace.toFile())
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        long start = System.nanoTime();
        Process p = pb.start();
        boolean ended = p.waitFor(20, TimeUnit.SECONDS);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (!ended) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        return new Result(ended ? p.exitValue() : -1, Files.readString(out).strip(), millis);
    }

    /** A directory for a PATH entry holding one executable {@code name} with the given body. */
    Path fakeCommand(String name, String body) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("fake-" + name + "-" + System.nanoTime()));
        Path file = bin.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }

    static String newId() {
        return io.tensorbox.common.Ids.newProcessId();
    }

    Result start(Map<String, String> env, String id, String cwd, String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of(workspace.toString(), id, "1000", cwd, "0"));
        args.addAll(List.of(command));
        return run(env, "start", args.toArray(String[]::new));
    }

    @Test
    void concurrentStartsOfOneIdRunTheCommandOnceAndAllAnswerItsPid() throws Exception {
        List<String> ids = Stream.generate(SupervisorScriptTest::newId).limit(4).toList();
        List<Process> starts = new ArrayList<>();
        List<Path> outs = new ArrayList<>();
        for (String id : ids) {
            for (int i = 0; i < 3; i++) {
                Path out = Files.createTempFile(dir, "start", ".txt");
                outs.add(out);
                starts.add(new ProcessBuilder("/usr/bin/setsid", "sh", script.toString(), "start", state.toString(), workspace.toString(),
                        id, "1000", "", "0", "sh", "-c", "echo run >> " + dir.resolve("runs-" + id) + "; exec sleep 60")
                        .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start());
            }
        }
        for (Process p : starts) {
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
        for (int i = 0; i < ids.size(); i++) {
            String pid = null;
            for (int j = 0; j < 3; j++) {
                String answer = Files.readString(outs.get(i * 3 + j)).strip();
                Matcher m = STARTED.matcher(answer);
                assertThat(m.matches()).as("answer of a start of %s: %s", ids.get(i), answer).isTrue();
                if (pid == null) {
                    pid = m.group(1);
                }
                assertThat(m.group(1)).as("every start answers the same pid").isEqualTo(pid);
            }
            assertThat(Files.readAllLines(dir.resolve("runs-" + ids.get(i)))).as("runs of the command").hasSize(1);
            assertThat(run("status", ids.get(i)).out()).isEqualTo("running " + pid + " 1000");
        }
    }

    @Test
    void aWorkingDirectoryTheSupervisorCannotEnterFailsTheStartPromptly() throws Exception {
        Path vanishing = Files.createDirectories(workspace.resolve("vanishing"));
        // The start checks the directory; it is gone by the time the supervisor enters it.
        Path fake = fakeCommand("setsid", "rmdir '" + vanishing + "' 2>/dev/null; exec /usr/bin/setsid \"$@\"");
        String id = newId();
        Result r = start(Map.of("PATH", fake + ":" + System.getenv("PATH")), id, "vanishing", "true");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("failed cannot enter the working directory");
        assertThat(r.millis()).isLessThan(4000);
        assertThat(run("status", id).out()).startsWith("failed cannot enter");
    }

    @Test
    void aSupervisorThatNeverAnswersFailsTheStartAtItsDeadlineAndNeverRunsLater() throws Exception {
        Path fake = fakeCommand("setsid", "exit 0");
        String id = newId();
        Path runs = dir.resolve("runs");
        Result r = start(Map.of("PATH", fake + ":" + System.getenv("PATH"), "TBX_START_WAIT", "1"), id, "",
                "sh", "-c", "echo run >> " + runs);
        assertThat(r.out()).isEqualTo("failed the supervisor did not answer within 1 s");
        assertThat(r.millis()).isLessThan(8000);
        assertThat(run("status", id).out()).isEqualTo("failed the supervisor did not answer within 1 s");

        Result again = start(Map.of(), id, "", "sh", "-c", "echo run >> " + runs);
        assertThat(again.out()).isEqualTo("failed the supervisor did not answer within 1 s");
        assertThat(runs).doesNotExist();
    }

    @Test
    void settleRecordsAStartThatNeverArrivedAsFailedAndAnswersOneThatRan() throws Exception {
        String lost = newId();
        assertThat(run("settle", lost).out()).isEqualTo("failed the start did not reach the sandbox in time");
        Path runs = dir.resolve("runs");
        assertThat(start(Map.of(), lost, "", "sh", "-c", "echo run >> " + runs).out())
                .isEqualTo("failed the start did not reach the sandbox in time");
        assertThat(runs).doesNotExist();

        String ran = newId();
        Matcher started = STARTED.matcher(start(Map.of(), ran, "", "sleep", "60").out());
        assertThat(started.matches()).isTrue();
        assertThat(run("settle", ran).out()).isEqualTo("running " + started.group(1) + " 1000");
    }

    @Test
    void idsThatAreNotProcessIdsNeverBecomePaths() throws Exception {
        for (String bad : List.of("../../escaped", "proc_../../../escaped", "proc_0123456789abcdef0123456",
                "proc_0123456789abcdef012345678", "PROC_0123456789ABCDEF01234567", "proc_0123456789abcdef01234567/../x",
                "proc_0123456789abcdeg01234567", "")) {
            assertThat(start(Map.of(), bad, "", "true").out()).as("start %s", bad).isEqualTo("failed invalid process id");
            assertThat(run("settle", bad).out()).as("settle %s", bad).isEqualTo("failed invalid process id");
            assertThat(run("status", bad).out()).as("status %s", bad).isEqualTo("unknown");
            assertThat(run("signal", bad, "KILL").exit()).as("signal %s", bad).isEqualTo(4);
            assertThat(run("stdin", bad, "0").exit()).as("stdin %s", bad).isEqualTo(4);
        }
        try (Stream<Path> top = Files.list(dir); Stream<Path> procs = Files.list(state.resolve("procs"))) {
            assertThat(top.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("out")))
                    .containsExactlyInAnyOrder("state", "workspace");
            assertThat(procs).isEmpty();
        }
    }

    @Test
    void theListSkipsEntriesThatAreNotProcessesAndUnreadablePidsAreZero() throws Exception {
        Files.createDirectories(state.resolve("procs/not a process"));
        String id = newId();
        Path proc = Files.createDirectories(state.resolve("procs/" + id));
        Files.writeString(proc.resolve("pid"), "12; rm -rf /\n");
        Files.writeString(proc.resolve("started"), "soon\n");
        assertThat(run("list").out()).isEqualTo(id + " lost 0 0");
    }

    /**
     * A pid file the sandbox filled with 0 would turn "kill the process group" into "kill my own
     * group". Run in a session of its own, so that on a broken script only this test's processes die.
     */
    @Test
    void aPidThatIsNotAProcessIsNeverSignalled() throws Exception {
        String id = newId();
        Path proc = Files.createDirectories(state.resolve("procs/" + id));
        Files.writeString(proc.resolve("pid"), "0\n");
        Files.writeString(proc.resolve("started"), "1000\n");
        for (List<String> verb : List.of(List.of("signal", id, "TERM"), List.of("killall"))) {
            List<String> argv = new ArrayList<>(List.of("/usr/bin/setsid", "sh", "-c",
                    "sleep 60 & victim=$!; sh \"$@\"; echo \"rc=$?\"; sleep 0.2; "
                            + "kill -0 $victim && echo alive; kill $victim", "test", script.toString()));
            argv.add(verb.getFirst());
            argv.add(state.toString());
            argv.addAll(verb.subList(1, verb.size()));
            Result r = runArgv(Map.of(), argv);
            assertThat(r.out()).as("%s with pid 0", verb.getFirst()).endsWith("alive").contains("rc=");
        }
        assertThat(run("signal", id, "TERM").exit()).isEqualTo(5);
    }

    /**
     * Between a process's end and its supervisor recording the exit (it lets the log writer drain
     * first) the process is not lost: it reads as running until the exit is recorded.
     */
    @Test
    void aProcessWhoseSupervisorIsStillRecordingItsExitIsNotLost() throws Exception {
        String id = newId();
        Path proc = Files.createDirectories(state.resolve("procs/" + id));
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        Files.writeString(proc.resolve("pid"), ended.pid() + "\n");
        Files.writeString(proc.resolve("started"), "1000\n");
        Process supervisor = new ProcessBuilder("sleep", "60").start();
        try {
            Files.writeString(proc.resolve("claim"), supervisor.pid() + "\n");
            assertThat(run("status", id).out()).isEqualTo("running " + ended.pid() + " 1000");
        } finally {
            supervisor.destroyForcibly().waitFor();
        }
        assertThat(run("status", id).out()).isEqualTo("lost " + ended.pid() + " 1000");
    }

    @Test
    void eventsStartAtTheLineAskedForOrAtTheFirstLineOfAShorterFile() throws Exception {
        Files.writeString(state.resolve("events"), "line1\nline2\nline3\n");
        assertThat(firstLines("3", 2)).containsExactly("from 3", "line3");
        assertThat(firstLines("1", 2)).containsExactly("from 1", "line1");
        assertThat(firstLines("10", 2)).containsExactly("from 1", "line1");
        assertThat(firstLines("junk", 2)).containsExactly("from 1", "line1");
    }

    private List<String> firstLines(String from, int n) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/setsid", "sh", script.toString(), "events", state.toString(), from)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            List<String> lines = new ArrayList<>();
            var reading = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    while (lines.size() < n) {
                        String line = out.readLine();
                        if (line == null) {
                            return;
                        }
                        lines.add(line);
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            reading.get(Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
            return lines;
        } finally {
            p.destroyForcibly();
        }
    }
}
