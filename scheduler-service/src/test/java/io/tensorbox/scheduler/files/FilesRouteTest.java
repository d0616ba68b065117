package io.tensorbox.scheduler.files;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.tensorbox.common.Ids;
import io.tensorbox.common.internal.InternalToken;
import io.tensorbox.scheduler.InternalCalls;
import io.tensorbox.scheduler.process.FakeApiService;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static io.tensorbox.scheduler.InternalCalls.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.nullValue;

/** The internal files routes on the local runtime: real files, real processes, byte for byte. */
@QuarkusTest
@QuarkusTestResource(FakeApiService.class)
class FilesRouteTest {

    String sandbox;
    Path root;
    Path workspace;

    @BeforeEach
    void createSandbox() {
        sandbox = InternalCalls.createRunningSandbox(Map.of());
        root = FakeApiService.home.resolve("sandboxes").resolve(sandbox);
        workspace = root.resolve("workspace");
    }

    String files() {
        return "/internal/v1/sandboxes/" + sandbox + "/files";
    }

    Response put(String path, byte[] bytes) {
        return given().contentType(ContentType.BINARY).queryParam("path", path).body(bytes).put(files());
    }

    byte[] get(String path) {
        return given().queryParam("path", path).get(files()).then().statusCode(200)
                .contentType("application/octet-stream").extract().asByteArray();
    }

