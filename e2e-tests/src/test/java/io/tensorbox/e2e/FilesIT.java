package io.tensorbox.e2e;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * The files API (docs/FILES.md) through the public API only, against the real services and a real
 * sandbox: bytes kept byte for byte, a large file streamed both ways, list / stat / mkdir / move / remove,
 * path escapes, watch events for each kind of change, who may read and write; and envd's filesystem surface
 * (filesystem.Filesystem, envd /files) as E2B's SDK calls it.
 */
@TensorBoxTest
class FilesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration EVENT = Duration.ofSeconds(20);
    private static RuntimeApi.TokenSandbox shared;

    private static synchronized RuntimeApi.TokenSandbox sandbox() {
        if (shared == null) {
            shared = RuntimeApi.newSandboxWithToken(Api.developer());
        }
        return shared;
    }

    /** The route for rest-assured, which encodes the query itself. */
    private static String files(String sandbox, String route, String path) {
        return "/v1/sandboxes/" + sandbox + "/files" + route + "?path=" + path;
    }

    /** The route with its query encoded, for the JDK client. */
    private static String encoded(String sandbox, String route, String path) {
        return "/v1/sandboxes/" + sandbox + "/files" + route + "?path=" + URLEncoder.encode(path, StandardCharsets.UTF_8);
    }

    private static Response put(String key, String sandbox, String path, byte[] data) {
        return Api.as(key).contentType("application/octet-stream").body(data).put(files(sandbox, "", path));
    }

    private static HttpClient http() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void binaryFilesComeBackByteForByte() {
        String sbx = sandbox().id();
        String dir = RuntimeApi.fresh("files-it");
        byte[] data = new byte[1024 * 1024 + 256];
        for (int i = 0; i < 256; i++) {
            data[i] = (byte) i; // every byte value, NUL and CR/LF included
        }
        byte[] rest = new byte[data.length - 256];
        new Random(7).nextBytes(rest);
        System.arraycopy(rest, 0, data, 256, rest.length);

        // relative to the workspace; parents are created
        JsonPath written = put(Api.developer(), sbx, dir + "/sub/bin.dat", data).then().statusCode(201).extract().jsonPath();
        String absolute = written.getString("path");
        assertTrue(absolute.startsWith("/") && absolute.endsWith("/" + dir + "/sub/bin.dat"), absolute);
        assertEquals(data.length, written.getLong("size"));

        Response read = Api.as(Api.viewer()).get(files(sbx, "", absolute));
        read.then().statusCode(200).contentType("application/octet-stream")
                .header("Content-Disposition", "attachment; filename=\"bin.dat\"; filename*=UTF-8''bin.dat");
        assertArrayEquals(data, read.asByteArray());
        // the sandbox sees the same bytes
        assertEquals(Integer.toString(data.length), RuntimeApi.runOk(sbx, "wc -c < '" + absolute + "'").trim());

        // an existing file is replaced; an empty one is empty
        put(Api.developer(), sbx, absolute, new byte[0]).then().statusCode(201).body("size", equalTo(0));
        assertEquals(0, Api.as(Api.viewer()).get(files(sbx, "", absolute)).then().statusCode(200).extract().asByteArray().length);
    }

    /** 256 MiB up and down, streamed by both sides: produced and checked on the fly, never held. */
    @Test
    void largeFileStreamsBothWays() throws Exception {
        String sbx = sandbox().id();
        String path = RuntimeApi.fresh("large") + "/big.bin";
        long size = 256L * 1024 * 1024 + 13;
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        HttpClient http = http();
        HttpResponse<String> up = http.send(HttpRequest.newBuilder(URI.create(Api.cluster().apiUrl() + encoded(sbx, "", path)))
                .header("Authorization", "Bearer " + Api.developer()).header("Content-Type", "application/octet-stream")
                .timeout(Duration.ofMinutes(5))
                .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new Generated(size, sent)), size)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, up.statusCode(), up.body());
        JsonNode written = JSON.readTree(up.body());
        assertEquals(size, written.path("size").asLong());
        String expected = HexFormat.of().formatHex(sent.digest());
        // the sandbox holds exactly the bytes sent
        assertEquals(expected, RuntimeApi.runOk(sbx, "sha256sum '" + written.path("path").asText() + "'").trim().split(" ")[0]);

        HttpResponse<InputStream> down = http.send(HttpRequest.newBuilder(URI.create(Api.cluster().apiUrl()
                        + encoded(sbx, "", written.path("path").asText()))).header("Authorization", "Bearer " + Api.viewer())
                .timeout(Duration.ofMinutes(5)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, down.statusCode());
        // streamed chunked: a Content-Length beside it would make the answer malformed
        assertEquals("(none)", down.headers().firstValue("Content-Length").orElse("(none)"));
        MessageDigest received = MessageDigest.getInstance("SHA-256");
        long count = 0;
        try (InputStream in = down.body()) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                received.update(buffer, 0, n);
                count += n;
            }
        }
        assertEquals(size, count);
        assertEquals(expected, HexFormat.of().formatHex(received.digest()));
    }

    @Test
    void listStatMkdirMoveRemove() {
        String sbx = sandbox().id();
        String dev = Api.developer();
        String root = RuntimeApi.fresh("tree");
        JsonPath made = Api.as(dev).contentType("application/json").body(Map.of("path", root + "/a/b")).post("/v1/sandboxes/" + sbx + "/files/mkdir")
                .then().statusCode(201).extract().jsonPath();
        assertEquals("dir", made.getString("type"));
        assertEquals("b", made.getString("name"));
        String base = made.getString("path").substring(0, made.getString("path").length() - "/a/b".length());
        Api.as(dev).contentType("application/json").body(Map.of("path", root + "/a/b")).post("/v1/sandboxes/" + sbx + "/files/mkdir").then().statusCode(200);
        put(dev, sbx, root + "/a/b/f.txt", "hello".getBytes(StandardCharsets.UTF_8)).then().statusCode(201);
        put(dev, sbx, root + "/a/top.txt", "x".getBytes(StandardCharsets.UTF_8)).then().statusCode(201);
        Api.as(dev).contentType("application/json").body(Map.of("path", root + "/a/top.txt")).post("/v1/sandboxes/" + sbx + "/files/mkdir")
                .then().statusCode(409).body("error.code", equalTo("already_exists"));

        JsonPath stat = Api.as(Api.viewer()).get(files(sbx, "/stat", root + "/a/b/f.txt")).then().statusCode(200).extract().jsonPath();
        assertEquals(Set.of("name", "path", "type", "size", "mode", "permissions", "owner", "group", "modified_at",
                "symlink_target"), stat.getMap("").keySet());
        assertEquals("f.txt", stat.getString("name"));
        assertEquals(base + "/a/b/f.txt", stat.getString("path"));
        assertEquals("file", stat.getString("type"));
        assertEquals(5, stat.getLong("size"));
        assertTrue(stat.getString("mode").matches("0[0-7]{3}"), stat.getString("mode"));
        assertTrue(stat.getString("permissions").matches("-[rwx-]{9}"), stat.getString("permissions"));
        assertTrue(stat.getString("modified_at").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), stat.getString("modified_at"));

        assertEquals(List.of(base + "/a/b", base + "/a/top.txt"),
                Api.as(Api.viewer()).get(files(sbx, "/list", root + "/a")).then().statusCode(200).extract().path("entries.path"));
        assertEquals(List.of(base + "/a/b", base + "/a/b/f.txt", base + "/a/top.txt"),
                Api.as(Api.viewer()).get(files(sbx, "/list", root + "/a") + "&depth=2").then().statusCode(200).extract().path("entries.path"));

        Api.as(dev).contentType("application/json").body(Map.of("from", root + "/a/b/f.txt", "to", root + "/c/g.txt")).post("/v1/sandboxes/" + sbx + "/files/move")
                .then().statusCode(200).body("path", equalTo(base + "/c/g.txt")).body("size", equalTo(5));
        Api.as(dev).get(files(sbx, "/stat", root + "/a/b/f.txt")).then().statusCode(404).body("error.code", equalTo("file_not_found"));
        Api.as(dev).contentType("application/json").body(Map.of("from", root + "/nope", "to", root + "/x")).post("/v1/sandboxes/" + sbx + "/files/move")
                .then().statusCode(404);
        Api.as(dev).get(files(sbx, "/list", root + "/a/top.txt")).then().statusCode(400).body("error.code", equalTo("not_a_directory"));
        Api.as(dev).get(files(sbx, "", root + "/a")).then().statusCode(400).body("error.code", equalTo("not_a_file"));

        Api.as(dev).delete(files(sbx, "", root)).then().statusCode(204);
        Api.as(dev).get(files(sbx, "/stat", root)).then().statusCode(404);
        Api.as(dev).delete(files(sbx, "", root)).then().statusCode(404);
        Api.as(dev).get(files(sbx, "", root + "/missing")).then().statusCode(404).body("error.code", equalTo("file_not_found"));
    }

    @Test
    void pathsOutsideTheSandboxAreRefusedOnLocal() {
        Assumptions.assumeTrue(Api.cluster().runtime() == RuntimeKind.LOCAL, "the local runtime confines paths to the sandbox");
        String sbx = sandbox().id();
        for (String escape : List.of("../../../../../../etc/passwd", "/etc/passwd", "a/../../../../../../../etc/hostname")) {
            Api.as(Api.viewer()).get(files(sbx, "", escape)).then().statusCode(403).body("error.code", equalTo("permission_denied"));
            put(Api.developer(), sbx, escape, new byte[]{1}).then().statusCode(403);
        }
    }

    @Test
    void watchSeesEachKindOfChange() {
        String sbx = sandbox().id();
        String dev = Api.developer();
        String dir = RuntimeApi.fresh("watched");
        String absolute = Api.as(dev).contentType("application/json").body(Map.of("path", dir)).post("/v1/sandboxes/" + sbx + "/files/mkdir")
                .then().statusCode(201).extract().path("path");
        Api.as(dev).get(files(sbx, "/watch", dir + "/none")).then().statusCode(404);
        put(dev, sbx, dir + "/plain", new byte[]{1}).then().statusCode(201);
        Api.as(dev).get(files(sbx, "/watch", dir + "/plain")).then().statusCode(400);

        try (SseClient watch = SseClient.get(encoded(sbx, "/watch", dir), RuntimeApi.bearer(Api.viewer())).assertStreaming()) {
            assertEquals("ready", watch.next(EVENT).name());
            put(dev, sbx, dir + "/new.txt", "1".getBytes(StandardCharsets.UTF_8)).then().statusCode(201);
            awaitEvent(watch, "created", absolute + "/new.txt");
            put(dev, sbx, dir + "/new.txt", "22".getBytes(StandardCharsets.UTF_8)).then().statusCode(201);
            awaitEvent(watch, "written", absolute + "/new.txt");
            Api.as(dev).contentType("application/json").body(Map.of("from", dir + "/new.txt", "to", dir + "/renamed.txt"))
                    .post("/v1/sandboxes/" + sbx + "/files/move").then().statusCode(200);
            awaitEvent(watch, "renamed", null);
            Api.as(dev).delete(files(sbx, "", dir + "/renamed.txt")).then().statusCode(204);
            awaitEvent(watch, "removed", absolute + "/renamed.txt");
            Api.as(dev).contentType("application/json").body(Map.of("path", dir + "/subdir")).post("/v1/sandboxes/" + sbx + "/files/mkdir").then().statusCode(201);
            SseClient.Event made = awaitEvent(watch, "created", absolute + "/subdir");
            assertEquals("dir", made.json().path("entry_type").asText());
        }
    }

    /** The next event of this kind (for this path, unless null); other events before it are passed over. */
    private static SseClient.Event awaitEvent(SseClient watch, String kind, String path) {
        long deadline = System.nanoTime() + EVENT.toNanos();
        List<String> seen = new java.util.ArrayList<>();
        while (System.nanoTime() < deadline) {
            SseClient.Event e = watch.next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            seen.add(e.toString());
            JsonNode data = e.json();
            assertEquals(e.name(), data.path("type").asText(), () -> "the event is named by its type: " + e);
            assertTrue(Set.of("file", "dir", "symlink").contains(data.path("entry_type").asText()), e::toString);
            if (e.name().equals(kind) && (path == null || path.equals(data.path("path").asText()))) {
                return e;
            }
        }
        throw new AssertionError("no " + kind + " of " + path + " within " + EVENT + "; saw " + seen);
    }

    @Test
    void theAccessTokenReadsAndWritesAViewerKeyOnlyReads() {
        RuntimeApi.TokenSandbox sbx = sandbox();
        String path = RuntimeApi.fresh("who") + "/t.bin";
        RuntimeApi.with(RuntimeApi.accessToken(sbx.accessToken())).contentType("application/octet-stream").body(new byte[]{4, 2})
                .put(files(sbx.id(), "", path)).then().statusCode(201);
        assertArrayEquals(new byte[]{4, 2}, RuntimeApi.with(RuntimeApi.accessToken(sbx.accessToken()))
                .get(files(sbx.id(), "", path)).then().statusCode(200).extract().asByteArray());
        put(Api.viewer(), sbx.id(), path, new byte[]{9}).then().statusCode(403).body("error.code", equalTo("forbidden"));
        Api.as(Api.viewer()).delete(files(sbx.id(), "", path)).then().statusCode(403);
        assertArrayEquals(new byte[]{4, 2}, Api.as(Api.viewer()).get(files(sbx.id(), "", path)).then().statusCode(200)
                .extract().asByteArray());
        // another sandbox's token sees no such sandbox
        RuntimeApi.TokenSandbox other = RuntimeApi.newSandboxWithToken(Api.developer());
        RuntimeApi.with(RuntimeApi.accessToken(other.accessToken())).get(files(sbx.id(), "", path))
                .then().statusCode(404).body("error.code", equalTo("sandbox_not_found"));
    }

    // ---- envd's filesystem surface ---------------------------------------------------------------

    private static Response unary(String sandbox, String token, String method, Object message) {
        return RuntimeApi.with(RuntimeApi.accessToken(token)).contentType("application/json").body(message)
                .post("/v1/sandboxes/" + sandbox + "/filesystem.Filesystem/" + method);
    }

    @Test
    void connectFilesystemStatListDirAndWatchDir() throws Exception {
        RuntimeApi.TokenSandbox sbx = sandbox();
        String dir = RuntimeApi.fresh("connect");
        String absolute = unary(sbx.id(), sbx.accessToken(), "MakeDir", Map.of("path", dir)).then().statusCode(200)
                .extract().path("entry.path");
        unary(sbx.id(), sbx.accessToken(), "MakeDir", Map.of("path", dir)).then().statusCode(409).body("code", equalTo("already_exists"));
        put(Api.developer(), sbx.id(), dir + "/a.txt", "abc".getBytes(StandardCharsets.UTF_8)).then().statusCode(201);

        JsonNode stat = JSON.readTree(unary(sbx.id(), sbx.accessToken(), "Stat", Map.of("path", absolute + "/a.txt"))
                .then().statusCode(200).extract().asString()).path("entry");
        assertEquals("FILE_TYPE_FILE", stat.path("type").asText());
        assertEquals("3", stat.path("size").asText());
        assertEquals("a.txt", stat.path("name").asText());
        assertTrue(stat.path("mode").isInt(), stat.toString());
        unary(sbx.id(), sbx.accessToken(), "Stat", Map.of("path", absolute + "/none")).then().statusCode(404).body("code", equalTo("not_found"));
        assertEquals(List.of(absolute + "/a.txt"), unary(sbx.id(), sbx.accessToken(), "ListDir", Map.of("path", absolute, "depth", 1))
                .then().statusCode(200).extract().path("entries.path"));

        try (ConnectStream watch = ConnectStream.call(sbx.id(), "filesystem.Filesystem", "WatchDir",
                RuntimeApi.accessToken(sbx.accessToken()), Map.of("path", absolute)).assertStreaming()) {
            assertEquals(JSON.readTree("{\"start\":{}}"), watch.next(EVENT).message());
            put(Api.developer(), sbx.id(), dir + "/b.txt", new byte[]{1}).then().statusCode(201);
            long deadline = System.nanoTime() + EVENT.toNanos();
            Set<String> seen = new TreeSet<>();
            while (!seen.contains("b.txt EVENT_TYPE_CREATE")) {
                assertTrue(System.nanoTime() < deadline, "no create of b.txt; saw " + seen);
                JsonNode event = watch.next(EVENT).message().path("filesystem");
                seen.add(event.path("name").asText() + " " + event.path("type").asText());
            }
        }
        unary(sbx.id(), sbx.accessToken(), "Remove", Map.of("path", absolute)).then().statusCode(200);
        unary(sbx.id(), sbx.accessToken(), "Stat", Map.of("path", absolute)).then().statusCode(404);
    }

    @Test
    void envdFilesUploadsMultipartAndOctetStreamDownloadsAndAnswers404AsEnvd() {
        RuntimeApi.TokenSandbox sbx = sandbox();
        String dir = RuntimeApi.fresh("envd");
        String envd = "/v1/sandboxes/" + sbx.id() + "/envd/files";
        byte[] one = {0, 1, 2, (byte) 255};
        List<Map<String, Object>> written = RuntimeApi.with(RuntimeApi.accessToken(sbx.accessToken()))
                .multiPart("file", dir + "/one.bin", one, "application/octet-stream")
                .multiPart("file", dir + "/two.txt", "two".getBytes(StandardCharsets.UTF_8), "application/octet-stream")
                .post(envd).then().statusCode(200).extract().jsonPath().getList("");
        assertEquals(2, written.size(), written.toString());
        assertEquals("one.bin", written.get(0).get("name"));
        assertEquals("file", written.get(0).get("type"));
        assertTrue(((String) written.get(0).get("path")).endsWith("/" + dir + "/one.bin"), written.toString());

        RuntimeApi.with(RuntimeApi.accessToken(sbx.accessToken())).contentType("application/octet-stream").body(one)
                .post(envd + "?path=" + dir + "/three.bin").then().statusCode(200).body("[0].name", equalTo("three.bin"));
        assertArrayEquals(one, RuntimeApi.with(RuntimeApi.accessToken(sbx.accessToken())).get(envd + "?path=" + dir + "/three.bin")
                .then().statusCode(200).extract().asByteArray());
        assertArrayEquals("two".getBytes(StandardCharsets.UTF_8), RuntimeApi.with(RuntimeApi.accessToken(sbx.accessToken()))
                .get(envd + "?path=" + dir + "/two.txt").then().statusCode(200).extract().asByteArray());
        Map<String, Object> missing = RuntimeApi.with(RuntimeApi.accessToken(sbx.accessToken()))
                .get(envd + "?path=" + dir + "/none").then().statusCode(404).extract().jsonPath().getMap("");
        assertEquals(404, missing.get("code"));
        assertTrue(missing.get("message") instanceof String, missing.toString());
    }

    /** Deterministic bytes of a given length, digested as they are read. */
    private static final class Generated extends InputStream {
        private final long size;
        private final MessageDigest digest;
        private final Random random = new Random(42);
        private final byte[] block = new byte[1 << 16];
        private int blockPos = block.length;
        private long read;

        Generated(long size, MessageDigest digest) {
            this.size = size;
            this.digest = digest;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (read >= size) {
                return -1;
            }
            if (blockPos == block.length) {
                random.nextBytes(block);
                blockPos = 0;
            }
            int n = (int) Math.min(Math.min(len, block.length - blockPos), size - read);
            System.arraycopy(block, blockPos, b, off, n);
            digest.update(block, blockPos, n);
            blockPos += n;
            read += n;
            return n;
        }
    }
}
