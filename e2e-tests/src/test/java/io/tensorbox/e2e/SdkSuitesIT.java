package io.tensorbox.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The TypeScript, Python and Go SDKs' own test suites (SPEC §7, issue 10), each run by its
 * {@code sdk/<language>/test.sh} as a separate process against this run's platform: the suites are
 * written in their language with its test runner, and this class only gives them a platform and a
 * team of their own, and fails with the tail of their output when they fail.
 *
 * <p>A toolchain that is missing (node 20+, /usr/bin/python3, go) skips its suite with a message on
 * a laptop; under {@code TENSORBOX_SDK_TOOLCHAINS=required} (set by {@code .ci/run}, which installs
 * them) it fails instead, so CI cannot pass by not running a suite.
 */
@TensorBoxTest
class SdkSuitesIT {
    private static final Duration SUITE_LIMIT = Duration.ofMinutes(Long.getLong("tensorbox.e2e.sdk-suite-minutes", 6));
    private static final int TAIL_LINES = 80;

    @Test
    void typescript() throws Exception {
        runSuite("typescript", List.of("node", "npm"));
    }

    @Test
    void python() throws Exception {
        runSuite("python", List.of("/usr/bin/python3"));
    }

    @Test
    void go() throws Exception {
        runSuite("go", List.of("go"));
    }

    private static void runSuite(String language, List<String> tools) throws Exception {
        TensorBoxCluster cluster = TensorBoxCluster.shared();
        Path root = Path.of(System.getProperty("tensorbox.root", "..")).toAbsolutePath().normalize();
        Path dir = root.resolve("sdk").resolve(language);
        Path script = dir.resolve("test.sh");
        if (!Files.isExecutable(script)) {
            fail(script + " is missing or not executable");
        }
        for (String tool : tools) {
            if (!onPath(tool)) {
                String why = "the " + language + " SDK suite needs '" + tool + "', which this machine does not have";
                if ("required".equals(System.getenv("TENSORBOX_SDK_TOOLCHAINS"))) {
                    fail(why + " (TENSORBOX_SDK_TOOLCHAINS=required)");
                }
                Assumptions.abort(why + ": skipped");
            }
        }

        // a team of its own: the suite's keys and sandboxes touch nothing of the other tests
        String teamKey = Api.as(Api.admin()).contentType("application/json")
                .body(Map.of("name", "sdk-" + language + "-" + System.nanoTime()))
                .post("/v1/teams").then().statusCode(201).extract().path("admin_key");

        Path logs = root.resolve("e2e-tests/target/sdk-logs");
        Files.createDirectories(logs);
        Path log = logs.resolve(language + ".log");
        ProcessBuilder builder = new ProcessBuilder(script.toString()).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("TENSORBOX_API_URL", cluster.apiUrl());
        builder.environment().put("TENSORBOX_API_KEY", teamKey);
        Process suite = builder.start();
        try {
            if (!suite.waitFor(SUITE_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                suite.descendants().forEach(ProcessHandle::destroyForcibly);
                suite.destroyForcibly();
                fail("the " + language + " SDK suite did not end within " + SUITE_LIMIT.toMinutes() + " min:\n" + tail(log));
            }
            assertEquals(0, suite.exitValue(), () -> "the " + language + " SDK suite failed (" + log + "):\n" + tail(log));
            System.out.println("[sdk] " + language + " suite passed; its output: " + log);
        } finally {
            Sandboxes.deleteAllVisibleTo(cluster, teamKey);
        }
    }

    private static boolean onPath(String tool) {
        if (tool.startsWith("/")) {
            return Files.isExecutable(Path.of(tool));
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String entry : path.split(":")) {
            if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, tool))) {
                return true;
            }
        }
        return false;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }
}
