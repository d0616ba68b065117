package io.tensorbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.tensorbox.api.Api.as;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * envd's filesystem surface as E2B's SDK 2.51.0 speaks it: the filesystem.Filesystem Connect service
 * (unary JSON, WatchDir envelopes) and envd's /files (multipart and octet-stream uploads, downloads,
 * the 404 shape). The sandbox side is {@link FakeRuntime}.
 */
@QuarkusTest
class ConnectFilesystemTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL base;

    private static io.restassured.response.Response unary(String key, String sbx, String method, String body) {
        return RestAssured.given().header("Authorization", "Bearer " + key).contentType("application/json").body(body)
                .post("/v1/sandboxes/" + sbx + "/filesystem.Filesystem/" + method);
    }

    @Test
    void unaryCallsSpeakEnvdMessages() throws Exception {
        String key = Api.newTeam();
        String viewer = Api.key(key, "viewer");
        String sbx = Api.sandbox(key);
        FakeRuntime.files.put(sbx + " /home/user/a.txt", "hello".getBytes(StandardCharsets.UTF_8));

        JsonNode stat = unary(viewer, sbx, "Stat", "{\"path\":\"/home/user/a.txt\"}").then().statusCode(200)
                .extract().as(JsonNode.class);
        assertEquals(JSON.readTree("{\"entry\":{\"name\":\"a.txt\",\"type\":\"FILE_TYPE_FILE\",\"path\":\"/home/user/a.txt\","
                + "\"size\":\"5\",\"mode\":420,\"permissions\":\"-rw-r--r--\",\"owner\":\"root\",\"group\":\"root\","
                + "\"modifiedTime\":\"2026-12-07T07:00:00.000Z\"}}"), stat);
        unary(viewer, sbx, "Stat", "{\"path\":\"/nope\"}").then().statusCode(404).body("code", equalTo("not_found"));
        unary(viewer, sbx, "ListDir", "{\"path\":\"/home/user\",\"depth\":1}").then().statusCode(200)
                .body("entries.path", equalTo(List.of("/home/user/a.txt")))
                .body("entries.type", equalTo(List.of("FILE_TYPE_FILE")));
        unary(viewer, sbx, "ListDir", "{\"path\":\"/home/user\",\"depth\":11}").then().statusCode(400)
                .body("code", equalTo("invalid_argument"));
        unary(viewer, sbx, "Remove", "{\"path\":\"/home/user/a.txt\"}").then().statusCode(403)
                .body("code", equalTo("permission_denied"));
        unary(key, sbx, "Move", "{\"source\":\"/home/user/a.txt\",\"destination\":\"/home/user/b.txt\"}")
                .then().statusCode(200).body("entry.path", equalTo("/home/user/b.txt"));
        unary(key, sbx, "MakeDir", "{\"path\":\"/home/user/d\"}").then().statusCode(200)
                .body("entry.type", equalTo("FILE_TYPE_DIRECTORY"));
        unary(key, sbx, "Remove", "{\"path\":\"/home/user/b.txt\"}").then().statusCode(200).body(equalTo("{}"));
        assertTrue(FakeRuntime.fileCalls.stream().anyMatch(c -> c.startsWith("GET /stat?path=%2Fhome%2Fuser%2Fa.txt")));
    }

    @Test
    void watchDirStreamsStartThenEventsWithRelativeNames() throws Exception {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        FakeRuntime.dirs.add(sbx + " /w");
        HttpClient http = HttpClient.newHttpClient();
        byte[] request = "{\"path\":\"/w\",\"recursive\":false}".getBytes(StandardCharsets.UTF_8);
        byte[] enveloped = ByteBuffer.allocate(5 + request.length).put((byte) 0).putInt(request.length).put(request).array();
        HttpResponse<InputStream> watch = http.send(HttpRequest.newBuilder(URI.create(base + "v1/sandboxes/" + sbx
                        + "/filesystem.Filesystem/WatchDir")).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/connect+json").timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofByteArray(enveloped)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, watch.statusCode());
        int closed = FakeRuntime.closedWatches.get();
        try (DataInputStream in = new DataInputStream(watch.body())) {
            assertEquals(JSON.readTree("{\"start\":{}}"), frame(in));
            assertEquals(JSON.readTree("{\"filesystem\":{\"name\":\"f0\",\"type\":\"EVENT_TYPE_CREATE\"}}"), frame(in));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> FakeRuntime.closedWatches.get() > closed);

        // a file is no directory to watch: the end-of-stream message says so
        FakeRuntime.files.put(sbx + " /f", new byte[0]);
        byte[] bad = "{\"path\":\"/f\"}".getBytes(StandardCharsets.UTF_8);
        byte[] answer = RestAssured.given().header("Authorization", "Bearer " + key).contentType("application/connect+json")
                .body(bad).post("/v1/sandboxes/" + sbx + "/filesystem.Filesystem/WatchDir").then().statusCode(200)
                .extract().asByteArray();
        assertEquals(2, answer[0]);
        assertEquals("invalid_argument", JSON.readTree(new String(answer, 5, answer.length - 5, StandardCharsets.UTF_8))
                .path("error").path("code").asText());
    }

    @Test
    void pollingWatcherCollectsEventsUntilRemoved() throws Exception {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        FakeRuntime.dirs.add(sbx + " /p");
        String id = unary(key, sbx, "CreateWatcher", "{\"path\":\"/p\"}").then().statusCode(200).extract().path("watcherId");
        await().atMost(Duration.ofSeconds(10)).until(() -> !unary(key, sbx, "GetWatcherEvents",
                "{\"watcherId\":\"" + id + "\"}").then().statusCode(200).extract().jsonPath().getList("events").isEmpty());
        String other = Api.sandbox(key);
        unary(key, other, "GetWatcherEvents", "{\"watcherId\":\"" + id + "\"}").then().statusCode(404);
        int closed = FakeRuntime.closedWatches.get();
        unary(key, sbx, "RemoveWatcher", "{\"watcherId\":\"" + id + "\"}").then().statusCode(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> FakeRuntime.closedWatches.get() > closed);
        unary(key, sbx, "GetWatcherEvents", "{\"watcherId\":\"" + id + "\"}").then().statusCode(404)
                .body("code", equalTo("not_found"));
    }

    @Test
    void envdFilesUploadsMultipartAndOctetStreamAndAnswersEnvdErrors() {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        String token = as(key).body("{}").post("/v1/sandboxes").then().statusCode(201).extract().path("access_token");
        // multipart, two files named by their parts (a multi-file write of the SDK)
        List<Map<String, Object>> written = RestAssured.given().header("Authorization", "Bearer " + key)
                .multiPart("file", "/up/one.bin", new byte[]{0, 1, 2}, "application/octet-stream")
                .multiPart("file", "/up/two.txt", "two".getBytes(StandardCharsets.UTF_8), "application/octet-stream")
                .post("/v1/sandboxes/" + sbx + "/envd/files").then().statusCode(200).extract().jsonPath().getList("");
        assertEquals(List.of(Map.of("name", "one.bin", "type", "file", "path", "/up/one.bin"),
                Map.of("name", "two.txt", "type", "file", "path", "/up/two.txt")), written);
        assertArrayEquals(new byte[]{0, 1, 2}, FakeRuntime.files.get(sbx + " /up/one.bin"));
        assertArrayEquals("two".getBytes(StandardCharsets.UTF_8), FakeRuntime.files.get(sbx + " /up/two.txt"));
        // one file at the query's path, as octet-stream
        RestAssured.given().header("Authorization", "Bearer " + key).contentType("application/octet-stream")
                .body(new byte[]{9, 8}).post("/v1/sandboxes/" + sbx + "/envd/files?path=/up/o.bin&username=root")
                .then().statusCode(200).body("[0].path", equalTo("/up/o.bin")).body("[0].type", equalTo("file"));
        assertTrue(FakeRuntime.fileCalls.contains("PUT ?path=%2Fup%2Fo.bin&user=root"), FakeRuntime.fileCalls.toString());

        byte[] read = RestAssured.given().header("Authorization", "Bearer " + key)
                .get("/v1/sandboxes/" + sbx + "/envd/files?path=/up/one.bin").then().statusCode(200)
                .contentType("application/octet-stream").extract().asByteArray();
        assertArrayEquals(new byte[]{0, 1, 2}, read);
        JsonPath missing = RestAssured.given().header("Authorization", "Bearer " + key)
                .get("/v1/sandboxes/" + sbx + "/envd/files?path=/up/none").then().statusCode(404).extract().jsonPath();
        assertEquals(404, missing.getInt("code"));
        assertTrue(missing.getString("message").contains("/up/none"), missing.prettify());
        // the access token of another sandbox sees nothing here
        RestAssured.given().header("X-Access-Token", token).get("/v1/sandboxes/" + sbx + "/envd/files?path=/up/one.bin")
                .then().statusCode(404).body("code", equalTo(404));
    }

    private static JsonNode frame(DataInputStream in) throws Exception {
        int flags = in.readUnsignedByte();
        int length = in.readInt();
        byte[] message = in.readNBytes(length);
        assertEquals(0, flags);
        return JSON.readTree(message);
    }
}