    @Test
    void binaryRoundTripsByteForByte() throws IOException {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        put("bytes.bin", all).then().statusCode(201)
                .body("path", equalTo(workspace + "/bytes.bin")).body("size", equalTo(256));
        assertThat(Files.readAllBytes(workspace.resolve("bytes.bin"))).isEqualTo(all);
        assertThat(get("bytes.bin")).isEqualTo(all);

        byte[] random = new byte[1 << 20];
        new Random(12).nextBytes(random);
        put(workspace + "/deep/er/random.bin", random).then().statusCode(201).body("size", equalTo(1 << 20));
        assertThat(Files.readAllBytes(workspace.resolve("deep/er/random.bin"))).isEqualTo(random);
        Response download = given().queryParam("path", "deep/er/random.bin").get(files());
        download.then().statusCode(200).header("Content-Length", String.valueOf(1 << 20));
        assertThat(download.asByteArray()).isEqualTo(random);

        // replaced, not appended; the mode of the file it replaces is kept; no temporary file left
        Files.setPosixFilePermissions(workspace.resolve("bytes.bin"), PosixFilePermissions.fromString("rwx------"));
        put("bytes.bin", "short".getBytes(StandardCharsets.UTF_8)).then().statusCode(201).body("size", equalTo(5));
        assertThat(Files.readString(workspace.resolve("bytes.bin"))).isEqualTo("short");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(workspace.resolve("bytes.bin")))).isEqualTo("rwx------");
        put("empty", new byte[0]).then().statusCode(201).body("size", equalTo(0));
        assertThat(get("empty")).isEmpty();
        try (Stream<Path> left = Files.list(workspace)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("bytes.bin", "deep", "empty");
        }
    }

    @Test
    void refusalsAreJsonWithTheirStatus() throws IOException {
        Files.createDirectories(workspace.resolve("dir"));
        Files.writeString(workspace.resolve("file"), "x");
        given().queryParam("path", "missing").get(files()).then().statusCode(404).body("error.code", equalTo("file_not_found"));
        given().queryParam("path", "dir").get(files()).then().statusCode(400).body("error.code", equalTo("not_a_file"));
        given().get(files()).then().statusCode(400).body("error.code", equalTo("invalid_request"));
        given().queryParam("path", "").get(files() + "/stat").then().statusCode(400).body("error.code", equalTo("invalid_request"));
        put("dir", new byte[] {1}).then().statusCode(400).body("error.code", equalTo("not_a_file"));
        put("file/below", new byte[] {1}).then().statusCode(400).body("error.code", equalTo("not_a_directory"));
        given().queryParam("path", "file").get(files() + "/list").then().statusCode(400).body("error.code", equalTo("not_a_directory"));
        given().queryParam("path", "missing").get(files() + "/list").then().statusCode(404).body("error.code", equalTo("file_not_found"));
        for (String depth : List.of("0", "11", "two")) {
            given().queryParam("path", ".").queryParam("depth", depth).get(files() + "/list").then().statusCode(400)
                    .body("error.code", equalTo("invalid_request"));
        }
        given().queryParam("path", "missing").get(files() + "/stat").then().statusCode(404).body("error.code", equalTo("file_not_found"));
        given().queryParam("path", "missing").delete(files()).then().statusCode(404).body("error.code", equalTo("file_not_found"));
        given().queryParam("path", "file").queryParam("user", "somebody").get(files()).then().statusCode(400)
                .body("error.code", equalTo("invalid_user"));
        given().queryParam("path", "file").queryParam("user", "-rf").get(files()).then().statusCode(400)
                .body("error.code", equalTo("invalid_request"));
        given().contentType(ContentType.JSON).body(Map.of("from", "missing", "to", "x")).post(files() + "/move")
                .then().statusCode(404).body("error.code", equalTo("file_not_found"));
        String other = Ids.newSandboxId();
        given().queryParam("path", "file").get("/internal/v1/sandboxes/" + other + "/files").then().statusCode(404)
                .body("error.code", equalTo("sandbox_not_found"));
        given().contentType(ContentType.BINARY).queryParam("path", "x").body(new byte[] {1})
                .put("/internal/v1/sandboxes/" + other + "/files").then().statusCode(404).body("error.code", equalTo("sandbox_not_found"));
        // the raw routes are internal routes like the others
        RestAssured.given().queryParam("path", "file").get(files()).then().statusCode(401);
        RestAssured.given().contentType(ContentType.BINARY).queryParam("path", "x").body(new byte[] {1}).put(files()).then().statusCode(401);
        assertThat(workspace.resolve("x")).doesNotExist();
    }

    @Test
    void statListAndOddNames() throws Exception {
        Files.createDirectories(workspace.resolve("a/b"));
        Files.writeString(workspace.resolve("a/b/deep.txt"), "deep");
        Files.writeString(workspace.resolve("a/with space"), "12345");
        Files.writeString(workspace.resolve("a/new\nline"), "");
        Files.writeString(workspace.resolve("a/quo'te\""), "");
        Files.setPosixFilePermissions(workspace.resolve("a/with space"), PosixFilePermissions.fromString("rw-r-----"));
        Files.createSymbolicLink(workspace.resolve("a/link"), Path.of("b/deep.txt"));
        // a name that is not UTF-8 (Java cannot spell it: the shell makes it)
        Process p = new ProcessBuilder("sh", "-c", "touch \"$(printf 'a/bad\\377name')\"").directory(workspace.toFile()).start();
        assertThat(p.waitFor()).isZero();

        given().queryParam("path", "a/with space").get(files() + "/stat").then().statusCode(200)
                .body("name", equalTo("with space")).body("path", equalTo(workspace + "/a/with space"))
                .body("type", equalTo("file")).body("size", equalTo(5)).body("mode", equalTo("0640"))
                .body("permissions", equalTo("-rw-r-----")).body("owner", equalTo(System.getProperty("user.name")))
                .body("modified_at", matchesPattern("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"))
                .body("symlink_target", nullValue());
        given().queryParam("path", "a/link").get(files() + "/stat").then().statusCode(200)
                .body("type", equalTo("symlink")).body("symlink_target", equalTo("b/deep.txt"));
        given().queryParam("path", workspace + "/a/b/../b").get(files() + "/stat").then().statusCode(200)
                .body("type", equalTo("dir")).body("path", equalTo(workspace + "/a/b")).body("name", equalTo("b"));

        List<String> depth1 = given().queryParam("path", "a").get(files() + "/list").then().statusCode(200)
                .extract().jsonPath().getList("entries.path");
        String a = workspace + "/a/";
        assertThat(depth1).containsExactly(a + "b", a + "bad\uFFFDname", a + "link", a + "new\nline", a + "quo'te\"", a + "with space");
        Response depth2 = given().queryParam("path", "a").queryParam("depth", 2).get(files() + "/list");
        depth2.then().statusCode(200);
        assertThat(depth2.jsonPath().getList("entries.path")).containsExactly(a + "b", a + "b/deep.txt", a + "bad\uFFFDname",
                a + "link", a + "new\nline", a + "quo'te\"", a + "with space");
        assertThat(depth2.jsonPath().getList("entries.name")).contains("deep.txt", "new\nline");
        assertThat(depth2.jsonPath().getString("entries.find { it.name == 'b' }.type")).isEqualTo("dir");
        assertThat(depth2.jsonPath().getString("entries.find { it.name == 'link' }.type")).isEqualTo("symlink");
        assertThat(depth2.jsonPath().getInt("entries.find { it.name == 'deep.txt' }.size")).isEqualTo(4);
    }

    @Test
    void mkdirMoveAndRemove() throws IOException {
        given().contentType(ContentType.JSON).body(Map.of("path", "m/n/o")).post(files() + "/mkdir").then().statusCode(201)
                .body("type", equalTo("dir")).body("path", equalTo(workspace + "/m/n/o")).body("name", equalTo("o"));
        assertThat(workspace.resolve("m/n/o")).isDirectory();
        given().contentType(ContentType.JSON).body(Map.of("path", "m/n/o")).post(files() + "/mkdir").then().statusCode(200)
                .body("type", equalTo("dir"));
        Files.writeString(workspace.resolve("m/f"), "f");
        given().contentType(ContentType.JSON).body(Map.of("path", "m/f")).post(files() + "/mkdir").then().statusCode(409)
                .body("error.code", equalTo("already_exists"));

        given().contentType(ContentType.JSON).body(Map.of("from", "m/f", "to", "p/q/g")).post(files() + "/move").then().statusCode(200)
                .body("path", equalTo(workspace + "/p/q/g")).body("name", equalTo("g")).body("size", equalTo(1));
        assertThat(workspace.resolve("m/f")).doesNotExist();
        assertThat(Files.readString(workspace.resolve("p/q/g"))).isEqualTo("f");
        given().contentType(ContentType.JSON).body(Map.of("from", "m", "to", "renamed")).post(files() + "/move").then().statusCode(200)
                .body("type", equalTo("dir"));
        assertThat(workspace.resolve("renamed/n/o")).isDirectory();

        given().queryParam("path", "p/q/g").delete(files()).then().statusCode(204);
        assertThat(workspace.resolve("p/q/g")).doesNotExist();
        given().queryParam("path", "renamed").delete(files()).then().statusCode(204);
        assertThat(workspace.resolve("renamed")).doesNotExist();
        given().queryParam("path", "renamed").delete(files()).then().statusCode(404);
    }

    @Test
    void nothingOutsideTheSandboxIsReachedOnTheLocalRuntime() throws IOException {
        Path outside = Files.createTempDirectory("tbx-outside");
        Files.writeString(outside.resolve("secret"), "secret");
        Files.createSymbolicLink(workspace.resolve("out"), outside);
        String escape = "../".repeat(workspace.getNameCount()) + outside.toString().substring(1);

        for (String path : List.of(escape + "/secret", outside + "/secret", "out/secret", "../../" + sandbox + "-x/secret")) {
            given().queryParam("path", path).get(files()).then().statusCode(403).body("error.code", equalTo("permission_denied"));
            given().queryParam("path", path).get(files() + "/stat").then().statusCode(403);
            put(path, "pwned".getBytes(StandardCharsets.UTF_8)).then().statusCode(403);
            given().queryParam("path", path).delete(files()).then().statusCode(403);
            given().contentType(ContentType.JSON).body(Map.of("path", path + "-dir")).post(files() + "/mkdir").then().statusCode(403);
            given().contentType(ContentType.JSON).body(Map.of("from", path, "to", "stolen")).post(files() + "/move").then().statusCode(403);
        }
        Files.writeString(workspace.resolve("mine"), "mine");
        given().contentType(ContentType.JSON).body(Map.of("from", "mine", "to", "out/mine")).post(files() + "/move").then().statusCode(403);
        given().queryParam("path", "out").get(files() + "/list").then().statusCode(403);
        given().queryParam("path", "/").delete(files()).then().statusCode(403);
        given().queryParam("path", root.toString()).delete(files()).then().statusCode(400);
        // the link itself is the sandbox's: it can be looked at and removed, its target stays
        given().queryParam("path", "out").get(files() + "/stat").then().statusCode(200).body("type", equalTo("symlink"));

        try (Stream<Path> left = Files.list(outside)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("secret");
        }
        assertThat(Files.readString(outside.resolve("secret"))).isEqualTo("secret");
        assertThat(Files.readString(workspace.resolve("mine"))).isEqualTo("mine");
        assertThat(workspace.resolve("stolen")).doesNotExist();
        assertThat(root.resolve("sandbox.json")).exists();
        given().queryParam("path", "out").delete(files()).then().statusCode(204);
        assertThat(outside.resolve("secret")).exists();
    }

    List<ProcessHandle> fileExecs(String verb) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains("tbx-files-" + verb) && c.contains(sandbox)).orElse(false))
                .toList();
    }

    java.net.Socket request(String method, String path, long contentLength) throws IOException {
        java.net.Socket socket = new java.net.Socket("localhost", RestAssured.port);
        String head = method + " " + files() + "?path=" + path + " HTTP/1.1\r\nHost: localhost\r\n"
                + InternalToken.HEADER + ": " + InternalCalls.TOKEN + "\r\n"
                + (contentLength >= 0 ? "Content-Type: application/octet-stream\r\nContent-Length: " + contentLength + "\r\n" : "")
                + "\r\n";
        socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }

    @Test
    void anUploadCutShortLeavesTheTargetAsItWas() throws Exception {
        Files.writeString(workspace.resolve("kept"), "before");
        try (java.net.Socket socket = request("PUT", "kept", 8L << 20)) {
            socket.getOutputStream().write(new byte[1 << 20]);
            socket.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> !fileExecs("write").isEmpty());
        }
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> fileExecs("write").isEmpty());
        assertThat(Files.readString(workspace.resolve("kept"))).isEqualTo("before");
        try (Stream<Path> left = Files.list(workspace)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("kept");
        }
    }

    @Test
    void aReaderThatGoesAwayEndsTheReadInTheSandbox() throws Exception {
        try (var out = Files.newOutputStream(workspace.resolve("big"))) {
            byte[] chunk = new byte[1 << 20];
            for (int i = 0; i < 64; i++) {
                out.write(chunk);
            }
        }
        try (java.net.Socket socket = request("GET", "big", -1)) {
            byte[] some = socket.getInputStream().readNBytes(4096);
            assertThat(new String(some, StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200").contains("content-length: " + (64 << 20));
            // not read further: back-pressure holds cat in the sandbox
            await().atMost(Duration.ofSeconds(10)).until(() -> !fileExecs("read").isEmpty());
        }
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> fileExecs("read").isEmpty());
    }
}
