package io.tensorbox.api;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.tensorbox.api.Api.as;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The files API's own checks (who may call, which parameters) happen before any call to the scheduler,
 * and what passes is relayed as the scheduler answers it, bytes untouched. The scheduler is {@link FakeRuntime}.
 */
@QuarkusTest
class FilesApiTest {

    @TestHTTPResource("/")
    URL base;

    @Test
    void refusalsComeBeforeAnyCallToTheScheduler() {
        String admin = Api.newTeam();
        String viewer = Api.key(admin, "viewer");
        JsonPath created = as(admin).body("{}").post("/v1/sandboxes").then().statusCode(201).extract().jsonPath();
        String a = created.getString("id");
        String tokenOfA = created.getString("access_token");
        String b = Api.sandbox(admin);
        int before = FakeRuntime.fileCalls.size();

        RestAssured.given().contentType("application/octet-stream").body(new byte[]{1})
                .put("/v1/sandboxes/" + a + "/files?path=/x").then().statusCode(401);
        as(viewer).contentType("application/octet-stream").body(new byte[]{1})
                .put("/v1/sandboxes/" + a + "/files?path=/x").then().statusCode(403).body("error.code", equalTo("forbidden"));
        as(viewer).body(Map.of("path", "/d")).post("/v1/sandboxes/" + a + "/files/mkdir").then().statusCode(403);
        as(viewer).delete("/v1/sandboxes/" + a + "/files?path=/x").then().statusCode(403);
        RestAssured.given().header("X-Access-Token", tokenOfA).get("/v1/sandboxes/" + b + "/files?path=/x")
                .then().statusCode(404).body("error.code", equalTo("sandbox_not_found"));
        String other = Api.newTeam();
        as(other).get("/v1/sandboxes/" + a + "/files/stat?path=/x").then().statusCode(404)
                .body("error.code", equalTo("sandbox_not_found"));
        as(viewer).get("/v1/sandboxes/" + a + "/files?path=").then().statusCode(400).body("error.code", equalTo("invalid_request"));
        as(viewer).get("/v1/sandboxes/" + a + "/files/stat").then().statusCode(400);
        for (String depth : List.of("0", "11", "x", "-1")) {
            as(viewer).get("/v1/sandboxes/" + a + "/files/list?path=/&depth=" + depth).then().statusCode(400)
                    .body("error.message", equalTo("'depth' must be an integer from 1 to 10."));
        }
        as(viewer).get("/v1/sandboxes/" + a + "/files/stat?path=/x&user=Root;").then().statusCode(400);
        as(viewer).get("/v1/sandboxes/" + a + "/files/watch?path=/x&recursive=yes").then().statusCode(400);
        as(admin).body(Map.of("from", "/a")).post("/v1/sandboxes/" + a + "/files/move").then().statusCode(400)
                .body("error.message", equalTo("'to' is required: a path in the sandbox (absolute, or relative to the workspace)."));
        assertEquals(before, FakeRuntime.fileCalls.size(), "no refused call reached the scheduler: " + FakeRuntime.fileCalls);

        // the sandbox's own token may write to it
        RestAssured.given().header("X-Access-Token", tokenOfA).contentType("application/octet-stream").body(new byte[]{7, 0, 7})
                .put("/v1/sandboxes/" + a + "/files?path=/t.bin").then().statusCode(201).body("size", equalTo(3));
        assertArrayEquals(new byte[]{7, 0, 7}, FakeRuntime.files.get(a + " /t.bin"));
        // what the sandbox refuses keeps its code
        as(viewer).get("/v1/sandboxes/" + a + "/files?path=/nope").then().statusCode(404)
                .body("error.code", equalTo("file_not_found"));
    }

    @Test
    void bytesPassBothWaysUntouchedAndBeyondTheJsonBodyLimit() throws Exception {
        String admin = Api.newTeam();
        String developer = Api.key(admin, "developer");
        String viewer = Api.key(admin, "viewer");
        String sbx = Api.sandbox(admin);
        // larger than the HTTP layer's 64 MiB limit on in-memory bodies, with a Content-Length
        byte[] data = new byte[65 * 1024 * 1024 + 7];
        new Random(12).nextBytes(data);
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(base + "v1/sandboxes/" + sbx
                        + "/files?path=/work/d%20%C3%A9.bin"))
                .header("Authorization", "Bearer " + developer).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(data)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, put.statusCode(), put.body());
        JsonPath written = JsonPath.from(put.body());
        assertEquals("/work/d é.bin", written.getString("path"));
        assertEquals(data.length, written.getLong("size"));
        assertArrayEquals(data, FakeRuntime.files.get(sbx + " /work/d é.bin"));

        HttpResponse<byte[]> get = http.send(HttpRequest.newBuilder(URI.create(base + "v1/sandboxes/" + sbx
                        + "/files?path=/work/d%20%C3%A9.bin")).header("Authorization", "Bearer " + viewer).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, get.statusCode());
        assertEquals("application/octet-stream", get.headers().firstValue("Content-Type").orElseThrow());
        // streamed chunked, so no Content-Length beside it (both would be a malformed answer)
        assertEquals(java.util.Optional.empty(), get.headers().firstValue("Content-Length"));
        assertEquals("attachment; filename=\"d _.bin\"; filename*=UTF-8''d%20%C3%A9.bin",
                get.headers().firstValue("Content-Disposition").orElseThrow());
        assertArrayEquals(data, get.body());

        // chunked (no length) works too
        HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(URI.create(base + "v1/sandboxes/" + sbx
                        + "/files?path=/c.bin")).header("Authorization", "Bearer " + developer)
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(data, 0, 3_000_000)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, chunked.statusCode(), chunked.body());
        assertEquals(3_000_000, FakeRuntime.files.get(sbx + " /c.bin").length);

        as(viewer).get("/v1/sandboxes/" + sbx + "/files/stat?path=/c.bin").then().statusCode(200)
                .body("type", equalTo("file")).body("size", equalTo(3_000_000)).body("mode", equalTo("0644"));
        as(developer).body(Map.of("from", "/c.bin", "to", "/moved/c.bin")).post("/v1/sandboxes/" + sbx + "/files/move")
                .then().statusCode(200).body("path", equalTo("/moved/c.bin"));
        as(developer).body(Map.of("path", "/newdir")).post("/v1/sandboxes/" + sbx + "/files/mkdir")
                .then().statusCode(201).body("type", equalTo("dir"));
        as(viewer).get("/v1/sandboxes/" + sbx + "/files/list?path=/moved&depth=2").then().statusCode(200)
                .body("entries.path", equalTo(List.of("/moved/c.bin")));
        as(developer).delete("/v1/sandboxes/" + sbx + "/files?path=/moved/c.bin").then().statusCode(204);
        as(developer).delete("/v1/sandboxes/" + sbx + "/files?path=/moved/c.bin").then().statusCode(404)
                .body("error.code", equalTo("file_not_found"));
    }

    @Test
    void theOpenApiDocumentDescribesTheFilesRoutes() throws Exception {
        JsonNode doc = new ObjectMapper().readTree(RestAssured.get("/q/openapi?format=json").then().statusCode(200)
                .extract().asString());
        JsonNode files = doc.path("paths").path("/v1/sandboxes/{sbx}/files");
        assertEquals("binary", files.at("/put/requestBody/content/application~1octet-stream/schema/format").asText());
        assertTrue(files.path("put").path("responses").path("413").isMissingNode(), "an upload has no 1 MiB limit");
        assertEquals("#/components/schemas/Written", files.at("/put/responses/201/content/application~1json/schema/$ref").asText());
        assertEquals("binary", files.at("/get/responses/200/content/application~1octet-stream/schema/format").asText());
        for (String route : List.of("/stat", "/list", "/mkdir", "/move", "/watch")) {
            assertTrue(doc.path("paths").has("/v1/sandboxes/{sbx}/files" + route), route);
        }
        assertTrue(doc.path("components").path("schemas").has("FileEntry"));
        assertTrue(doc.path("paths").fieldNames().next().startsWith("/v1"));
        doc.path("paths").fieldNames().forEachRemaining(p -> assertTrue(!p.contains("filesystem.Filesystem") && !p.contains("envd"), p));
    }

    @Test
    void watchStartsWithReadyAndClosingItClosesTheUpstreamWatch() throws Exception {
        String admin = Api.newTeam();
        String sbx = Api.sandbox(admin);
        as(admin).get("/v1/sandboxes/" + sbx + "/files/watch?path=relative").then().statusCode(404)
                .body("error.code", equalTo("file_not_found"));
        int closed = FakeRuntime.closedWatches.get();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<java.io.InputStream> watch = http.send(HttpRequest.newBuilder(URI.create(base + "v1/sandboxes/"
                        + sbx + "/files/watch?path=/w")).header("Authorization", "Bearer " + admin)
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, watch.statusCode());
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(watch.body(), StandardCharsets.UTF_8))) {
            while (lines.size() < 6) {
                lines.add(reader.readLine());
            }
        }
        assertEquals("event:ready", lines.get(0).replace(" ", ""), lines.toString());
        assertEquals("event:created", lines.get(3).replace(" ", ""), lines.toString());
        assertTrue(lines.get(4).contains("\"path\":\"/w/f0\""), lines.toString());
        await().atMost(Duration.ofSeconds(10)).until(() -> FakeRuntime.closedWatches.get() > closed);
    }
}
